"""Writing a fresh index's segments, on several cores: the heavy half of ``build_index``.

The documents (already read and checked) are split into as many contiguous runs as there are
worker processes; each worker analyzes its run and writes it as one or more segments of the
new generation with ``FastSegmentWriter``, and the parent lists the segments, in run order, in
the index's table of contents. Document numbers therefore follow the input order exactly as
a one-process build's do, so results (and their ties) are the same. The segments are kept
as they are: merging them would rewrite every posting again, and searches read several
segments at little cost.

A worker dies with the parent (``PR_SET_PDEATHSIG`` on Linux), so a killed reindex leaves no
process behind still holding the reindex lock; an error in a worker (a full disk, say) is sent
back and raised in the parent, which stops the other workers.
"""

import ctypes
import gc
import multiprocessing
import os
import shutil
import signal
import traceback
from contextlib import contextmanager
from multiprocessing.connection import wait
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC, clean_files

from search.errors import TalashError
from search.schema import index_fields
from search.segments import FastSegmentWriter

MAX_PROCS = 4
MIN_DOCS_PER_PROC = 200  # below this a worker costs more to start than it saves
# A writer holds its postings in memory until it writes its segment; past an estimate of
# that memory (about its real growth, search.segments: ~31 KB a synthetic news document) it
# writes one and starts the next. More memory means fewer segments, and fewer segments a
# smaller index: the segments of one corpus share most of their terms, and each keeps its
# own term table and posting lists. At 100,000 documents on 2 processes, 4 segments made a
# 667 MB index, 2 (one a process) 540 MB with the same results and speed. A process peaked
# at ~2.3 GB with the estimate at 1 GB, at 2.9 GB with it near 1.55 GB (one segment of
# 50,000): roughly 1.2 GB plus 1.1 times the estimate. So the estimate a process may reach
# is a sixth of the machine's memory shared among the processes, within these bounds.
WRITER_MIN_MB, WRITER_MAX_MB = 256, 2048
MEMORY_ENV = "TALASH_BUILD_MEMORY_MB"  # sets the estimate instead (a small or shared machine)
_POLL_SECONDS = 0.2


def default_procs(documents: int) -> int:
    """Worker processes for a build of ``documents``: one per core this process may run on
    (up to ``MAX_PROCS``), fewer for a small build. The load average is not consulted: it
    counts the work a caller has just finished (a benchmark's previous step, say) as if it
    were still running, which made builds run on one core of an idle machine; on a busy one
    the workers share the cores with the other jobs (measured: ~20% more CPU, no slower)."""
    return max(1, min(cores(), documents // MIN_DOCS_PER_PROC))


def cores() -> int:
    """The cores this process may run on, up to ``MAX_PROCS``."""
    try:
        found = len(os.sched_getaffinity(0))
    except AttributeError:
        found = os.cpu_count() or 1
    return min(found, MAX_PROCS)


def write_index(gen: Path, docs: list, procs: int | None = None, progress=None) -> int:
    """Write ``docs`` (Documents) into the empty Whoosh index in ``gen``, with ``procs``
    processes (None: ``default_procs``); ``progress(done)`` is called as documents are
    added. Returns the number of segments written."""
    procs = default_procs(len(docs)) if procs is None else max(1, min(procs, len(docs)))
    ix = whoosh_index.open_dir(str(gen))
    limit_mb = writer_limit_mb(procs)
    if procs == 1:
        segments = _write_run(ix, docs, limit_mb, progress)
    else:
        segments = _in_workers(gen, _split(docs, procs), limit_mb, progress)
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    shutil.rmtree(gen / f"{ix.indexname}.tmp", ignore_errors=True)  # the writers' temp folder
    return len(segments)


def _split(docs: list, parts: int) -> list[list]:
    size = len(docs)
    return [docs[i * size // parts:(i + 1) * size // parts] for i in range(parts)]


def _write_run(ix, docs, limit_mb: int, tick=None) -> list:
    """Add ``docs`` in order; the segments written, in document order."""
    with _rare_collections():
        return _write_segments(ix, docs, tick, limit_mb)


@contextmanager
def _rare_collections(threshold: int = 100_000):
    """Collect garbage less often while indexing: a build makes millions of objects that
    live until its segment is written (analyzer caches, terms), and the default threshold
    ran a collection through all of them every few documents (a fifth of the time,
    measured); the objects of indexing form no cycles that need collecting sooner."""
    before = gc.get_threshold()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def chosen_limit_mb() -> int | None:
    """``MEMORY_ENV``'s megabytes, None when unset; a bad value raises, saying what to give
    (a build checks it before it reads its sources)."""
    chosen = os.environ.get(MEMORY_ENV, "").strip()
    if not chosen:
        return None
    if not chosen.isdigit() or int(chosen) < WRITER_MIN_MB:
        raise TalashError(
            f"{MEMORY_ENV}={chosen!r}: give the megabytes of postings each build process "
            f"may hold before it writes a segment, a whole number from {WRITER_MIN_MB} "
            f"(a process uses about 1.2 GB plus 1.1 times this), or unset it")
    return int(chosen)


def writer_limit_mb(procs: int) -> int:
    """The postings estimate (MB) after which each of ``procs`` writers writes a segment:
    ``MEMORY_ENV`` when set, else a share of the machine's memory."""
    chosen = chosen_limit_mb()
    if chosen is not None:
        return chosen
    try:
        memory_mb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (ValueError, OSError, AttributeError):  # not reported: assume a small machine
        memory_mb = 4096
    return max(WRITER_MIN_MB, min(WRITER_MAX_MB, memory_mb // (6 * max(1, procs))))


def _write_segments(ix, docs, tick, limit_mb: int) -> list:
    segments = []
    writer = FastSegmentWriter(ix, _lk=False)
    limit = limit_mb * 1024 * 1024
    for done, doc in enumerate(docs, start=1):
        writer.add_document(**index_fields(doc))
        if tick:
            tick(done)
        if writer.memory() > limit:
            segments.append(writer._finalize_segment())
            writer = FastSegmentWriter(ix, _lk=False)
    if writer._added:
        segments.append(writer._finalize_segment())
    return segments


def _in_workers(gen: Path, runs: list[list], limit_mb: int, progress) -> list:
    ctx = multiprocessing.get_context("fork")  # the children share the parent's documents
    counters = [ctx.RawValue("q", 0) for _ in runs]
    workers, pipes = [], {}
    try:
        for number, run in enumerate(runs):
            receive, send = ctx.Pipe(duplex=False)
            worker = ctx.Process(target=_worker, name=f"talash-index-{number}", daemon=True,
                                 args=(str(gen), run, limit_mb, counters[number], send,
                                       number, os.getpid()))
            worker.start()
            send.close()
            workers.append(worker)
            pipes[receive] = number
        results: dict[int, list] = {}
        while pipes:
            for conn in wait(list(pipes), timeout=_POLL_SECONDS):
                number = pipes.pop(conn)
                results[number] = _result(conn, workers[number])
            if progress:
                progress(sum(c.value for c in counters))
        for worker in workers:
            worker.join()
        return [segment for number in range(len(runs)) for segment in results[number]]
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()


def _result(conn, worker) -> list:
    try:
        status, value = conn.recv()
    except EOFError:
        worker.join()
        raise RuntimeError(f"an indexing worker process died (exit code {worker.exitcode}) "
                           "before finishing; nothing was changed. Check the machine's "
                           "memory (dmesg names the OOM killer) and run again.") from None
    finally:
        conn.close()
    if status == "error":
        raise value
    return value


def _worker(gen: str, docs: list, limit_mb: int, counter, conn, number: int, parent: int):
    _die_with(parent)
    try:
        def tick(done):
            counter.value = done

        segments = _write_run(whoosh_index.open_dir(gen), docs, limit_mb, tick)
        conn.send(("ok", segments))
    except BaseException as exc:  # sent to the parent, which raises it
        exc.add_note(f"in indexing worker {number}:\n{traceback.format_exc()}")
        try:
            conn.send(("error", exc))
        except Exception:  # an exception that does not pickle: its text will do
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int):
    """Have the kernel kill this process when its parent dies (Linux); if the parent died
    before that took effect, go now."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)
