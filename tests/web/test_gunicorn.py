"""Real gunicorn, with the project's config, answering over HTTP."""

import json
import urllib.parse
import urllib.request


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_search_over_http(gunicorn_server, client):
    query = urllib.parse.quote("لاہور")
    status, body = get_json(f"{gunicorn_server}/search?q={query}")
    assert status == 200
    expected = client.get("/search", query_string={"q": "لاہور"}).get_json()
    assert [h["id"] for h in body["results"]] == [h["id"] for h in expected["results"]]
    assert body["results"]


def test_healthz_over_http(gunicorn_server):
    status, body = get_json(f"{gunicorn_server}/healthz")
    assert status == 200 and body["status"] == "ok" and body["documents"] >= 60
