"""Real gunicorn, with the project's config, answering over HTTP: headers, caching, logs,
a reindex while serving, and a graceful reload."""

import json
import os
import signal
import time
import urllib.error
import urllib.parse
import urllib.request

from search.documents import read_sources
from search.indexing import build_index
from tests.conftest import SAMPLE, write_jsonl
from tests.web.conftest import start_gunicorn, stop
from web.headers import SECURITY_HEADERS


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def get_json(url, headers=None):
    status, headers, body = get(url, headers)
    return status, json.loads(body)


def test_search_over_http_is_the_in_process_answer(web_server, client):
    base, _ = web_server
    status, body = get_json(f"{base}/search?q={urllib.parse.quote('لاہور')}")
    expected = client.get("/search", query_string={"q": "لاہور"}).get_json()
    assert status == 200 and body["results"]
    assert [h["id"] for h in body["results"]] == [h["id"] for h in expected["results"]]


def test_headers_and_304_over_http(web_server):
    base, _ = web_server
    url = f"{base}/search?q={urllib.parse.quote('اسموگ')}"
    status, headers, _ = get(url)
    assert status == 200
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    status, again, body = get(url, {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]
    status, headers, body = get(f"{base}/search?q=x&page=0")
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_request"
    assert headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_access_log_has_one_line_per_request(web_server):
    base, logs = web_server
    get(f"{base}/healthz?probe=access-log", {"X-Forwarded-For": "203.0.113.9"})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in (logs / "access.log").read_text().splitlines()
                 if "probe=access-log" in line]
        if lines:
            break
        time.sleep(0.1)
    assert len(lines) == 1
    assert " 203.0.113.9 127.0.0.1 \"GET /healthz?probe=access-log HTTP/1.1\" 200 " in lines[0]
    assert lines[0].split()[-2].endswith("ms")


def test_reindex_while_serving(tmp_path):
    index = tmp_path / "index"
    build_index(index, read_sources([SAMPLE]))
    proc, base = start_gunicorn(index, tmp_path)
    try:
        _, before = get_json(f"{base}/healthz")
        extra = write_jsonl(tmp_path / "extra.jsonl", [
            {"id": "fresh1", "title": "تازہ خبر زیتون", "body": "زیتون کے باغات کی خبر"}])
        build_index(index, read_sources([SAMPLE, extra]))
        # Every worker moves to the new generation on its next request, without a restart.
        for _ in range(8):
            _, health = get_json(f"{base}/healthz")
            assert health["generation"] != before["generation"]
            assert health["documents"] == before["documents"] + 1
            _, body = get_json(f"{base}/search?q={urllib.parse.quote('زیتون')}")
            assert [h["id"] for h in body["results"]] == ["fresh1"]
    finally:
        stop(proc)


def worker_pids(master: int) -> set[int]:
    children = f"/proc/{master}/task/{master}/children"
    with open(children) as handle:
        return {int(p) for p in handle.read().split()}


def test_hup_reloads_workers_without_dropping_requests(sample_index, tmp_path):
    proc, base = start_gunicorn(sample_index, tmp_path, TALASH_WORKERS="2")
    try:
        old = worker_pids(proc.pid)
        assert len(old) == 2
        os.kill(proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status, _ = get_json(f"{base}/healthz")
            assert status == 200  # answering throughout the reload
            pids = worker_pids(proc.pid)
            if len(pids) == 2 and not pids & old:
                break
            time.sleep(0.1)
        assert len(pids) == 2 and not pids & old
    finally:
        stop(proc)
