"""The JSON API: every field of the response, the one error shape, caching, CORS, health."""

import gc
import re
import threading
import time

import pytest

from web import create_app

RESULT_KEYS = ["query", "total", "page", "per_page", "took_ms", "mode", "suggestion", "facets",
               "results"]
HIT_KEYS = ["id", "title", "url", "date", "site", "category", "lang", "score", "snippet"]


def assert_error(response, status, code, message_part):
    """The one error shape: {"error": {"code", "message"}}, nothing else, never cached."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"] and list(body["error"]) == ["code", "message"]
    assert body["error"]["code"] == code
    assert message_part in body["error"]["message"]
    assert response.headers["Cache-Control"] == "no-store"


def ids(body):
    return [h["id"] for h in body["results"]]


def test_search_response_fields(client, sample_docs):
    body = client.get("/search", query_string={"q": "لاہور"}).get_json()
    assert list(body) == RESULT_KEYS
    assert body["query"] == "لاہور" and body["page"] == 1 and body["per_page"] == 10
    assert body["mode"] == "all" and body["total"] == 22 and len(body["results"]) == 10
    assert body["suggestion"] is None or isinstance(body["suggestion"], str)
    assert isinstance(body["took_ms"], float | int) and body["took_ms"] >= 0
    assert list(body["facets"]) == ["site", "category", "lang", "year"]
    for name, values in body["facets"].items():
        assert values and all(list(v) == ["value", "count"] for v in values), name
        assert sum(v["count"] for v in values) <= body["total"]
    assert sum(v["count"] for v in body["facets"]["site"]) == body["total"]
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)
    for hit in body["results"]:
        assert list(hit) == HIT_KEYS
        doc = sample_docs[hit["id"]]
        for key in ("title", "url", "site", "category", "lang"):
            assert hit[key] == doc[key], (hit["id"], key)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", hit["date"])  # ISO, whatever the source wrote
        assert "<mark>" in hit["snippet"] or "لاہور" in doc["title"]


def test_internal_fields_stay_internal(client):
    body = client.get("/search", query_string={"q": "لاہور"}).get_json()
    assert "generation" not in body


def test_empty_query_finds_nothing(client):
    body = client.get("/search").get_json()
    assert body["total"] == 0 and body["results"] == [] and body["query"] == ""


def test_filters_narrow_and_sort_by_date(client, sample_docs):
    body = client.get("/search", query_string={"q": "لاہور", "site": "khabarnama.example",
                                               "sort": "date", "per_page": 50}).get_json()
    assert body["total"] == 4
    assert {h["site"] for h in body["results"]} == {"khabarnama.example"}
    dates = [h["date"] for h in body["results"]]
    assert dates == sorted(dates, reverse=True)
    assert body["facets"]["site"] == [{"value": "khabarnama.example", "count": 4}]


def test_pages_follow_on(client):
    whole = ids(client.get("/search", query_string={"q": "لاہور", "per_page": 30}).get_json())
    pages = [ids(client.get("/search", query_string={"q": "لاہور", "per_page": 10,
                                                     "page": n}).get_json()) for n in (1, 2, 3)]
    assert pages[0] + pages[1] + pages[2] == whole and len(pages[2]) == 2


def test_per_page_is_clamped(client):
    body = client.get("/search", query_string={"q": "کی", "per_page": 1000}).get_json()
    assert body["per_page"] == 50 and len(body["results"]) == 50
    body = client.get("/search", query_string={"q": "کی", "per_page": 0}).get_json()
    assert body["per_page"] == 1 and len(body["results"]) == 1
    body = client.get("/search", query_string={"q": "کی", "per_page": -7}).get_json()
    assert body["per_page"] == 1


@pytest.mark.parametrize("params, message", [
    ({"page": "two"}, "page must be a whole number"),
    ({"page": "1.5"}, "page must be a whole number"),
    ({"page": "١"}, "page must be a whole number"),
    ({"page": "9" * 40}, "page must be 1000 or less"),
    ({"page": "9" * 101}, "page must be a whole number"),
    ({"page": ""}, "page must be a whole number"),
    ({"page": "0"}, "page must be 1 or more"),
    ({"page": "-3"}, "page must be 1 or more"),
    ({"page": "1001"}, "page must be 1000 or less"),
    ({"per_page": "many"}, "per_page must be a whole number"),
    ({"sort": "random"}, "sort must be 'relevance' or 'date'"),
    ({"sort": ""}, "sort must be 'relevance' or 'date'"),
], ids=["word", "fraction", "urdu-digit", "huge", "absurd", "empty", "zero", "negative", "too-deep",
        "per-page-word", "sort", "sort-empty"])
def test_bad_parameters_get_one_error_shape(client, params, message):
    assert_error(client.get("/search", query_string={"q": "x", **params}), 400, "bad_request",
                 message)


def test_unknown_path_is_json_404(client):
    assert_error(client.get("/nothing-here"), 404, "not_found", "GET /search?q=")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.post("/search", data={"q": "x"})
    assert_error(response, 405, "method_not_allowed", "use GET")
    assert "GET" in response.headers["Allow"]


def test_etag_changes_with_parameters_and_answers_304(client):
    first = client.get("/search", query_string={"q": "لاہور"})
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/search", query_string={"q": "لاہور"}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    other = client.get("/search", query_string={"q": "لاہور", "page": 2})
    assert other.headers["ETag"] != tag
    # The same search asked with default values spelt out is the same answer.
    spelt = client.get("/search", query_string={"q": "لاہور", "page": 1, "sort": "relevance"})
    assert spelt.headers["ETag"] == tag


def test_etag_changes_when_the_index_is_rebuilt(tmp_path):
    from search.documents import read_sources
    from search.indexing import build_index
    from tests.conftest import SAMPLE

    build_index(tmp_path, read_sources([SAMPLE]))
    client = create_app({"INDEX_DIR": str(tmp_path)}).test_client()
    before = client.get("/search?q=x").headers["ETag"]
    build_index(tmp_path, read_sources([SAMPLE]))
    after = client.get("/search?q=x", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_cache_seconds_zero_means_revalidate(sample_index):
    client = create_app({"INDEX_DIR": str(sample_index), "CACHE_SECONDS": 0}).test_client()
    assert client.get("/search?q=x").headers["Cache-Control"] == "no-cache"


def test_no_cors_headers_by_default(client):
    response = client.get("/search?q=x", headers={"Origin": "https://news.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_only_configured_origins(sample_index):
    app = create_app({"INDEX_DIR": str(sample_index),
                      "CORS_ORIGINS": "https://news.example, https://other.example/"})
    client = app.test_client()
    allowed = client.get("/search?q=x", headers={"Origin": "https://other.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://other.example"
    assert "Origin" in allowed.headers["Vary"]
    assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    denied = client.get("/search?q=x", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in denied.headers
    preflight = client.options("/search", headers={
        "Origin": "https://news.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    # The page is for people, not for scripts on other sites.
    page = client.get("/?q=x", headers={"Origin": "https://news.example"})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_cors_star_allows_any_origin(sample_index):
    client = create_app({"INDEX_DIR": str(sample_index), "CORS_ORIGINS": "*"}).test_client()
    response = client.get("/healthz", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_healthz_reports_generation_and_count(client, sample_index, sample_docs):
    response = client.get("/healthz")
    body = response.get_json()
    assert list(body) == ["status", "generation", "documents", "warm"]
    assert body["status"] == "ok" and body["documents"] == len(sample_docs)
    assert (sample_index / "CURRENT").read_text().strip() == body["generation"]
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_warms_the_worker_and_says_so(app):
    """The first /healthz finds the worker cold (still 200: it can answer) and starts the
    warm-up; a later one says it is done, with the same searcher the requests use."""
    client = app.test_client()
    first = client.get("/healthz")
    assert first.status_code == 200 and first.get_json()["warm"] is False
    for _ in range(200):
        body = client.get("/healthz").get_json()
        if body["warm"]:
            break
        time.sleep(0.05)
    assert body["warm"] is True and body["status"] == "ok"
    assert gc.get_freeze_count() > 0  # the warmed tables are out of full collections
    gc.unfreeze()
    searcher = app.extensions["talash.searcher"]
    assert searcher.engine().generation._spelling is not None  # read by the warm-up
    assert client.get("/search?q=لاہور").status_code == 200
    assert app.extensions["talash.searcher"] is searcher  # the warmed one serves


def test_threads_starting_at_once_share_one_searcher(app):
    """A starting worker's warm-up and first requests open the searcher together: one wins."""
    from web.views import get_searcher

    barrier, found = threading.Barrier(8), []

    def open_one():
        with app.app_context():
            barrier.wait()
            found.append(get_searcher())

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 8 and all(s is found[0] for s in found)


def test_missing_index_is_503_with_the_fix(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path)}).test_client()  # a folder, no index
    assert_error(client.get("/search?q=x"), 503, "index_unavailable", "talash reindex")
    health = client.get("/healthz")
    body = health.get_json()
    assert health.status_code == 503 and list(body) == ["status", "error"]
    assert body["status"] == "unavailable" and body["error"]["code"] == "index_unavailable"
    assert "talash reindex" in body["error"]["message"]
    page = client.get("/?q=x")
    assert page.status_code == 503 and "talash reindex" in page.get_data(as_text=True)
