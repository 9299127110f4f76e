"""Reindexing under a running server: real gunicorn, a client querying all the while, a full
rebuild and an ``--update`` underneath. No request may fail, every answer must come from one
complete generation, and the new documents must be served as soon as a reindex returns."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from search.indexing import build_index
from tests.conftest import ROOT, free_port, wait_for, write_jsonl

WORD = "بارش"
FIRST = [{"id": f"a{i:02}", "title": f"پہلی خبر {i}", "body": f"شہر میں {WORD} ہوئی، نمبر {i}۔"}
         for i in range(20)]
REBUILT = [{"id": f"b{i:03}", "title": f"دوسری خبر {i}",
            "body": f"آج {WORD} کا امکان ہے اور موسم ٹھنڈا رہے گا، خبر نمبر {i}۔"}
           for i in range(120)]
ADDED = {"id": "c1", "title": "ژالہ باری", "body": f"پہاڑوں پر ژالہ باری اور {WORD} ہوئی۔"}
# Every complete generation's answer to WORD, told apart by total and id prefixes.
STATES = {20: {"a"}, 120: {"b"}, 121: {"b", "c"}}


@pytest.fixture
def live_server(tmp_path):
    """Real gunicorn (the project's config) over a private index directory."""
    index = tmp_path / "ix"
    build_index(index, FIRST)
    port = free_port()
    env = dict(os.environ, TALASH_INDEX_DIR=str(index), PORT=str(port), TALASH_WORKERS="2",
               TALASH_THREADS="2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base, index
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def ask(base: str, query: str) -> dict:
    url = f"{base}/search?{urllib.parse.urlencode({'q': query, 'per_page': 50})}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


class Client(threading.Thread):
    """Queries WORD over and over (bounded in count and time) and records every outcome."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.stop = base, threading.Event()
        self.seen: list[tuple[int, set[str]]] = []
        self.failures: list[str] = []

    def run(self):
        deadline = time.monotonic() + 300
        while not self.stop.is_set() and len(self.seen) < 20000 and time.monotonic() < deadline:
            try:
                result = ask(self.base, WORD)
                self.seen.append((result["total"], {h["id"][0] for h in result["results"]}))
            except Exception as exc:  # any failure at all is what this test looks for
                self.failures.append(repr(exc))


def talash(*args):
    done = subprocess.run([sys.executable, "-m", "search.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_reindex_under_a_running_server(live_server, tmp_path):
    base, index = live_server
    client = Client(base)
    client.start()
    try:
        deadline = time.monotonic() + 30
        while not client.seen and not client.failures and time.monotonic() < deadline:
            time.sleep(0.05)
        source = write_jsonl(tmp_path / "news.jsonl", REBUILT)
        assert talash("reindex", source, "--index", index).startswith("indexed 120 documents")
        after_rebuild = ask(base, WORD)
        write_jsonl(source, [*REBUILT, ADDED])
        assert talash("reindex", source, "--index", index, "--update").startswith(
            "added 1, updated 0, unchanged 120, deleted 0, rejected 0")
        after_update = ask(base, "ژالہ")
        seen_before = len(client.seen)
        deadline = time.monotonic() + 30
        while len(client.seen) < seen_before + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.stop.set()
        client.join(timeout=60)
    assert client.failures == []
    assert after_rebuild["total"] == 120
    assert {h["id"][0] for h in after_rebuild["results"]} == {"b"}
    assert [h["id"] for h in after_update["results"]] == ["c1"]
    totals = [total for total, _ in client.seen]
    assert totals[0] == 20 and totals[-1] == 121
    assert [(t, p) for t, p in client.seen if not p <= STATES.get(t, set())] == []
    assert totals == sorted(totals)  # never back to an older generation
