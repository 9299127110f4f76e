"""The arrays of one index generation, read once per process and shared by its threads.

``search/engine.py`` evaluates queries over them: per document the facet values (as integer
codes, from the postings of the ``site``, ``category``, ``lang`` and ``year`` terms) and the
dates (from the ``date`` column); per segment the field lengths; the term sets of the word
fields (absent inflections and variants need no lookup); a bounded cache of decoded postings;
the frequent terms' lists (``search/frequent.py``); the did-you-mean table.
"""

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from search.frequent import Frequent
from search.scoring import _postings, _read_lengths
from search.suggest import SpellTable

FACETS = ("site", "category", "lang", "year")
NO_DATE = np.iinfo(np.uint64).max  # the date column's value for a document without a date
FREQUENCIES_KEPT = 200_000  # document frequencies remembered per generation
POSTINGS_CACHE = 4_000_000  # postings (document numbers) kept decoded per process
# Fields whose terms are held in a set per generation: a query probes them for many forms
# that do not exist (inflections, loose variants), and a set answers in a fraction of a
# Whoosh term-table lookup per segment. Their vocabularies are small (words, not pairs).
KNOWN_TERMS = ("title", "body", "lead", "loose", "stem")
_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY = (_EMPTY_IDS, np.empty(0))


class Segment:
    """One Whoosh segment's place in the generation and its field lengths."""

    def __init__(self, reader, number: int, offset: int):
        self.number = number
        self.offset = offset
        self.size = reader.doc_count_all()
        self._lengths: dict[str, np.ndarray] = {}
        self._every = None

    def every(self, reader):
        """Every live document of the segment, each scored 1 (as Whoosh does)."""
        if self._every is None:
            ids = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
            self._every = ids, np.ones(len(ids))
        return self._every

    def lengths(self, reader, fieldname: str) -> np.ndarray:
        arr = self._lengths.get(fieldname)
        if arr is None:
            arr = self._lengths[fieldname] = _read_lengths(reader, fieldname)
        return arr


class Generation:
    """The shared arrays of one generation and a bounded cache of decoded postings."""

    def __init__(self, name: str, path: Path | None = None):
        self.name = name
        self.path = path
        self.frequent: Frequent | None = None
        self._segments: list[Segment] | None = None
        self._lock = threading.Lock()
        self._postings: OrderedDict = OrderedDict()
        self._cached = 0
        self.frequencies: dict[tuple[str, str], int] = {}  # (field, term) → df, all segments
        self._known: dict[str, list[frozenset]] = {}
        self._spelling = None

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

    def postings(self, key, read) -> tuple[np.ndarray, np.ndarray]:
        hit = self._postings.get(key)
        if hit is not None:
            return hit
        value = read()
        with self._lock:
            self._postings[key] = value
            self._cached += len(value[0]) + 1
            while self._cached > POSTINGS_CACHE and self._postings:
                _, old = self._postings.popitem(last=False)
                self._cached -= len(old[0]) + 1
        return value


class Source:
    """What ``search.scoring.score`` reads, for one segment, through the shared caches."""

    def __init__(self, searcher, generation: Generation, segment: Segment, reader,
                 n_docs: int):
        # No reference from a segment back to its generation: without cycles, a generation's
        # mapped files close as soon as its last searcher goes (a file system can unmount).
        self.searcher, self.generation, self.segment = searcher, generation, segment
        self.reader, self.n_docs = reader, n_docs
        self._avg: dict[str, float] = {}

    def postings(self, fieldname: str, term: str):
        generation = self.generation
        known = generation.known(self.searcher, fieldname)
        if known is not None and term.encode("utf-8") not in known[self.segment.number]:
            return _EMPTY
        if generation.frequent is not None:
            seg = self.segment
            found = generation.frequent.get(fieldname, term, seg.offset, seg.offset + seg.size)
            if found is not None:
                return found
        key = (self.segment.offset, fieldname, term)
        return generation.postings(key, lambda: _postings(self.reader, fieldname, term))

    def lengths(self, fieldname: str) -> np.ndarray:
        return self.segment.lengths(self.reader, fieldname)

    def doc_frequency(self, fieldname: str, term: str) -> int:
        known = self.generation.frequencies
        df = known.get((fieldname, term))
        if df is None:
            if len(known) >= FREQUENCIES_KEPT:  # bounded: every query brings new terms
                known.clear()
            df = known[(fieldname, term)] = self.searcher.doc_frequency(fieldname, term)
        return df

    def average_length(self, fieldname: str) -> float:
        avg = self._avg.get(fieldname)
        if avg is None:
            avg = self._avg[fieldname] = max(
                self.searcher.field_length(fieldname) / self.n_docs, 1.0)
        return avg


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
