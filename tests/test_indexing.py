"""Building, switching and opening index generations on disk."""

import json
import os

import pytest
from whoosh import index as whoosh_index

from search.documents import read_sources
from search.errors import IndexMissing, ReindexNeeded, ReindexRunning, SourceError
from search.generations import INDEX_FORMAT
from search.indexing import (
    CURRENT,
    META,
    ReindexLock,
    build_index,
    live_generation,
    update_index,
)
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


def test_an_index_from_a_newer_talash_says_to_upgrade_and_an_older_one_still_opens(tmp_path):
    gen = live_generation(build_index(tmp_path, DOCS) and tmp_path)
    meta = json.loads((gen / META).read_text())
    assert meta["index_format"] == INDEX_FORMAT
    found = Searcher(tmp_path).search("لاہور")["results"]
    (gen / META).write_text(json.dumps({k: v for k, v in meta.items() if k != "index_format"}))
    assert Searcher(tmp_path).search("لاہور")["results"] == found != []
    (gen / META).write_text(json.dumps({**meta, "index_format": INDEX_FORMAT + 1}))
    with pytest.raises(ReindexNeeded, match="newer talash .* upgrade talash, or rebuild"):
        Searcher(tmp_path)


def test_second_reindex_fails_at_once(tmp_path):
    with ReindexLock(tmp_path):
        with pytest.raises(ReindexRunning, match="already running"):
            build_index(tmp_path, DOCS)


def stored_ids(root) -> list[str]:
    ix = whoosh_index.open_dir(str(live_generation(root)))
    with ix.searcher() as s:
        return sorted(f["id"] for f in s.all_stored_fields())


def test_lock_message_names_the_running_reindex(tmp_path):
    with ReindexLock(tmp_path):
        with pytest.raises(ReindexRunning) as caught:
            build_index(tmp_path, DOCS)
    message = str(caught.value)
    assert message.startswith(f"a reindex of {tmp_path} is already running (pid {os.getpid()}, "
                              "started 20")
    assert " UTC: " in message and message.endswith(
        "); wait for it to finish, then run this one again")


def test_update_adds_replaces_and_leaves_alone(tmp_path):
    build_index(tmp_path, [*DOCS, {"id": "d3", "body": "پشاور میں برف"}])
    changed = {"id": "d2", "title": "کراچی کا موسم", "body": "کراچی میں سمندری ہوا چلی۔"}
    summary = update_index(tmp_path, [DOCS[0], changed, {"id": "d4", "body": "کوئٹہ میں سردی"}])
    assert (summary.added, summary.updated, summary.unchanged, summary.deleted) == (1, 1, 1, 0)
    assert summary.line().startswith("added 1, updated 1, unchanged 1, deleted 0, rejected 0, in")
    assert stored_ids(tmp_path) == ["d1", "d2", "d3", "d4"]
    searcher = Searcher(tmp_path)
    assert ids(searcher.search("سمندری")) == ["d2"]
    assert ids(searcher.search("گرم")) == []
    assert ids(searcher.search("کوئٹہ")) == ["d4"]
    assert searcher.doc_count() == 4


def test_update_keeps_unchanged_segments_instead_of_rewriting_them(tmp_path):
    old = live_generation(build_index(tmp_path, DOCS) and tmp_path)
    segments = {p.name: p.stat().st_ino for p in old.glob("*.seg")}
    update_index(tmp_path, [*DOCS, {"id": "d3", "body": "پشاور"}])
    new = live_generation(tmp_path)
    assert new != old
    assert {name: (new / name).stat().st_ino for name in segments} == segments


def test_update_with_nothing_changed_writes_nothing(tmp_path):
    first = build_index(tmp_path, DOCS).generation
    summary = update_index(tmp_path, DOCS, prune=True)
    assert (summary.added, summary.updated, summary.unchanged, summary.deleted) == (0, 0, 2, 0)
    assert summary.generation == first and not summary.switched
    assert summary.line().endswith(f"generation {first} (nothing changed, still live)")
    assert [p.name for p in tmp_path.glob("gen-*")] == [first]


def test_prune_deletes_ids_absent_from_the_sources(tmp_path):
    build_index(tmp_path, [*DOCS, {"id": "d3", "body": "پشاور"}, {"id": "d4", "body": "کوئٹہ"}])
    summary = update_index(tmp_path, [DOCS[1], {"id": "d5", "body": "ملتان"}], prune=True)
    assert (summary.added, summary.updated, summary.unchanged, summary.deleted) == (1, 0, 1, 3)
    assert stored_ids(tmp_path) == ["d2", "d5"]
    assert ids(Searcher(tmp_path).search("لاہور")) == []


def test_update_without_prune_keeps_absent_ids(tmp_path):
    build_index(tmp_path, DOCS)
    summary = update_index(tmp_path, [{"id": "d5", "body": "ملتان"}])
    assert (summary.added, summary.deleted) == (1, 0)
    assert stored_ids(tmp_path) == ["d1", "d2", "d5"]


def test_prune_keeps_a_document_whose_new_record_is_broken(tmp_path):
    build_index(tmp_path, DOCS)
    summary = update_index(tmp_path, [DOCS[0], {"id": "d2", "body": ""}], prune=True)
    assert [str(r) for r in summary.rejected] == ["<records>:2: document 'd2': empty body"]
    assert (summary.unchanged, summary.deleted) == (1, 0)
    assert stored_ids(tmp_path) == ["d1", "d2"]


def test_update_without_an_index_builds_one(tmp_path):
    summary = update_index(tmp_path / "new", DOCS)
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    assert stored_ids(tmp_path / "new") == ["d1", "d2"]


def test_failed_update_leaves_the_live_index(tmp_path):
    live = build_index(tmp_path, DOCS).generation

    def broken():
        yield {"id": "d9", "body": "نیا"}
        raise OSError("disk went away")

    with pytest.raises(OSError):
        update_index(tmp_path, broken())
    assert live_generation(tmp_path).name == live
    assert [p.name for p in tmp_path.glob("gen-*")] == [live]
    assert stored_ids(tmp_path) == ["d1", "d2"]


@pytest.mark.parametrize("update", [False, True], ids=["rebuild", "update-prune"])
def test_sources_with_no_good_document_change_nothing(tmp_path, update):
    live = build_index(tmp_path, DOCS).generation
    bad = [{"id": "x", "body": ""}, {"body": "no id"}]
    with pytest.raises(SourceError, match=r"no document in the sources could be indexed "
                                          r"\(2 rejected\); the live index was left as it was"):
        if update:
            update_index(tmp_path, bad, prune=True)
        else:
            build_index(tmp_path, bad)
    assert [p.name for p in tmp_path.glob("gen-*")] == [live]
    assert stored_ids(tmp_path) == ["d1", "d2"]


@pytest.mark.parametrize("keep", [1, 3])
def test_keep_sets_how_many_generations_stay(tmp_path, keep):
    names = [build_index(tmp_path, DOCS, keep=keep).generation for _ in range(4)]
    update_index(tmp_path, [{"id": "d5", "body": "ملتان"}], keep=keep)
    gens = sorted(p.name for p in tmp_path.glob("gen-*"))
    assert len(gens) == keep and gens[:-1] == names[len(names) - keep + 1:]
    assert gens[-1] == live_generation(tmp_path).name


def test_leftovers_of_a_crash_are_removed_by_the_next_run(tmp_path):
    live = build_index(tmp_path, DOCS).generation
    (tmp_path / "gen-20000101T000000000000-1").mkdir()  # a crashed writer's folder, no META
    (tmp_path / f".{CURRENT}.999").write_text("gen-x")
    assert ids(Searcher(tmp_path).search("کراچی")) == ["d2"]
    second = build_index(tmp_path, DOCS).generation
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == [live, second]
    assert not list(tmp_path.glob(f".{CURRENT}.*"))
