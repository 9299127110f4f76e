"""Building, switching and opening index generations on disk."""

import json

import pytest

from search.documents import read_sources
from search.errors import IndexMissing, ReindexNeeded, ReindexRunning
from search.indexing import CURRENT, META, _ReindexLock, build_index, live_generation
from search.querying import Searcher
from tests.conftest import write_jsonl

DOCS = [
    {"id": "d1", "title": "لاہور میں بارش", "body": "لاہور میں آج تیز بارش ہوئی۔"},
    {"id": "d2", "title": "کراچی کا موسم", "body": "کراچی میں موسم گرم رہا۔"},
]


def ids(result):
    return [h["id"] for h in result["results"]]


def test_build_makes_a_live_generation(tmp_path):
    summary = build_index(tmp_path, DOCS)
    assert summary.indexed == 2 and summary.rejected == []
    gen = live_generation(tmp_path)
    assert gen.name == summary.generation
    assert json.loads((gen / META).read_text())["documents"] == 2


def test_rebuild_switches_and_keeps_a_few_generations(tmp_path):
    first = build_index(tmp_path, DOCS).generation
    searcher = Searcher(tmp_path)
    assert ids(searcher.search("لاہور")) == ["d1"]
    build_index(tmp_path, [*DOCS, {"id": "d3", "body": "لاہور کی سڑکیں"}])
    third = build_index(tmp_path, [{"id": "d4", "body": "لاہور کا قلعہ"}]).generation
    assert ids(searcher.search("لاہور")) == ["d4"]
    gens = sorted(p.name for p in tmp_path.glob("gen-*"))
    assert third in gens and first not in gens and len(gens) == 2


def test_failed_build_leaves_the_live_index(tmp_path):
    build_index(tmp_path, DOCS)
    live = (tmp_path / CURRENT).read_text()

    def broken():
        yield DOCS[0]
        raise RuntimeError("source vanished")

    with pytest.raises(RuntimeError):
        build_index(tmp_path, broken())
    assert (tmp_path / CURRENT).read_text() == live
    assert ids(Searcher(tmp_path).search("کراچی")) == ["d2"]
    assert len(list(tmp_path.glob("gen-*"))) == 1


def test_bad_records_are_reported_and_the_rest_indexed(tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", [
        DOCS[0], "{not json", {"title": "no id", "body": "x"}, {"id": "e", "body": "  "},
        {"id": "d1", "body": "again"}, {"id": "f", "body": "ٹھیک", "date": "yesterday"},
        DOCS[1],
    ])
    summary = build_index(tmp_path / "ix", read_sources([source]))
    assert summary.indexed == 2
    assert [str(r).split(": ", 1)[1] for r in summary.rejected] == [
        "invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        "missing id",
        "document 'e': empty body",
        f"duplicate id 'd1' (first at {source}:1)",
        "document 'f': unparseable date 'yesterday' (expected ISO 8601 (2024-11-08) or a "
        "form like 'May 6, 2022', '6 مئی 2022')",
    ]
    assert [r.line for r in summary.rejected] == [2, 3, 4, 5, 6]


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissing, match="talash reindex SOURCE --index"):
        Searcher(tmp_path / "nowhere")


def test_other_analyzer_version_needs_reindex(tmp_path):
    gen = live_generation(build_index(tmp_path, DOCS) and tmp_path)
    meta = json.loads((gen / META).read_text())
    (gen / META).write_text(json.dumps({**meta, "analyzer_version": "0"}))
    with pytest.raises(ReindexNeeded, match="reindex needed"):
        Searcher(tmp_path)


def test_second_reindex_fails_at_once(tmp_path):
    with _ReindexLock(tmp_path):
        with pytest.raises(ReindexRunning, match="already running"):
            build_index(tmp_path, DOCS)
