"""The JSON API: every field of the response, the one error shape, health."""

import pytest

from web import create_app

RESULT_KEYS = ["query", "total", "page", "per_page", "mode", "suggestion", "facets", "results",
               "took_ms"]
HIT_KEYS = ["id", "title", "url", "date", "site", "category", "lang", "score", "snippet"]


def assert_error(response, status, code, message_part):
    assert response.status_code == status
    body = response.get_json()
    assert list(body) == ["error"] and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert message_part in body["error"]["message"]


def test_search_response_fields(client, sample_docs):
    body = client.get("/search", query_string={"q": "لاہور"}).get_json()
    assert list(body) == RESULT_KEYS
    assert body["query"] == "لاہور" and body["page"] == 1 and body["per_page"] == 10
    assert body["mode"] == "all" and body["total"] >= len(body["results"]) > 0
    assert set(body["facets"]) == {"site", "category", "lang", "year"}
    for hit in body["results"]:
        assert list(hit) == HIT_KEYS
        doc = sample_docs[hit["id"]]
        assert hit["title"] == doc["title"] and hit["url"] == doc["url"]
        assert "لاہور" in doc["title"] + doc["body"] or "<mark>" in hit["snippet"]


def test_per_page_is_clamped(client):
    body = client.get("/search", query_string={"q": "کی", "per_page": 1000}).get_json()
    assert body["per_page"] == 50
    body = client.get("/search", query_string={"q": "کی", "per_page": 0}).get_json()
    assert body["per_page"] == 1 and len(body["results"]) == 1


@pytest.mark.parametrize("params, message", [
    ({"q": "x", "page": "two"}, "page must be a whole number"),
    ({"q": "x", "page": "0"}, "page must be 1 or more"),
    ({"q": "x", "per_page": "many"}, "per_page must be a whole number"),
    ({"q": "x", "sort": "random"}, "sort must be 'relevance' or 'date'"),
])
def test_bad_parameters_get_one_error_shape(client, params, message):
    assert_error(client.get("/search", query_string=params), 400, "bad_request", message)


def test_unknown_path_is_json_404(client):
    assert_error(client.get("/nothing-here"), 404, "not_found", "not found")


def test_healthz_reports_generation_and_count(client, sample_index, sample_docs):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["documents"] == len(sample_docs)
    assert (sample_index / "CURRENT").read_text().strip() == body["generation"]


def test_missing_index_is_503_with_the_fix(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    assert_error(client.get("/search?q=x"), 503, "index_unavailable", "talash reindex")
    health = client.get("/healthz")
    assert health.status_code == 503 and "talash reindex" in health.get_json()["error"]


def test_page_shows_the_same_hits(client):
    api = client.get("/search", query_string={"q": "لاہور"}).get_json()
    page = client.get("/", query_string={"q": "لاہور"}).get_data(as_text=True)
    positions = [page.index(f'data-id="{h["id"]}"') for h in api["results"]]
    assert positions == sorted(positions)
    assert "<mark>" in page
