"""Builds on several processes (search/building.py): the same index as one process builds,
bad records still reported, a worker's failure or a killed reindex leaving the live index."""

import json
import os
import subprocess
import sys
import time

import pytest
from whoosh import index as whoosh_index

from search import building
from search.building import MIN_DOCS_PER_PROC, default_procs, writer_limit_mb
from search.documents import Document, read_sources
from search.errors import IndexMissing, TalashError
from search.generations import CURRENT
from search.indexing import build_index, live_generation
from search.querying import Searcher
from tests.conftest import ROOT, SAMPLE, ranked, write_jsonl

QUERIES = ["لاہور", "بارش", "پاکستان کرکٹ", '"وزیر اعظم"', "Lahore", "imran khan", "pakistan",
           "حکومت -لاہور", "عدالت", "قیمت"]


def sample_records() -> list[dict]:
    with open(SAMPLE, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def results(root) -> list:
    return ranked(root, QUERIES, per_page=50)


def segment_count(root) -> int:
    ix = whoosh_index.open_dir(str(live_generation(root)))
    try:
        return len(ix._segments())
    finally:
        ix.close()


def test_two_processes_find_the_same_as_one(tmp_path):
    docs = list(read_sources([SAMPLE]))
    one = build_index(tmp_path / "one", docs, procs=1)
    two = build_index(tmp_path / "two", docs, procs=2)
    assert one.indexed == two.indexed == len(docs)
    assert (segment_count(tmp_path / "one"), segment_count(tmp_path / "two")) == (1, 2)
    expected = results(tmp_path / "one")
    assert sum(total for _q, total, _hits in expected) > 100  # the queries do find things
    assert results(tmp_path / "two") == expected
    # Documents keep their input order across the segments (ties, date order, paging).
    with whoosh_index.open_dir(str(live_generation(tmp_path / "two"))).searcher() as s:
        assert [f["id"] for f in s.all_stored_fields()] == [d.id for d in docs]


def test_writers_hold_a_share_of_the_machines_memory(monkeypatch):
    monkeypatch.delenv(building.MEMORY_ENV, raising=False)
    pages = {"SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(building.os, "sysconf", lambda name: pages[name])
    pages["SC_PHYS_PAGES"] = 24 * 2**30 // 4096  # 24 GB
    assert [writer_limit_mb(p) for p in (1, 2, 4)] == [2048, 2048, 1024]
    pages["SC_PHYS_PAGES"] = 4 * 2**30 // 4096
    assert [writer_limit_mb(p) for p in (1, 2, 4)] == [682, 341, 256]


def test_the_writers_memory_can_be_set_and_a_bad_setting_says_what_to_give(monkeypatch,
                                                                            tmp_path):
    monkeypatch.setenv(building.MEMORY_ENV, "300")
    assert [writer_limit_mb(p) for p in (1, 2, 4)] == [300, 300, 300]
    for bad in ("lots", "100", "1.5"):
        monkeypatch.setenv(building.MEMORY_ENV, bad)
        with pytest.raises(TalashError, match="a whole number from 256"):
            writer_limit_mb(2)
    read = []
    with pytest.raises(TalashError, match=building.MEMORY_ENV):
        build_index(tmp_path, (read.append(d) or d for d in read_sources([SAMPLE])), procs=2)
    assert read == []  # told before the sources were read
    with pytest.raises(IndexMissing):  # nothing went live
        live_generation(tmp_path)


def test_a_small_memory_limit_writes_more_segments_with_the_same_results(tmp_path,
                                                                          monkeypatch):
    docs = list(read_sources([SAMPLE]))
    build_index(tmp_path / "one", docs, procs=1)
    monkeypatch.setattr(building, "writer_limit_mb", lambda procs: 1)
    build_index(tmp_path / "small", docs, procs=2)
    assert segment_count(tmp_path / "small") > 2
    assert results(tmp_path / "small") == results(tmp_path / "one")


def test_bad_records_are_reported_with_their_line_and_the_rest_indexed(tmp_path):
    records = sample_records()
    lines = [*records[:30], "{broken", *records[30:60], {"title": "no id"}, *records[60:]]
    source = write_jsonl(tmp_path / "docs.jsonl", lines)
    summary = build_index(tmp_path / "ix", read_sources([source]), procs=3)
    assert summary.indexed == len(records)
    assert [(str(r.source), r.line) for r in summary.rejected] == [
        (str(source), 31), (str(source), 62)]
    assert segment_count(tmp_path / "ix") == 3
    assert Searcher(tmp_path / "ix").doc_count() == len(records)


def test_a_failing_worker_fails_the_build_and_leaves_the_live_index(tmp_path):
    build_index(tmp_path, list(read_sources([SAMPLE])), procs=1)
    live = (tmp_path / CURRENT).read_text()
    docs = [Document(id=f"d{i}", body="لاہور میں بارش") for i in range(10)]
    docs[8].title = 42  # not text: the second worker cannot index it
    with pytest.raises(TypeError) as failed:
        build_index(tmp_path, docs, procs=2)
    assert "in indexing worker 1:" in "".join(failed.value.__notes__)
    assert (tmp_path / CURRENT).read_text() == live
    assert len(list(tmp_path.glob("gen-*"))) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".trash")]


def test_default_procs_follow_the_cores_and_the_corpus():
    """One worker per core whatever the load average (which lags behind finished work)."""
    cores = len(os.sched_getaffinity(0))
    assert default_procs(10) == 1
    assert default_procs(100_000) == min(cores, 4)
    assert default_procs(2 * MIN_DOCS_PER_PROC) == min(cores, 2)


def test_a_killed_reindex_leaves_no_worker_behind(tmp_path):
    """SIGKILL the reindex while its workers index: they die with it, the lock is free,
    the live index still answers and the next run needs no cleanup."""
    index = tmp_path / "ix"
    records = sample_records()
    build_index(index, records[:5], procs=1)
    live = live_generation(index).name
    many = [dict(r, id=f"{r['id']}-{n}") for n in range(30) for r in records]
    source = write_jsonl(tmp_path / "many.jsonl", many)
    proc = subprocess.Popen([sys.executable, "-m", "search.cli", "reindex", source, "--index",
                             index, "--procs", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        workers = wait_for_children(proc.pid, 2)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]
    assert live_generation(index).name == live
    again = subprocess.run([sys.executable, "-m", "search.cli", "reindex", SAMPLE, "--index",
                            index, "--procs", "2"], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert Searcher(index).doc_count() == len(records)  # so the lock was free at once


def wait_for_children(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
                children = [int(c) for c in handle.read().split()]
        except OSError:
            pytest.skip("this system has no /proc/PID/task/PID/children to find workers by")
        if len(children) >= count:
            return children
        time.sleep(0.02)
    raise AssertionError(f"the reindex never started {count} workers")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except OSError:
        return False


def test_progress_counts_every_document_once(tmp_path):
    seen = []
    docs = list(read_sources([SAMPLE]))
    build_index(tmp_path, docs, procs=2, progress=seen.append)
    assert seen and seen[-1] == len(docs) and seen == sorted(seen)


def test_reindex_cli_takes_procs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "search.cli", "reindex", SAMPLE, "--index",
                           tmp_path, "--procs", "2"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"indexed {len(sample_records())} documents, rejected 0")
    assert segment_count(tmp_path) == 2
