"""Hostile documents: titles, bodies, ids, sites, categories and URLs that carry ``<script>``,
event-handler attributes, ``javascript:`` URLs and markup inside Urdu sentences are shown as
text everywhere (the page, its snippets, the JSON), under a strict Content-Security-Policy.

Every payload, if it ever ran, would set ``window.__pwned`` or add an element ``#pwned``; the
page is parsed as a browser would (lexbor) and loaded in headless Chromium, which must show
the payloads as text and never run them. ``FUZZ_DOCS`` scales the seeded corpus (``make soak``
raises it); hypothesis adds small generated corpora of its own.
"""

import os
import random
import re
import tempfile
from html import unescape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from search.indexing import build_index
from web import create_app
from web.headers import CSP
from web.links import safe_href

FUZZ_DOCS = int(os.environ.get("FUZZ_DOCS", "120"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120")) // 8  # each builds an index
RUN = "window.__pwned=1"
PAYLOADS = [
    f"<script>{RUN}</script>", f'<img src=x onerror="{RUN}">', f"<svg onload={RUN}>",
    f'"><script>{RUN}</script>', f"'><img src=x onerror={RUN}>",
    f"<a href=\"javascript:{RUN}\">x</a>",
    f"<iframe src=javascript:{RUN}>", f"<body onload={RUN}>", f"</title><script>{RUN}</script>",
    f"</textarea><script>{RUN}</script>", "<!--", "-->", "<![CDATA[", "]]>",
    "<style>body{display:none}</style>", "<div id=pwned>x</div>", "<mark>fake</mark>",
    "&lt;script&gt;", "&amp;", "&#60;b&#62;", "{{ 7*7 }}", "{% raw %}", "${7*7}",
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f"<details open ontoggle={RUN}>", f"<input autofocus onfocus={RUN}>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>", "<base href=//evil.example/>",
    f"<meta http-equiv=refresh content=0;url=javascript:{RUN}>",
    f"<form action=javascript:{RUN}><button>x</button></form>", f"\u202e<script>{RUN}</script>",
    f"<object data=javascript:{RUN}>", f"<embed src=javascript:{RUN}>",
]
URLS = [
    f"javascript:{RUN}", f"JaVaScRiPt:{RUN}", f" javascript:{RUN}", f"java\tscript:{RUN}",
    f"javascript&colon;{RUN}", f"data:text/html,<script>{RUN}</script>", "vbscript:msgbox(1)",
    "//evil.example/x", f'https://safe.example/?q="><script>{RUN}</script>',
    f'https://safe.example/" onmouseover="{RUN}', "http://[::1", "file:///etc/passwd",
    f"\x01javascript:{RUN}", "https://khabar.example/لاہور", "", "mailto:a@b.example",
]
URDU = ["لاہور میں", "آج شام", "خبر کے مطابق", "حکومت نے کہا کہ", "شہر کی سڑکوں پر", "اسموگ"]


def hostile_corpus(count: int, seed: int = 9) -> list[dict]:
    """``count`` documents, each with payloads in several fields, findable by ``لاہور``."""
    pick = random.Random(seed).choice
    docs = []
    for n in range(count):
        def sentence():
            return f"{pick(URDU)} {pick(PAYLOADS)} {pick(URDU)}"
        docs.append({
            "id": f"d{n}" + (pick(["", "<b>", '"', "'><i>"]) if n % 3 == 0 else ""),
            "title": f"لاہور {sentence()}" if n % 5 else "",  # an empty title shows the id
            "body": f"لاہور {sentence()} {sentence()}۔",
            "url": pick(URLS), "site": pick([pick(PAYLOADS), "safe.example", ""]),
            "category": pick([pick(PAYLOADS), "خبریں"]), "date": f"2024-01-{n % 28 + 1:02}",
        })
    return docs


def results(client, per_page: int = 50):
    """Every hit of ``لاہور``, page by page: (JSON hit, its <li> on the page)."""
    page, pairs = 1, []
    while True:
        params = {"q": "لاہور", "per_page": per_page, "page": page}
        api = client.get("/search", query_string=params).get_json()
        response = client.get("/", query_string=params)
        assert response.headers["Content-Security-Policy"] == CSP
        html = LexborHTMLParser(response.get_data(as_text=True))
        check_no_foreign_markup(html)
        items = html.css("li.result")
        assert [li.attributes["data-id"] for li in items] == [
            as_text(h["id"], nul="\ufffd") for h in api["results"]]
        pairs += list(zip(api["results"], items, strict=True))
        if page * per_page >= api["total"]:
            return pairs
        page += 1


def check_no_foreign_markup(html: LexborHTMLParser):
    """Only the page's own elements: no script but /static ones, no handlers, no foreign
    links, frames, styles, images or forms."""
    assert not html.css("#pwned, iframe, object, embed, img, svg, math, style, base, meta"
                        "[http-equiv], details, textarea, body input:not(#q):not([type=hidden])")
    assert all(s.attributes.get("src", "").startswith("/static/") for s in html.css("script"))
    assert len(html.css("form")) == 1
    for node in html.css("*"):
        assert not [a for a in node.attributes if a.lower().startswith("on")], node.html[:120]
        assert "javascript:" not in " ".join(map(str, node.attributes.values())).lower()
    for link in html.css("a[href]"):
        href = link.attributes["href"]
        own = href.startswith("#") or (href.startswith("/") and not href.startswith("//"))
        assert own or safe_href(href) == href, href


def as_text(text: str, nul: str = "") -> str:
    """``text`` as an HTML parser (and a browser) reads it back: line ends become LF, NUL is
    dropped from text (replaced in attributes). That is parsing, not markup: every other
    character comes back as written."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", nul)


def check_hit(doc: dict, hit: dict, li):
    """One document, shown as text on the page and as data in the JSON."""
    assert hit["title"] == doc["title"].strip() and hit["url"] == doc["url"].strip()
    assert li.css_first("h2.title").text() == as_text(hit["title"] or hit["id"])
    link = li.css_first("h2.title a")
    assert (link.attributes["href"] if link else None) == safe_href(doc["url"])
    snippet = re.sub(r"</?mark>", "", hit["snippet"])
    assert not re.search(r"[<>]", snippet), hit["snippet"]  # escaped text, <mark> only
    shown = li.css_first("p.snippet").text()
    assert shown == as_text(unescape(snippet))
    body = " ".join(as_text(doc["body"]).split())
    for fragment in shown.split("…"):
        assert " ".join(fragment.split()) in body
    for field in ("site", "category"):
        node = li.css_first(f".meta .{field}")
        assert (node.text() if node else "") == as_text(hit[field])
        # An empty site is taken from the URL's host; anything given is kept as written.
        assert hit[field] == doc[field].strip() or (field == "site" and not doc[field].strip())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    docs = hostile_corpus(FUZZ_DOCS)
    root = tmp_path_factory.mktemp("hostile-docs")
    summary = build_index(root, docs)
    assert summary.indexed == len(docs) and not summary.rejected
    return root, {d["id"]: d for d in docs}


def test_every_hostile_document_is_shown_as_text(corpus):
    root, docs = corpus
    client = create_app({"INDEX_DIR": str(root), "TESTING": True}).test_client()
    pairs = results(client)
    assert sorted(hit["id"] for hit, _ in pairs) == sorted(docs)
    for hit, li in pairs:
        check_hit(docs[hit["id"]], hit, li)
    # The payloads are there to read: as text, never as markup.
    page = client.get("/", query_string={"q": "لاہور", "per_page": 50}).get_data(as_text=True)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "<script>window" not in page


def test_content_security_policy_is_strict(corpus):
    root, _ = corpus
    client = create_app({"INDEX_DIR": str(root)}).test_client()
    for path in ("/", "/?q=لاہور", "/search?q=لاہور", "/?page=x", "/healthz"):
        policy = dict(p.strip().split(" ", 1) for p in
                      client.get(path).headers["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
        assert policy["object-src"] == policy["base-uri"] == "'none'"
        assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
        assert "unsafe" not in str(policy.values()) and "data:" not in str(policy.values())


hostile_field = st.lists(st.one_of(st.sampled_from(PAYLOADS + URDU), st.text(max_size=5)),
                         max_size=6).map(" ".join)
hostile_doc = st.fixed_dictionaries({
    "id": st.text(min_size=1, max_size=12).filter(str.strip), "title": hostile_field,
    "body": hostile_field.map(lambda text: f"لاہور {text}"),
    "url": st.one_of(st.sampled_from(URLS), hostile_field), "site": hostile_field,
    "category": hostile_field,
})


@settings(max_examples=max(3, EXAMPLES), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=st.lists(hostile_doc, min_size=1, max_size=6,
                     unique_by=lambda d: d["id"].strip()))
def test_generated_documents_are_shown_as_text(docs):
    with tempfile.TemporaryDirectory() as folder:
        summary = build_index(Path(folder), docs)
        kept = {d["id"].strip(): d for d in docs}
        assert summary.indexed == len(docs)
        client = create_app({"INDEX_DIR": folder, "TESTING": True}).test_client()
        pairs = results(client)
        assert sorted(hit["id"] for hit, _ in pairs) == sorted(kept)
        for hit, li in pairs:
            doc = {k: (v.strip() if isinstance(v, str) else v) for k, v in kept[hit["id"]].items()}
            check_hit(doc, hit, li)


# In the browser: nothing runs, nothing is injected, javascript: is never a link.

@pytest.fixture(scope="module")
def hostile_site(corpus, tmp_path_factory):
    from tests.web.conftest import start_gunicorn, stop

    proc, base = start_gunicorn(corpus[0], tmp_path_factory.mktemp("hostile-logs"))
    yield base
    stop(proc)


def pwned(driver) -> list[str]:
    """Every sign that a payload ran or entered the DOM as markup."""
    return driver.execute_script("""
        const signs = [];
        if (window.__pwned !== undefined) signs.push("window.__pwned set");
        if (document.getElementById("pwned")) signs.push("#pwned element");
        for (const e of document.querySelectorAll("*"))
          for (const a of e.attributes)
            if (a.name.startsWith("on")) signs.push(e.tagName + " " + a.name);
        for (const s of document.scripts)
          if (!s.src.includes("/static/")) signs.push("inline script");
        for (const a of document.querySelectorAll("a[href]"))
          if (!/^https?:$/.test(new URL(a.href).protocol)) signs.push("link " + a.href);
        return signs;""")


def test_browser_runs_no_payload(hostile_site):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.web.conftest import chrome

    driver = chrome()
    try:
        driver.get(hostile_site + "/?q=%D9%84%D8%A7%DB%81%D9%88%D8%B1&per_page=50")
        items = driver.find_elements(By.CSS_SELECTOR, "#results li.result")
        assert len(items) == min(FUZZ_DOCS, 50)
        titles = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "h2.title"))
        assert f"<script>{RUN}</script>" in titles  # shown, as text
        assert pwned(driver) == []
        # Results drawn by app.js while typing go through DOMParser: the same must hold.
        box = driver.find_element(By.ID, "q")
        box.clear()
        box.send_keys("لاہور اسموگ")
        WebDriverWait(driver, 10).until(lambda d: "%D8%A7%D8%B3%D9%85%D9%88%DA%AF" in
                                        d.current_url)
        assert driver.find_elements(By.CSS_SELECTOR, "#results li.result")
        page = driver.current_url
        unlinked = [t for t in driver.find_elements(By.CSS_SELECTOR, "h2.title")
                    if not t.find_elements(By.TAG_NAME, "a")]
        assert unlinked  # the documents whose URL is javascript:, data:, //… and so on
        for title in unlinked[:5]:
            title.click()  # text, not a link: clicking it goes nowhere and runs nothing
            assert driver.current_url == page and len(driver.window_handles) == 1
        assert pwned(driver) == []
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018 - raises when no alert is open
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []  # not even a blocked inline script: none reached the DOM
    finally:
        driver.quit()
