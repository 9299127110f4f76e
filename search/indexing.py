"""Build and open talash indexes.

An index directory holds generations: ``gen-<stamp>/`` folders, each a complete Whoosh index
with a ``talash.json`` beside it, and a ``CURRENT`` file naming the live one. A rebuild writes
a new generation next to the live one and only then replaces ``CURRENT`` (an atomic rename),
so searches never see a half-built index and a failed rebuild leaves the old one serving.
"""

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from search.analysis.analyzers import ANALYZER_VERSION
from search.documents import Document, Rejected, from_record
from search.errors import IndexCorrupt, IndexMissing, ReindexNeeded, ReindexRunning
from search.schema import build_schema, index_fields

CURRENT = "CURRENT"
META = "talash.json"
LOCK = ".reindex.lock"
KEEP_GENERATIONS = 2


@dataclass
class BuildSummary:
    generation: str = ""
    indexed: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0
    size_bytes: int = 0

    @property
    def docs_per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (f"indexed {self.indexed} documents, rejected {len(self.rejected)}, "
                f"in {self.seconds:.1f} s ({self.docs_per_second:.0f} docs/s), "
                f"index {self.size_bytes / 1e6:.1f} MB, generation {self.generation}")


def live_generation(root: Path) -> Path:
    """The folder of the live generation; raises IndexMissing / ReindexNeeded."""
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


class _ReindexLock:
    """An exclusive, non-blocking lock on the index directory; released by the OS on a crash."""

    def __init__(self, root: Path):
        self.path = root / LOCK

    def __enter__(self):
        self.handle = open(self.path, "a+")  # noqa: SIM115
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
        self.handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%H:%M:%S} UTC")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.close()


def _new_generation_name() -> str:
    return f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build_index(root: Path, docs: Iterable, progress: Callable[[int], None] | None = None,
                on_reject: Callable[[Rejected], None] | None = None) -> BuildSummary:
    """Build a new generation from ``docs`` (Documents, Rejected, or plain dicts) and make it
    live. Rejected records are collected in the summary and passed to ``on_reject``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = BuildSummary()
    with _ReindexLock(root):
        _remove_unfinished(root)
        gen = root / _new_generation_name()
        gen.mkdir()
        ix = whoosh_index.create_in(str(gen), build_schema())
        writer = ix.writer(limitmb=256)
        try:
            for number, item in enumerate(docs, start=1):
                if isinstance(item, dict):
                    item = from_record(item, "<records>", number)
                if isinstance(item, Rejected):
                    summary.rejected.append(item)
                    if on_reject:
                        on_reject(item)
                    continue
                writer.add_document(**index_fields(item))
                summary.indexed += 1
                if progress:
                    progress(summary.indexed)
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(gen, ignore_errors=True)
            raise
        meta = {"analyzer_version": ANALYZER_VERSION, "documents": summary.indexed,
                "created": datetime.now(UTC).isoformat()}
        (gen / META).write_text(json.dumps(meta), "utf-8")
        _switch(root, gen.name)
        _clean_old(root, keep=KEEP_GENERATIONS)
    summary.generation = gen.name
    summary.seconds = time.monotonic() - started
    summary.size_bytes = _dir_size(gen)
    return summary


def _switch(root: Path, name: str):
    tmp = root / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(name + "\n", "utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, root / CURRENT)


def _generations(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("gen-*") if p.is_dir())


def _remove_unfinished(root: Path):
    """Generations without metadata are leftovers of a crashed rebuild (we hold the lock)."""
    for gen in _generations(root):
        if not (gen / META).exists():
            shutil.rmtree(gen, ignore_errors=True)


def _clean_old(root: Path, keep: int):
    live = (root / CURRENT).read_text("utf-8").strip()
    old = [g for g in _generations(root) if g.name != live]
    for gen in old[: max(0, len(old) - (keep - 1))]:
        shutil.rmtree(gen, ignore_errors=True)


def document_count(root: Path) -> int:
    ix, _ = open_live(root)
    try:
        return ix.doc_count()
    finally:
        ix.close()


__all__ = ["build_index", "open_live", "live_generation", "BuildSummary", "Document"]
