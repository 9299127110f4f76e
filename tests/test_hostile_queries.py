"""Hostile queries: whatever a client sends to ``/search`` and ``/``, the answer is the
documented JSON (or the page), or a 400 that says what to send instead; never a 500.

Property tests (hypothesis) generate queries and parameters from control characters, bidi
overrides, invisible characters, every operator character, emoji, many scripts, filters and
unbalanced quotes, plus raw percent-encoded bytes (lone surrogates, invalid UTF-8). The
volume goes through Flask's test client; a smaller batch goes over real gunicorn, where the
request line itself has a limit. ``FUZZ_EXAMPLES`` scales the volume (``make soak`` raises it).
"""

import http.client
import json
import os
import re
import urllib.parse
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.querying import MAX_QUERY_CHARS

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
MAX_PAGE, MAX_PER_PAGE, DEFAULT_PER_PAGE = 1000, 50, 10  # web/config.py defaults
RESULT_KEYS = ["query", "total", "page", "per_page", "took_ms", "mode", "suggestion", "facets",
               "results"]
HIT_KEYS = ["id", "title", "url", "date", "site", "category", "lang", "score", "snippet"]

OPERATORS = list("\"'-+*?~^:()[]{}!&|\\/<>=@#.,;%$`")
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
# Default-ignorable characters the analyzer deletes (ANALYSIS.md, rule 13): bidi marks,
# embeddings, overrides and isolates, zero-width space and joiner, BOM, soft hyphen.
IGNORABLE = ["\u200b", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u00ad",
             *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
EMOJI = ["🙂", "👍🏽", "👨‍👩‍👧", "🇵🇰", "🧪", "\u2764\ufe0f"]
WORDS = ["لاہور", "اسموگ", "کراچی", "Lahore", "smog", "بارش", "عمران", "क्रिकेट", "漢字",
         "Ωμέγα", "Привет", "١٢٣", "۲۰۲۴", "ﷺ", "ﻻ", "AND", "OR", "NOT"]
FILTERS = ["site:", "lang:", "category:", "year:", "date:", "site:khabarnama.example", "lang:ur",
           "date:2024-01-01..2024-12-31", "date:..2024", "date:2024-13-45..x", "year:99999999999",
           "date:9999-01-01..0001-01-01", "-", "--", '"', '""', "-\""]
PIECES = OPERATORS + CONTROLS + IGNORABLE + EMOJI + WORDS + FILTERS + [" ", "\u2028", "\u00a0"]
# Queries of the sample corpus that find documents.
REAL_QUERIES = ["لاہور اسموگ", "کراچی بارش", "عمران خان", "Lahore smog", "pakistan cricket"]

hostile_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)),
                        max_size=25).map("".join)
numbers = st.one_of(st.integers(-5, MAX_PAGE + 5).map(str), st.sampled_from(
    ["", " 3 ", "+2", "-0", "1.5", "1e3", "٣", "۳", "1_000", "0x10", "9" * 40, "9" * 101,
     "NaN", "１"]), hostile_text)
odd_params = st.fixed_dictionaries({}, optional={
    "page": numbers, "per_page": numbers,
    "sort": st.one_of(st.sampled_from(["relevance", "date", " date ", "DATE", ""]), hostile_text),
    "site": hostile_text, "lang": st.one_of(st.sampled_from(["ur", "en", "mixed"]), hostile_text),
    "category": hostile_text, "year": st.one_of(st.sampled_from(["2024", "0", "-1"]), hostile_text),
})
fuzz = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _whole_number(raw: str) -> int | None:
    return int(raw.strip()) if re.fullmatch(r"[+-]?[0-9]{1,100}", raw.strip()) else None


def expected_errors(params: dict) -> list[str]:
    """The 400 messages the documented limits allow for ``params`` (empty: must be a 200)."""
    errors = []
    if "page" in params:
        page = _whole_number(params["page"])
        if page is None:
            errors.append("page must be a whole number")
        elif page < 1:
            errors.append("page must be 1 or more")
        elif page > MAX_PAGE:
            errors.append(f"page must be {MAX_PAGE} or less")
    if "per_page" in params and _whole_number(params["per_page"]) is None:
        errors.append("per_page must be a whole number")
    if "sort" in params and params["sort"].strip() not in ("relevance", "date"):
        errors.append("sort must be 'relevance' or 'date'")
    if len(params.get("q", "")) > MAX_QUERY_CHARS:
        errors.append(f"q must be {MAX_QUERY_CHARS} characters or fewer")
    return errors


def check_api(response, params: dict) -> dict:
    """The whole documented answer to ``params``."""
    assert response.status_code in (200, 400), (response.status_code, params)
    assert response.mimetype == "application/json"
    body = response.get_json()
    errors = expected_errors(params)
    if errors:
        assert response.status_code == 400, params
        assert list(body) == ["error"] and list(body["error"]) == ["code", "message"]
        assert body["error"]["code"] == "bad_request"
        assert any(body["error"]["message"].startswith(e) for e in errors), body
        return body
    assert response.status_code == 200, (body, params)
    assert list(body) == RESULT_KEYS
    assert body["query"] == params.get("q", "")
    assert body["page"] == _whole_number(params.get("page", "1"))
    per_page = _whole_number(params.get("per_page", str(DEFAULT_PER_PAGE)))
    assert body["per_page"] == max(1, min(per_page, MAX_PER_PAGE))
    assert isinstance(body["total"], int) and 0 <= len(body["results"]) <= body["per_page"]
    if body["results"]:  # a page past the end is empty
        assert body["total"] >= (body["page"] - 1) * body["per_page"] + len(body["results"])
    assert body["mode"] in ("all", "any")
    assert body["suggestion"] is None or isinstance(body["suggestion"], str)
    assert list(body["facets"]) == ["site", "category", "lang", "year"]
    for hit in body["results"]:
        assert list(hit) in (HIT_KEYS, HIT_KEYS + ["matched"])
        # The snippet is escaped text: its only markup is <mark>.
        assert not re.search(r"[<>]", re.sub(r"</?mark>", "", hit["snippet"])), hit["snippet"]
    return body


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def check_page(response, params: dict):
    """The page, or the page with the error: the box holds the query, no foreign markup."""
    assert response.status_code in (200, 400), (response.status_code, params)
    assert response.mimetype == "text/html"
    assert (response.status_code == 400) == bool(expected_errors(params)), params
    html = response.get_data(as_text=True)
    page = Page(html)
    boxes = [a for t, a in page.tags if t == "input" and a.get("id") == "q"]
    assert len(boxes) == 1 and boxes[0]["value"] == params.get("q", "")
    for tag, attrs in page.tags:
        assert tag != "script" or attrs.get("src", "").startswith("/static/"), attrs
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
    if response.status_code == 400:
        assert any(e in unescape(html) for e in expected_errors(params))


@fuzz
@given(q=hostile_text, params=odd_params)
def test_search_api_answers_any_query(client, q, params):
    params = {"q": q, **params}
    check_api(client.get("/search", query_string=params), params)


@fuzz
@given(q=hostile_text, params=odd_params)
def test_page_answers_any_query(client, q, params):
    params = {"q": q, **params}
    check_page(client.get("/", query_string=params), params)


@fuzz
@given(raw=st.binary(max_size=30), extra=st.sampled_from([b"", b"\xed\xa0\x80", b"\xff\xfe",
                                                           b"\xc0\xaf", b"\xf4\x90\x80\x80"]))
def test_any_bytes_percent_encoded(client, raw, extra):
    """Invalid UTF-8 (a lone surrogate as %ED%A0%80, overlong forms) in any parameter."""
    encoded = urllib.parse.quote_from_bytes(raw + extra, safe="")
    target = f"?q={encoded}&site={encoded}&category={encoded}"
    body = client.get("/search" + target).get_json()
    assert list(body) == RESULT_KEYS and isinstance(body["query"], str)
    page = client.get("/" + target)
    assert page.status_code == 200 and page.mimetype == "text/html"


@pytest.mark.parametrize("q", [
    "%ED%A0%80", "%ED%B0%80%ED%A0%80", "%00", "%FF%FE%FD", "lah%00ore", "%E2%80%AE%D9%84%D8%A7",
], ids=["lone-high-surrogate", "reversed-pair", "nul", "invalid-utf8", "nul-inside",
        "rtl-override-urdu"])
def test_named_raw_queries(client, q):
    body = client.get(f"/search?q={q}").get_json()
    assert list(body) == RESULT_KEYS and isinstance(body["query"], str)
    assert client.get(f"/?q={q}").status_code == 200


@pytest.mark.parametrize("q", [
    '"لاہور', 'لاہور"', '"""', '" "', '"-"', "-", "--لاہور", "-\"لاہور\"", "()", "*", "?",
    "\\", "site:", "date:..", "year:abc", "\u202eلاہور\u202c", "\u202dLahore", "🙂" * 300,
    "لاہور Lahore 漢字 Привет ١٢٣ ۲۰۲۴", "\x00\x01\x1f\x7f", "ـ" * 500, *OPERATORS,
], ids=lambda q: repr(q[:12]))
def test_named_hostile_queries(client, q):
    check_api(client.get("/search", query_string={"q": q}), {"q": q})
    check_page(client.get("/", query_string={"q": q}), {"q": q})


@fuzz
@given(query=st.sampled_from(REAL_QUERIES), data=st.data())
def test_ignorable_characters_do_not_change_results(client, query, data):
    """Bidi controls and zero-width characters anywhere, control characters between words:
    the analyzer drops them (ANALYSIS.md), so the results are those of the clean query."""
    text = list(query)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        text.insert(at, data.draw(st.sampled_from(IGNORABLE)))
    for _ in range(data.draw(st.integers(0, 3))):
        gaps = [i for i, c in enumerate(text) if c == " "] + [0, len(text)]
        text.insert(data.draw(st.sampled_from(gaps)), data.draw(st.sampled_from(CONTROLS)))
    noisy = "".join(text)

    def ids(q):
        return [h["id"] for h in client.get("/search", query_string={
            "q": q, "per_page": 50}).get_json()["results"]]

    expected = ids(query)
    assert expected and ids(noisy) == expected, repr(noisy)


@pytest.mark.parametrize("length, status", [(MAX_QUERY_CHARS, 200), (MAX_QUERY_CHARS + 1, 400),
                                            (100_000, 400)])
def test_query_length_limit(client, length, status):
    q = ("لاہور " * length)[:length]
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["error"]["message"] == (
            f"q must be {MAX_QUERY_CHARS} characters or fewer, got {length}; search for the "
            "key words instead")
    page = client.get("/", query_string={"q": q})
    assert page.status_code == status and page.mimetype == "text/html"


def test_page_depth_and_per_page_limits(client):
    deepest = client.get("/search", query_string={"q": "لاہور", "page": MAX_PAGE}).get_json()
    assert deepest["page"] == MAX_PAGE and deepest["results"] == [] and deepest["total"] == 22
    too_deep = client.get("/search", query_string={"q": "لاہور", "page": MAX_PAGE + 1})
    assert too_deep.status_code == 400 and too_deep.get_json()["error"]["message"] == (
        "page must be 1000 or less; to reach results that deep, narrow the query or add a "
        "filter instead")
    huge = client.get("/search", query_string={"q": "کی", "per_page": "9" * 100}).get_json()
    assert huge["per_page"] == MAX_PER_PAGE and len(huge["results"]) == MAX_PER_PAGE


# Over real gunicorn: the same answers, and the request line's own limit.

def http_get(base: str, target: str) -> tuple[int, str, bytes]:
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


class Answer:
    """An HTTP answer with the few attributes ``check_api`` and ``check_page`` read."""

    def __init__(self, status, content_type, data):
        self.status_code, self.data = status, data
        self.mimetype = content_type.split(";")[0]

    def get_json(self):
        return json.loads(self.data)

    def get_data(self, as_text=False):
        return self.data.decode("utf-8") if as_text else self.data


@settings(max_examples=max(10, EXAMPLES // 4), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(q=hostile_text, params=odd_params)
def test_over_gunicorn(gunicorn_server, q, params):
    params = {"q": q, **params}
    query = urllib.parse.urlencode(params)
    check_api(Answer(*http_get(gunicorn_server, "/search?" + query)), params)
    check_page(Answer(*http_get(gunicorn_server, "/?" + query)), params)


def test_request_line_limits_over_gunicorn(gunicorn_server):
    longest = urllib.parse.quote("ل" * MAX_QUERY_CHARS)  # about 6 KB: gunicorn lets it through
    status, _, _ = http_get(gunicorn_server, f"/search?q={longest}&page=2&sort=date")
    assert status == 200
    status, _, body = http_get(gunicorn_server, f"/search?q={longest}%D9%84")
    assert status == 400 and b"q must be 1000 characters or fewer" in body
    # 100 KB never reaches the app: gunicorn refuses the request line with its own 414.
    status, _, body = http_get(gunicorn_server, "/search?q=" + urllib.parse.quote("ل" * 50_000))
    assert status == 414 and b"Request Line is too large" in body
    assert http_get(gunicorn_server, "/healthz")[0] == 200
