"""The arrays of one index generation, read once per process and shared by its threads.

``search/engine.py`` evaluates queries over them, in global document numbers (segment after
segment): per document the facet values (as integer codes, from the postings of the ``site``,
``category``, ``lang`` and ``year`` terms), the dates (from the ``date`` column) and the field
lengths; the term sets of the word fields per segment (absent inflections and variants need
no lookup); a bounded cache of decoded postings (the least recently used go first); the
frequent terms' lists (``search/frequent.py``); the did-you-mean table. ``Whole`` is what
scoring reads: any term's postings over all segments as one list.
"""

import threading
from pathlib import Path

import numpy as np

from search.frequent import Frequent
from search.lru import PostingsCache
from search.scoring import _postings, _read_lengths
from search.suggest import SpellTable

FACETS = ("site", "category", "lang", "year")
NO_DATE = np.iinfo(np.uint64).max  # the date column's value for a document without a date
POSTINGS_CACHE = 4_000_000  # postings (document numbers) kept decoded per process
# Fields whose terms are held in a set per generation: a query probes them for many forms
# that do not exist (inflections, loose variants), and a set answers in a fraction of a
# Whoosh term-table lookup per segment. Their vocabularies are small (words, not pairs).
KNOWN_TERMS = ("title", "body", "lead", "loose", "stem")
_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY = (_EMPTY_IDS, np.empty(0))


class Segment:
    """One Whoosh segment's place in the generation."""

    def __init__(self, reader, number: int, offset: int):
        self.number = number
        self.offset = offset
        self.size = reader.doc_count_all()


class Generation:
    """The shared arrays of one generation and a bounded cache of decoded postings."""

    def __init__(self, name: str, path: Path | None = None):
        self.name = name
        self.path = path
        self.frequent: Frequent | None = None
        self._segments: list[Segment] | None = None
        self._lock = threading.Lock()
        self._postings = PostingsCache(POSTINGS_CACHE)
        self._known: dict[str, list[frozenset]] = {}
        self._spelling = None
        self._lengths: dict[str, np.ndarray] = {}
        self._every = None

    def spelling(self, searcher):
        """The generation's spelling table ("did you mean"), built once for all threads."""
        if self._spelling is None:
            with self._lock:
                if self._spelling is None:
                    self._spelling = SpellTable(searcher.reader())
        return self._spelling

    def known(self, searcher, fieldname: str) -> list[frozenset] | None:
        """Every term (as bytes) of ``fieldname`` in each segment, for KNOWN_TERMS fields."""
        if fieldname not in KNOWN_TERMS:
            return None
        terms = self._known.get(fieldname)
        if terms is None:
            with self._lock:
                terms = self._known.get(fieldname)
                if terms is None:
                    terms = self._known[fieldname] = [
                        frozenset(_lexicon_bytes(sub.reader(), fieldname))
                        for sub, _offset in searcher.leaf_searchers()]
        return terms

    def segments(self, searcher) -> list[Segment]:
        if self._segments is None:
            with self._lock:
                if self._segments is None:
                    self._load(searcher)
        return self._segments

    def _load(self, searcher):
        """Read the per-document arrays of every segment, in global document numbers."""
        leaves = searcher.leaf_searchers()
        segments = [Segment(sub.reader(), n, offset)
                    for n, (sub, offset) in enumerate(leaves)]
        size = searcher.doc_count_all()
        self.values, self.codes = {}, {}
        for name in FACETS:
            self.values[name], self.codes[name] = [], np.full(size, -1, dtype=np.int32)
        self.dates = np.full(size, NO_DATE, dtype=np.uint64)
        for (sub, offset), seg in zip(leaves, segments, strict=True):
            reader = sub.reader()
            for name in FACETS:
                for value in _lexicon(reader, name):
                    values = self.values[name]
                    if value not in values:
                        values.append(value)
                    ids = _postings(reader, name, value)[0]
                    self.codes[name][ids + offset] = values.index(value)
            self.dates[offset: offset + seg.size] = _dates(reader, seg.size)
        self.frequent = Frequent.load(self.path) if self.path else None
        self._segments = segments

    def lengths(self, parts, fieldname: str) -> np.ndarray:
        """Every document's length in ``fieldname`` (global numbers), read once."""
        arr = self._lengths.get(fieldname)
        if arr is None:
            arr = np.concatenate([_read_lengths(reader, fieldname) for _seg, reader in parts])
            self._lengths[fieldname] = arr
        return arr

    def every(self, parts) -> tuple[np.ndarray, np.ndarray]:
        if self._every is None:
            ids = np.concatenate([np.fromiter(reader.all_doc_ids(), dtype=np.int64) + seg.offset
                                  for seg, reader in parts])
            self._every = ids, np.ones(len(ids))
        return self._every

    def postings(self, key, read) -> tuple[np.ndarray, np.ndarray]:
        hit = self._postings.get(key)
        if hit is None:
            hit = read()
            self._postings.put(key, hit)
        return hit


class Whole:
    """What ``search.scoring.score`` reads, over every segment of a generation at once, in
    global document numbers: a query's clauses are scored in one pass over the whole index,
    not once per segment (each pass costs numpy calls per clause and alternative)."""

    def __init__(self, searcher, generation: Generation, n_docs: int):
        # No reference from a segment back to its generation: without cycles, a generation's
        # mapped files close as soon as its last searcher goes (a file system can unmount).
        self.searcher, self.generation, self.n_docs = searcher, generation, n_docs
        self.parts = [(segment, sub.reader()) for segment, (sub, _offset) in
                      zip(generation.segments(searcher), searcher.leaf_searchers(), strict=True)]
        self._avg: dict[str, float] = {}

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Global doc numbers (ascending) and frequencies of ``term`` in ``fieldname``."""
        generation = self.generation
        known = generation.known(self.searcher, fieldname)
        if known is not None:
            key = term.encode("utf-8")
            if not any(key in terms for terms in known):
                return _EMPTY
        if generation.frequent is not None:
            found = generation.frequent.whole(fieldname, term)
            if found is not None:
                return found
        return generation.postings((fieldname, term), lambda: self._read(fieldname, term))

    def _read(self, fieldname: str, term: str):
        known = self.generation.known(self.searcher, fieldname)
        key = term.encode("utf-8")
        ids, tf = [], []
        for segment, reader in self.parts:
            if known is not None and key not in known[segment.number]:
                continue
            i, t = _postings(reader, fieldname, term)
            if len(i):
                ids.append(i + segment.offset)
                tf.append(t)
        if len(ids) == 1:
            return ids[0], tf[0]
        return (np.concatenate(ids), np.concatenate(tf)) if ids else _EMPTY

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in ``fieldname``, in global document numbers."""
        return self.generation.lengths(self.parts, fieldname)

    def doc_frequency(self, fieldname: str, term: str, found=None) -> int:
        """The live documents with ``term`` (a deleted document no longer counts); ``found``:
        its postings, when the caller has them already."""
        return len((found if found is not None else self.postings(fieldname, term))[0])

    def average_length(self, fieldname: str) -> float:
        avg = self._avg.get(fieldname)
        if avg is None:
            avg = self._avg[fieldname] = max(
                self.searcher.field_length(fieldname) / self.n_docs, 1.0)
        return avg

    def every(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live document, each scored 1 (as Whoosh does)."""
        return self.generation.every(self.parts)


def _lexicon_bytes(reader, fieldname: str):
    try:
        return reader.lexicon(fieldname)
    except Exception:  # noqa: BLE001 - a field this index does not have
        return ()


def _lexicon(reader, fieldname: str) -> list[str]:
    try:
        return [v.decode("utf-8") for v in reader.lexicon(fieldname)]
    except Exception:  # noqa: BLE001 - a field this index does not have
        return []


def _dates(reader, size: int) -> np.ndarray:
    try:
        return np.fromiter(reader.column_reader("date", translate=False), dtype=np.uint64,
                           count=size)
    except Exception:  # noqa: BLE001 - no date column: every document is undated
        return np.full(size, NO_DATE, dtype=np.uint64)
