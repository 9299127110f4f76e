"""Index generations on disk: the layout that lets a rebuild never disturb a search.

An index directory holds generations, ``gen-<stamp>-<pid>/`` folders, each a complete Whoosh
index with a ``talash.json`` beside it, and a ``CURRENT`` file naming the live one:

    indexes/default/
        CURRENT                 "gen-20241108T101500123456-4242"
        .reindex.lock           held (flock) by the running reindex; names its pid and command
        gen-20241107T...-4100/  the previous generation, kept for readers still using it
        gen-20241108T...-4242/  the live generation

A writer builds a new generation beside the live one; after Whoosh's commit it flushes the
files to disk, writes ``talash.json`` (with each file's size and digest) by an atomic rename,
and then replaces ``CURRENT`` with an atomic rename. Readers read ``CURRENT`` and open that
generation, so they see either the old index or the new one, never a half-built one; a file
damaged later (truncated, deleted, overwritten) no longer matches its digest, so a reader says
so instead of answering from it. A generation without ``talash.json`` is a leftover of a
crashed writer, and so is one that is complete but newer than the live one (the writer died
before switching); the next writer (holding the lock, so no one else is writing) deletes them,
so a crash needs no manual cleanup. Old generations are renamed out of the way before they are
deleted, so a deletion cut short never leaves a half-deleted generation that looks complete.
"""

import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from search.analysis.analyzers import ANALYZER_VERSION
from search.errors import IndexCorrupt, IndexMissing, ReindexNeeded, ReindexRunning

# The newest on-disk layout this talash writes and reads (talash.json's "index_format"; none:
# 1). 2: segments with compact term tables (search.terms), which a talash that knows only
# Whoosh's cannot open. A talash meeting a newer format says so instead of failing on a file.
INDEX_FORMAT = 2

CURRENT = "CURRENT"
META = "talash.json"
LOCK = ".reindex.lock"
TRASH = ".trash-"
KEEP_GENERATIONS = 2
# Whoosh's own lock file belongs to one writer; a copied generation gets a fresh one.
_NOT_COPIED = {META, "MAIN_WRITELOCK"}
_NAME = re.compile(r"gen-\d{8}T\d{12}-\d+")
# The digests only detect damage (a truncated, zeroed or overwritten file), not tampering:
# the fastest digest hashlib has is enough.
DIGEST = "sha1"


def _rebuild_hint(root: Path) -> str:
    return f"Rebuild it with: talash reindex SOURCE --index {root}"


def live_generation(root: Path) -> Path:
    """The folder of the live generation; raises IndexMissing / IndexCorrupt / ReindexNeeded.

    A reader that read ``CURRENT`` just before a reindex switched and deleted the generation
    it named (possible with ``--keep 1``) reads ``CURRENT`` again rather than failing."""
    root = Path(root)
    for attempt in range(3):
        name = _current_name(root)
        gen = root / name
        try:
            meta = json.loads((gen / META).read_text("utf-8"))
            break
        except (OSError, ValueError) as exc:
            if (attempt < 2 and isinstance(exc, FileNotFoundError)
                    and _current_name(root) != name):
                continue  # switched meanwhile: look again
            raise IndexCorrupt(f"index generation {gen} is damaged ({exc}). "
                               f"{_rebuild_hint(root)}") from None
    if not isinstance(meta, dict):
        raise IndexCorrupt(f"index generation {gen} is damaged ({META} holds no object). "
                           f"{_rebuild_hint(root)}")
    written = meta.get("index_format", 1)
    if not isinstance(written, int) or written > INDEX_FORMAT:
        raise ReindexNeeded(
            f"the index at {root} was written by a newer talash (index format {written!r}; "
            f"this one reads formats up to {INDEX_FORMAT}): upgrade talash, or rebuild the "
            f"index with this one (talash reindex SOURCE --index {root})"
        )
    if meta.get("analyzer_version") != ANALYZER_VERSION:
        raise ReindexNeeded(
            f"the index at {root} was built by analyzer version "
            f"{meta.get('analyzer_version')!r}, this talash uses {ANALYZER_VERSION!r}: "
            f"reindex needed (talash reindex SOURCE --index {root})"
        )
    verify(gen, meta.get("files"))
    return gen


def _current_name(root: Path) -> str:
    try:
        raw = (root / CURRENT).read_bytes()
    except FileNotFoundError:
        raise IndexMissing(
            f"no index at {root}. Build one with: talash reindex SOURCE --index {root}"
        ) from None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {root / CURRENT} ({exc.strerror}). "
                           f"{_rebuild_hint(root)}") from None
    name = raw.decode("utf-8", errors="replace").strip()
    if not _NAME.fullmatch(name):
        raise IndexCorrupt(f"{root / CURRENT} is damaged: it should name a generation folder "
                           f"(gen-…), it holds {name[:60]!r}. {_rebuild_hint(root)}")
    return name


_verified: set[str] = set()
_verifying = threading.Lock()


def verify(gen: Path, files: dict | None):
    """Check each file of ``gen`` against the size and digest recorded when it was written,
    once per process (a generation's files never change); IndexCorrupt names the first bad
    one. Generations written before digests were recorded (``files`` is None) pass."""
    key = str(gen)
    if files is None or key in _verified:
        return
    if not (isinstance(files, dict) and all(
            isinstance(v, list) and len(v) == 2 for v in files.values())):
        raise IndexCorrupt(f"index generation {gen} is damaged ({META} lists its files "
                           f"wrongly). {_rebuild_hint(gen.parent)}")
    with _verifying:  # one thread reads the files; the others wait for its verdict
        if key in _verified:
            return
        for name, (size, digest) in sorted(files.items()):
            path = gen / name
            try:
                found = path.stat().st_size
                if found == size and _digest(path) == digest:
                    continue
                problem = (f"{name} is {found} bytes, {size} were written" if found != size
                           else f"{name} does not hold what was written (digest differs)")
            except OSError as exc:
                problem = f"{name}: {exc.strerror}"
            raise IndexCorrupt(f"index generation {gen} is damaged: {problem}. "
                               f"{_rebuild_hint(gen.parent)}")
        _verified.add(key)


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, DIGEST).hexdigest()


def open_live(root: Path):
    """Open the live generation read-only; returns ``(whoosh_index, generation_name)``."""
    gen = live_generation(root)
    try:
        return whoosh_index.open_dir(str(gen)), gen.name
    except Exception as exc:  # whoosh raises many kinds on damaged files
        raise IndexCorrupt(
            f"cannot open index generation {gen}: {exc}. {_rebuild_hint(root)}"
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


def seal(gen: Path, documents: int, **extra):
    """Mark ``gen`` complete: flush its files to disk, then write ``talash.json`` with each
    file's size and digest (written aside and renamed, so it is whole or absent)."""
    files = {}
    for path in sorted(gen.iterdir()):
        if path.is_file() and path.name != META and not path.name.endswith("WRITELOCK"):
            _fsync(path)
            files[path.name] = [path.stat().st_size, _digest(path)]
    meta = {"analyzer_version": ANALYZER_VERSION, "index_format": INDEX_FORMAT,
            "documents": documents,
            "created": datetime.now(UTC).isoformat(), **extra, "files": files}
    _write_atomically(gen / META, json.dumps(meta))
    _fsync(gen)


def finish(root: Path, gen: Path, documents: int, keep: int = KEEP_GENERATIONS, **extra):
    """Mark ``gen`` complete, make it live, and delete all but the newest ``keep``."""
    seal(gen, documents, **extra)
    switch(root, gen.name)
    clean_old(root, keep)


def switch(root: Path, name: str):
    """Point ``CURRENT`` at ``name`` with an atomic rename."""
    _write_atomically(root / CURRENT, name + "\n")


def _write_atomically(path: Path, text: str):
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent)


def _fsync(path: Path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_live(root: Path, gen: Path) -> bool:
    try:
        return (root / CURRENT).read_text("utf-8").strip() == gen.name
    except (OSError, UnicodeDecodeError):
        return False


def discard(root: Path, gen: Path):
    """Delete ``gen``, a generation that failed before going live (never the live one)."""
    if not is_live(root, gen):
        _delete(gen)


def generations(root: Path) -> list[Path]:
    """Every generation folder, oldest first (names start with a UTC time stamp)."""
    return sorted(p for p in Path(root).glob("gen-*") if p.is_dir())


def remove_unfinished(root: Path):
    """Delete the leftovers of crashed writers: generations without metadata, complete ones
    that never went live (newer than the live one), half-deleted old ones and stray
    temporaries. Only called while holding the lock."""
    try:
        live = _current_name(root)
    except (IndexMissing, IndexCorrupt):
        live = None
    for gen in generations(root):
        if not (gen / META).exists() or (live is not None and gen.name > live):
            _delete(gen)
    for leftover in Path(root).glob(f"{TRASH}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for tmp in [*Path(root).glob(f".{CURRENT}.*"), *Path(root).glob(f"gen-*/.{META}.*")]:
        tmp.unlink(missing_ok=True)


def clean_old(root: Path, keep: int):
    """Keep the live generation and the newest ``keep - 1`` others. Readers that opened an
    older one keep reading it (open files outlive their names) until their next search."""
    live = (root / CURRENT).read_text("utf-8").strip()
    old = [g for g in generations(root) if g.name != live]
    for gen in old[: max(0, len(old) - (keep - 1))]:
        _delete(gen)


def _delete(gen: Path):
    """Rename ``gen`` out of the way first: a deletion cut short leaves only trash."""
    trash = gen.with_name(TRASH + gen.name)
    try:
        os.rename(gen, trash)
    except OSError:
        trash = gen
    shutil.rmtree(trash, ignore_errors=True)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
