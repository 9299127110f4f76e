"""Shared fixtures: real indexes in temporary folders, the Flask app, a real gunicorn."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from search.documents import read_sources
from search.indexing import build_index
from search.querying import Searcher
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "search" / "samples" / "news.jsonl"
DATA = Path(os.environ.get("TALASH_DATA_DIR", ROOT.parent / "shared" / "data"))


def ranked(root, queries, per_page: int = 20) -> list:
    """Each query with its total and ranked (id, score) pairs, searched without the result
    cache: what two indexes of one corpus in different on-disk formats must agree on."""
    searcher = Searcher(root, cache_size=0)
    out = []
    for q in queries:
        found = searcher.search(q, per_page=per_page, snippets=False)
        out.append((q, found["total"], [(h["id"], h["score"]) for h in found["results"]]))
    return out


def write_jsonl(path: Path, records) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            line = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
            handle.write(line + "\n")
    return path


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The shipped sample corpus, indexed once per test run."""
    root = tmp_path_factory.mktemp("sample-index")
    summary = build_index(root, read_sources([SAMPLE]))
    assert summary.indexed >= 60 and not summary.rejected
    return root


@pytest.fixture(scope="session")
def sample_docs() -> dict:
    with open(SAMPLE, encoding="utf-8") as handle:
        return {d["id"]: d for d in map(json.loads, handle)}


@pytest.fixture
def app(sample_index):
    return create_app({"INDEX_DIR": str(sample_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 20.0, any_status: bool = False):
    """Poll ``url`` until it answers 2xx (with ``any_status``: answers at all); its status."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError as exc:
            if any_status and isinstance(exc, urllib.error.HTTPError):
                return exc.code
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def gunicorn_server(sample_index, tmp_path_factory):
    """Real gunicorn with the project's config, serving the sample index on a free port.
    Its log goes to a file (a pipe nobody reads would block the server once full)."""
    port = free_port()
    env = dict(os.environ, TALASH_INDEX_DIR=str(sample_index), PORT=str(port))
    log = open(tmp_path_factory.mktemp("gunicorn") / "gunicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
