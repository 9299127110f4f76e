"""Real ``talash reindex`` processes: one killed with SIGKILL mid-way, and two at once.

The reindex under test reads a FIFO, so the test decides exactly when it is mid-way: it has
taken the lock, created its new generation and is waiting for more records."""

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from search.generations import LOCK, META
from search.indexing import build_index, live_generation
from search.querying import Searcher
from tests.conftest import ROOT, write_jsonl

OLD = [{"id": f"old{i}", "body": f"پرانی خبر نمبر {i}: لاہور میں بارش"} for i in range(3)]
NEW = [{"id": f"new{i}", "body": f"نئی خبر نمبر {i}: لاہور میں دھوپ"} for i in range(4)]


def talash(*args) -> list[str]:
    return [sys.executable, "-m", "search.cli", *map(str, args)]


def ids(root, query) -> list[str]:
    return sorted(h["id"] for h in Searcher(root).search(query, per_page=50)["results"])


def wait_until(condition, what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def open_writer(fifo, proc):
    """The FIFO's writing end, once the reindex has opened it for reading (never hangs the
    test if the reindex dies first)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the reindex never read its source: {proc.communicate()}")
        time.sleep(0.05)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "w", encoding="utf-8")


@pytest.fixture
def feeding(tmp_path):
    """A reindex reading from a FIFO, started over an index of OLD; yields
    ``(process, fifo writer, index dir)`` once it has started its new generation."""
    index = tmp_path / "ix"
    live = build_index(index, OLD).generation
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.Popen(talash("reindex", fifo, "--index", index), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer = open_writer(fifo, proc)
    try:
        for record in NEW[:2]:
            writer.write(json.dumps(record, ensure_ascii=False) + "\n")
        writer.flush()
        wait_until(lambda: len(list(index.glob("gen-*"))) == 2, "the new generation")
        assert live_generation(index).name == live
        yield proc, writer, index
    finally:
        if not writer.closed:
            try:
                writer.close()
            except BrokenPipeError:
                pass
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def test_sigkill_mid_way_keeps_the_old_index_and_needs_no_cleanup(feeding, tmp_path):
    proc, _, index = feeding
    live = live_generation(index).name
    unfinished = [p for p in index.glob("gen-*") if p.name != live]
    assert len(unfinished) == 1 and not (unfinished[0] / META).exists()

    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert live_generation(index).name == live
    assert ids(index, "لاہور") == ["old0", "old1", "old2"]
    assert f"pid {proc.pid}, " in (index / LOCK).read_text("utf-8")  # the dead holder's note

    source = write_jsonl(tmp_path / "new.jsonl", NEW)
    rerun = subprocess.run(talash("reindex", source, "--index", index), cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith("indexed 4 documents, rejected 0, in ")
    assert ids(index, "لاہور") == ["new0", "new1", "new2", "new3"]
    assert sorted(p.name for p in index.glob("gen-*")) == [live, live_generation(index).name]


def test_second_reindex_fails_at_once_naming_the_running_one(feeding, tmp_path):
    proc, writer, index = feeding
    source = write_jsonl(tmp_path / "other.jsonl", OLD)
    second = subprocess.run(talash("reindex", source, "--index", index, "--update"), cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 4
    assert second.stderr.startswith(f"Error: a reindex of {index} is already running (pid "
                                    f"{proc.pid}, started ")
    assert f"reindex {tmp_path / 'feed.jsonl'} --index {index}); wait for it to finish, then " \
           "run this one again" in second.stderr

    for record in NEW[2:]:
        writer.write(json.dumps(record, ensure_ascii=False) + "\n")
    writer.close()  # end of input: the first reindex finishes and switches
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.startswith("indexed 4 documents, rejected 0, in ")
    assert ids(index, "لاہور") == ["new0", "new1", "new2", "new3"]
