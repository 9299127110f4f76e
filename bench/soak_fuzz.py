"""The hostile-input tests at volume: the property tests of ``tests/test_hostile_queries.py``
and ``tests/test_hostile_documents.py`` run with many more examples, and every request and
every document they make is counted.

The test functions are called directly (hypothesis runs all their examples in one call), with
the fixtures they need built here: Flask test clients that count their requests, the project's
gunicorn (whose access log counts the requests over HTTP), and the seeded hostile corpus.
"""

import os
import tempfile
from pathlib import Path

from search.documents import read_sources
from search.indexing import build_index
from web import create_app

SAMPLE = Path(__file__).resolve().parent.parent / "search" / "samples" / "news.jsonl"


class CountingClient:
    """A Flask test client that counts the requests made through it."""

    def __init__(self, client):
        self.client, self.requests = client, 0

    def get(self, *args, **kwargs):
        self.requests += 1
        return self.client.get(*args, **kwargs)


def run(examples: int, documents: int, work: Path) -> dict:
    """Run the property tests with ``examples`` examples each and a seeded corpus of
    ``documents``; returns the counts. Any failure raises, naming the falsifying example."""
    os.environ["FUZZ_EXAMPLES"], os.environ["FUZZ_DOCS"] = str(examples), str(documents)
    from bench.http_load import Gunicorn
    from tests import test_hostile_documents as docs_tests
    from tests import test_hostile_queries as query_tests

    sample = work / "sample-index"
    build_index(sample, read_sources([SAMPLE]))
    client = CountingClient(create_app({"INDEX_DIR": str(sample), "TESTING": True}).test_client())
    query_tests.test_search_api_answers_any_query(client)
    query_tests.test_page_answers_any_query(client)
    query_tests.test_any_bytes_percent_encoded(client)
    query_tests.test_ignorable_characters_do_not_change_results(client)
    log = work / "fuzz-gunicorn.log"
    with Gunicorn(sample, log) as server:
        query_tests.test_over_gunicorn(server.url)
    over_http = sum(1 for line in log.read_text("utf-8").splitlines() if '"GET /' in line)

    built = []
    original = docs_tests.build_index

    def counting_build(root, docs, *args, **kwargs):
        built.append(len(docs))
        return original(root, docs, *args, **kwargs)

    docs_tests.build_index = counting_build
    try:
        corpus = docs_tests.hostile_corpus(documents)
        with tempfile.TemporaryDirectory(dir=work) as folder:
            counting_build(Path(folder), corpus)
            docs_tests.test_every_hostile_document_is_shown_as_text(
                (Path(folder), {d["id"]: d for d in corpus}))
        docs_tests.test_generated_documents_are_shown_as_text()
    finally:
        docs_tests.build_index = original
    return {"queries": client.requests, "over_http": over_http, "documents": sum(built),
            "corpora": len(built)}
