"""Build and update talash indexes, one generation at a time (see ``search.generations``).

``build_index`` writes a fresh generation from the documents. ``update_index`` compares the
documents with the live generation by id and content hash (stored in the ``hash`` field):
new ids are added, changed ones replaced, unchanged ones left alone without being analyzed
again, and with ``prune`` ids absent from the sources are deleted. An update works on a copy
of the live generation (hard links, so it costs little) and switches to it like a rebuild, so
readers never see a half-applied update; when nothing changed, nothing is written at all.
"""

import errno
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from search import frequent
from search.building import chosen_limit_mb, write_index
from search.codec import TalashCodec
from search.documents import Document, Rejected, from_record
from search.errors import IndexMissing, IndexWriteFailed, SourceError
from search.generations import (
    CURRENT,
    KEEP_GENERATIONS,
    META,
    ReindexLock,
    clean_old,
    copy_generation,
    dir_size,
    discard,
    live_generation,
    new_generation,
    open_live,
    remove_unfinished,
    seal,
    switch,
)
from search.schema import build_schema, index_fields

# An update's (Whoosh) writer buffers postings up to this size before writing a run to disk.
WRITER_LIMIT_MB = 256


@dataclass
class BuildSummary:
    generation: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0
    size_bytes: int = 0
    incremental: bool = False
    switched: bool = False

    @property
    def indexed(self) -> int:
        """Documents analyzed and written in this run."""
        return self.added + self.updated

    @property
    def docs_per_second(self) -> float:
        """Good documents read per second (an update's unchanged ones count: it read them)."""
        done = self.indexed + self.unchanged
        return done / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        if self.incremental:
            counts = (f"added {self.added}, updated {self.updated}, unchanged "
                      f"{self.unchanged}, deleted {self.deleted}, rejected {len(self.rejected)}")
        else:
            counts = f"indexed {self.indexed} documents, rejected {len(self.rejected)}"
        live = "" if self.switched else " (nothing changed, still live)"
        return (f"{counts}, in {self.seconds:.1f} s ({self.docs_per_second:.0f} docs/s), "
                f"index {self.size_bytes / 1e6:.1f} MB, generation {self.generation}{live}")


Progress = Callable[[int], None] | None
OnReject = Callable[[Rejected], None] | None


def build_index(root: Path, docs: Iterable, progress: Progress = None,
                on_reject: OnReject = None, keep: int = KEEP_GENERATIONS,
                procs: int | None = None) -> BuildSummary:
    """Build a new generation from ``docs`` (Documents, Rejected, or plain dicts) and make it
    live, keeping the newest ``keep`` generations. Rejected records are collected in the
    summary and passed to ``on_reject``. Any exception leaves the live generation as it was.
    ``procs`` worker processes analyze and write (None: one per core, fewer for few docs)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    summary = BuildSummary()
    started = time.monotonic()
    with ReindexLock(root):
        remove_unfinished(root)
        _build(root, _documents(docs, summary, on_reject), summary, progress, keep, procs)
    summary.seconds = time.monotonic() - started
    return summary


def update_index(root: Path, docs: Iterable, prune: bool = False, progress: Progress = None,
                 on_reject: OnReject = None, keep: int = KEEP_GENERATIONS,
                 procs: int | None = None) -> BuildSummary:
    """Bring the live generation in line with ``docs``: add new ids, replace changed ones,
    leave unchanged ones alone and, with ``prune``, delete ids that ``docs`` no longer hold
    (an id whose record was rejected this time is kept). Without a live index, builds one
    (with ``procs`` processes; an update itself runs in this one)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    summary = BuildSummary(incremental=True)
    started = time.monotonic()
    with ReindexLock(root):
        remove_unfinished(root)
        try:
            live = live_generation(root)
        except IndexMissing:
            live = None
        items = _documents(docs, summary, on_reject)
        if live is None:
            _build(root, items, summary, progress, keep, procs)
        else:
            _update(root, live, items, summary, progress, keep, prune)
    summary.seconds = time.monotonic() - started
    return summary


def _documents(docs: Iterable, summary: BuildSummary, on_reject: OnReject) -> Iterator[Document]:
    """The good documents of ``docs``; the rejected ones go to the summary and ``on_reject``."""
    for number, item in enumerate(docs, start=1):
        if isinstance(item, dict):
            item = from_record(item, "<records>", number)
        if isinstance(item, Rejected):
            summary.rejected.append(item)
            if on_reject:
                on_reject(item)
            continue
        yield item


def _build(root: Path, docs: Iterator[Document], summary: BuildSummary, progress: Progress,
           keep: int, procs: int | None):
    chosen_limit_mb()  # a bad memory setting is told before the sources are read
    gen = None
    try:
        gen = new_generation(root)
        whoosh_index.create_in(str(gen), build_schema())
        # All documents are read (and bad records reported) before any is analyzed, so the
        # work can be split into contiguous runs over several processes (search.building).
        batch = list(docs)
        summary.added = len(batch)
        _refuse_empty(summary)
        write_index(gen, batch, procs, progress)
        _go_live(root, gen, summary.added)
    except BaseException as exc:
        _abandon(root, gen, None, exc)
        raise
    clean_old(root, keep)
    _switched(summary, gen)


def _update(root: Path, live: Path, docs: Iterator[Document], summary: BuildSummary,
            progress: Progress, keep: int, prune: bool):
    known = _stored_hashes(live)
    seen: set[str] = set()
    gen = writer = None
    try:
        for doc in docs:
            seen.add(doc.id)
            old = known.get(doc.id)
            if old == doc.content_hash():
                summary.unchanged += 1
            else:
                if writer is None:
                    gen, writer = _open_copy(root, live)
                if old is None:
                    writer.add_document(**index_fields(doc))
                    summary.added += 1
                else:
                    writer.update_document(**index_fields(doc))
                    summary.updated += 1
            if progress:
                progress(summary.indexed + summary.unchanged)
        _refuse_empty(summary)
        if prune:
            seen.update(r.id for r in summary.rejected if r.id)
            for doc_id in sorted(known.keys() - seen):
                if writer is None:
                    gen, writer = _open_copy(root, live)
                writer.delete_by_term("id", doc_id)
                summary.deleted += 1
        if writer is None:  # nothing changed: the live generation stays, untouched
            summary.generation, summary.size_bytes = live.name, dir_size(live)
            clean_old(root, keep)  # what a run killed after its switch left behind
            return
        writer.commit()
        writer = None
        documents = whoosh_index.open_dir(str(gen)).doc_count()
        _go_live(root, gen, documents, updated_from=live.name)
    except BaseException as exc:
        _abandon(root, gen, writer, exc)
        raise
    clean_old(root, keep)
    _switched(summary, gen)


def _go_live(root: Path, gen: Path, documents: int, **extra):
    frequent.write(gen)  # before sealing: its files get digests like the segments
    seal(gen, documents, **extra)
    switch(root, gen.name)


def _abandon(root: Path, gen: Path | None, writer, exc: BaseException):
    """Undo a run that failed before its generation went live; the live one is untouched.
    A failure to write (full disk, read-only folder) becomes IndexWriteFailed, which says so."""
    if writer is not None:
        try:
            writer.cancel()
        except Exception:  # the original error is the one to report
            pass
    if gen is not None:
        discard(root, gen)
    if isinstance(exc, OSError) and _writing(root, exc):
        raise IndexWriteFailed(_write_failure(root, exc)) from exc


# Errors that only writing raises; any other OSError counts when it names a file of the index.
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _writing(root: Path, exc: OSError) -> bool:
    if exc.errno in _WRITE_ERRNOS:
        return True
    named = exc.filename
    return bool(named) and Path(os.fsdecode(named)).resolve().is_relative_to(root.resolve())


def _write_failure(root: Path, exc: OSError) -> str:
    what = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = (f"free some space on the disk of {root} (a rebuild needs about as much "
                "again as the live index) and run again")
    else:
        hint = f"check that {root} is writable, then run again"
    return (f"cannot write the new index generation in {root} ({what}); nothing was "
            f"changed, the live index still serves. To fix it, {hint}.")


def _stored_hashes(live: Path) -> dict[str, str]:
    """``id -> content hash`` of every document in a generation."""
    ix = whoosh_index.open_dir(str(live))
    try:
        with ix.reader() as reader:
            return {f["id"]: f.get("hash", "") for f in reader.all_stored_fields()}
    finally:
        ix.close()


def _open_copy(root: Path, live: Path):
    gen = copy_generation(root, live)
    return gen, whoosh_index.open_dir(str(gen)).writer(limitmb=WRITER_LIMIT_MB,
                                                       codec=TalashCodec())


def _refuse_empty(summary: BuildSummary):
    # An empty or wholly broken source must not replace, or prune away, a good index.
    if summary.indexed + summary.unchanged == 0:
        raise SourceError(
            f"no document in the sources could be indexed ({len(summary.rejected)} rejected); "
            "the live index was left as it was. Fix the sources and run again.")


def _switched(summary: BuildSummary, gen: Path):
    summary.generation, summary.switched, summary.size_bytes = gen.name, True, dir_size(gen)


__all__ = ["build_index", "update_index", "open_live", "live_generation", "BuildSummary",
           "Document", "CURRENT", "META", "KEEP_GENERATIONS", "ReindexLock"]
