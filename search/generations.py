"""Index generations on disk: the layout that lets a rebuild never disturb a search.

An index directory holds generations, ``gen-<stamp>-<pid>/`` folders, each a complete Whoosh
index with a ``talash.json`` beside it, and a ``CURRENT`` file naming the live one:

    indexes/default/
        CURRENT                 "gen-20241108T101500123456-4242"
        .reindex.lock           held (flock) by the running reindex; names its pid and command
        gen-20241107T...-4100/  the previous generation, kept for readers still using it
        gen-20241108T...-4242/  the live generation

A writer builds a new generation beside the live one, writes ``talash.json`` only after
Whoosh's commit, and then replaces ``CURRENT`` with an atomic rename. Readers read ``CURRENT``
and open that generation, so they see either the old index or the new one, never a half-built
one. A generation without ``talash.json`` is a leftover of a crashed writer; the next writer
(holding the lock, so no one else is writing) deletes it, so a crash needs no manual cleanup.
"""

import fcntl
import json
import os
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from search.analysis.analyzers import ANALYZER_VERSION
from search.errors import IndexCorrupt, IndexMissing, ReindexNeeded, ReindexRunning

CURRENT = "CURRENT"
META = "talash.json"
LOCK = ".reindex.lock"
KEEP_GENERATIONS = 2
# Whoosh's own lock file belongs to one writer; a copied generation gets a fresh one.
_NOT_COPIED = {META, "MAIN_WRITELOCK"}


def live_generation(root: Path) -> Path:
    """The folder of the live generation; raises IndexMissing / IndexCorrupt / ReindexNeeded."""
    root = Path(root)
    try:
        name = (root / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(
            f"no index at {root}. Build one with: talash reindex SOURCE --index {root}"
        ) from None
    gen = root / name
    try:
        meta = json.loads((gen / META).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(
            f"index generation {gen} is damaged ({exc}). Rebuild it with: "
            f"talash reindex SOURCE --index {root}"
        ) from None
    if meta.get("analyzer_version") != ANALYZER_VERSION:
        raise ReindexNeeded(
            f"the index at {root} was built by analyzer version "
            f"{meta.get('analyzer_version')!r}, this talash uses {ANALYZER_VERSION!r}: "
            f"reindex needed (talash reindex SOURCE --index {root})"
        )
    return gen


def open_live(root: Path):
    """Open the live generation read-only; returns ``(whoosh_index, generation_name)``."""
    gen = live_generation(root)
    try:
        return whoosh_index.open_dir(str(gen)), gen.name
    except Exception as exc:  # whoosh raises many kinds on damaged files
        raise IndexCorrupt(
            f"cannot open index generation {gen}: {exc}. Rebuild it with: "
            f"talash reindex SOURCE --index {root}"
        ) from None


class ReindexLock:
    """An exclusive, non-blocking lock on the index directory; the OS releases it when its
    holder dies, even by ``kill -9``, so a stale lock never needs removing by hand."""

    def __init__(self, root: Path):
        self.path = Path(root) / LOCK

    def __enter__(self):
        self.handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise ReindexRunning(
                f"a reindex of {self.path.parent} is already running ({holder}); "
                "wait for it to finish, then run this one again"
            ) from None
        self.handle.seek(0)
        self.handle.truncate()
        command = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "?"
        self.handle.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
                          f" UTC: {command}")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.close()


def new_generation(root: Path) -> Path:
    """Make the folder of a new, not yet live generation."""
    gen = root / f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    gen.mkdir()
    return gen


def copy_generation(root: Path, live: Path) -> Path:
    """A new generation holding the live one's index files, to be changed and then switched.

    Files are hard-linked where the file system allows: Whoosh never rewrites a file it has
    written (a commit writes new segment files and a new table of contents, then renames and
    deletes), so the two generations can share them safely."""
    gen = new_generation(root)
    for path in live.iterdir():
        if path.name in _NOT_COPIED or not path.is_file():
            continue
        try:
            os.link(path, gen / path.name)
        except OSError:
            shutil.copy2(path, gen / path.name)
    return gen


def finish(root: Path, gen: Path, documents: int, keep: int = KEEP_GENERATIONS, **extra):
    """Mark ``gen`` complete, make it live, and delete all but the newest ``keep``."""
    meta = {"analyzer_version": ANALYZER_VERSION, "documents": documents,
            "created": datetime.now(UTC).isoformat(), **extra}
    (gen / META).write_text(json.dumps(meta), "utf-8")
    switch(root, gen.name)
    clean_old(root, keep)


def switch(root: Path, name: str):
    """Point ``CURRENT`` at ``name`` with an atomic rename."""
    tmp = root / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(name + "\n", "utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, root / CURRENT)


def generations(root: Path) -> list[Path]:
    """Every generation folder, oldest first (names start with a UTC time stamp)."""
    return sorted(p for p in Path(root).glob("gen-*") if p.is_dir())


def remove_unfinished(root: Path):
    """Delete the leftovers of crashed writers: generations without metadata, and stray
    ``CURRENT`` temporaries. Only called while holding the lock."""
    for gen in generations(root):
        if not (gen / META).exists():
            shutil.rmtree(gen, ignore_errors=True)
    for tmp in root.glob(f".{CURRENT}.*"):
        tmp.unlink(missing_ok=True)


def clean_old(root: Path, keep: int):
    """Keep the live generation and the newest ``keep - 1`` others. Readers that opened an
    older one keep reading it (open files outlive their names) until their next search."""
    live = (root / CURRENT).read_text("utf-8").strip()
    old = [g for g in generations(root) if g.name != live]
    for gen in old[: max(0, len(old) - (keep - 1))]:
        shutil.rmtree(gen, ignore_errors=True)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
