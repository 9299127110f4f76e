"""The posting lists of frequent terms as flat numpy arrays, written with each generation.

A word in thousands of documents has thousands of postings, which Whoosh keeps in compressed
blocks of 128 per segment in the title and body (phrases skip through their positions);
decoding them again for every query was most of a query's time on a large index. When a
generation is sealed, the lists of the terms of those two fields in at least ``min_df(n)``
of its n documents are written once, across all segments, in global document numbers, to
six files beside the segments. (The other word fields keep each list as one block a segment,
``search.codec.LONG_BLOCKS``, read fast enough without a second copy: at 100,000
documents these files were 102 MB for six fields, 30 MB for two; a query's CPU went up by
about a third in a scratch timer, p50 1.6 -> 2.2 ms. A generation with a segment written
before that, in blocks of 128, keeps those fields' lists too: ``SHORT_BLOCK_FIELDS``.)

    frequent-gaps.npy   uint8: every list's gaps between document numbers, one list after
                        the other, each in the narrowest width (1, 2 or 4 bytes) that is
                        smallest with its exceptions (``search.packing``)
    frequent-high.npy   uint32 (2, n): the exceptions, gaps too wide for their list's width
    frequent-counts.npy the term frequencies (whole counts), four bits each
    frequent-big.npy    uint32 (2, n): the counts of 15 or more (a field with fractional
                        weights has frequent-tf.npy, float32, instead of these two)
    frequent-spans.npy  per list: first frequency, length, byte offset of its gaps, width,
                        first and end exception (``SPAN``)
    frequent.json       {field: {term: row of frequent-spans.npy}}

Most postings are of very frequent terms, whose gaps are small: ~1.3 bytes a document number
and half a byte a count, against 4 and 1 (at 100,000 documents, 269 MB became ~100 MB). A
list is decoded with one ``cumsum`` into int64 numbers, which the scorer indexes with faster
than the uint32 ones it was given before; decoded lists of ``KEEP_FROM`` postings or more
are kept, up to ``KEEP`` postings in all, the least recently used dropped first. A reader maps
the arrays (``np.load(mmap_mode="r")``), so worker processes share one copy through the
page cache. A generation with the older layout (``frequent-ids.npy``: uint32
numbers, ``frequent-tf.npy``, ``[start, end]`` in the table) is read as it is; one without
the files (older still) is searched without them.
"""

import json
import multiprocessing
import os
import struct
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from search.building import _die_with, cores
from search.codec import LONG_BLOCKS, long_blocks
from search.lru import PostingsCache
from search.packing import PackedCounts, decode_gaps, encode_gaps, pack_counts
from search.scoring import _postings

FIELDS = ("title", "body")
# The other word fields' lists in a segment written before ``LONG_BLOCKS`` are in blocks of
# 128, slow to decode whole: a generation with such a segment (an older index, updated) keeps
# theirs too, as it did (p50 3.1 -> 1.7 ms at 100,000 documents, in a scratch timer).
SHORT_BLOCK_FIELDS = ("lead", "loose", "stem", "join")
IDS, HIGH, TF = "frequent-gaps.npy", "frequent-high.npy", "frequent-tf.npy"
SPANS, TABLE = "frequent-spans.npy", "frequent.json"
COUNTS, BIG = "frequent-counts.npy", "frequent-big.npy"  # counts as nibbles, the big ones
FLAT_IDS = "frequent-ids.npy"  # the layout before the gaps: uint32 numbers
# frequent-spans.npy's columns.
SPAN = ("tf_start", "count", "offset", "width", "high_start", "high_end")
# A W3 term info begins "!BfI...": flags, weight, then the document frequency.
_DF, _DF_AT = struct.Struct("!I"), 5
MIN_DF = 64  # never worth it below this many documents
SHARE = 0.0007  # ...nor below this share of the documents (measured at 100,000)
# From this many postings the lists are read on every core (a 100,000-document index has
# ~54 million; forking costs more than it saves on a small one).
PARALLEL_FROM = 2_000_000
# Decoded lists kept per process (int64 numbers, 8 bytes each): the longest cost the most to
# decode, and a few common words' lists are in most queries.
KEEP = 2_000_000
KEEP_FROM = 2_000  # shorter lists are decoded again each time


def min_df(documents: int) -> int:
    return max(MIN_DF, int(documents * SHARE))


def write(gen: Path, procs: int | None = None):
    """Write the frequent lists of the Whoosh index in ``gen`` (each file written aside and
    renamed: a generation copied with hard links never has its source's files changed).
    The lists are read on ``procs`` processes (None: one per core for a large index)."""
    gen = Path(gen)
    wanted = _frequent_terms(gen)
    total = sum(df for _field, _text, df in wanted)
    if procs is None:
        procs = cores() if total >= PARALLEL_FROM else 1
    chunks = _split(wanted, max(1, procs))
    if len(chunks) > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(chunks), mp_context=ctx, initializer=_die_with,
                                 initargs=(os.getpid(),)) as pool:
            parts = list(pool.map(_read_lists, [str(gen)] * len(chunks), chunks))
    else:
        parts = [_read_lists(str(gen), chunk) for chunk in chunks]
    table: dict[str, dict[str, int]] = {field: {} for field in dict.fromkeys(
        field for field, _text, _df in wanted)}
    spans, row = [], 0
    postings = offset = highs = 0  # where each chunk's arrays begin in the files
    for chunk, (gaps, high, tf, span) in zip(chunks, parts, strict=True):
        span = span + [postings, 0, offset, 0, highs, highs]
        kept = span[:, 1] > 0  # every document with it deleted: not a list
        for (field, text, _df), keep in zip(chunk, kept.tolist(), strict=True):
            if keep:
                table[field][text] = row
                row += 1
        spans.append(span[kept])
        postings, offset, highs = postings + len(tf), offset + len(gaps), highs + high.shape[1]
    _save(gen / IDS, _joined([p[0] for p in parts], np.uint8))
    _save(gen / HIGH, np.concatenate([p[1] for p in parts], axis=1) if parts else
          np.empty((2, 0), np.uint32))
    tf = _compact(_joined([p[2] for p in parts], np.float32))
    if tf.dtype.kind == "u":  # counts: four bits each
        packed, big = pack_counts(tf)
        _save(gen / COUNTS, packed)
        _save(gen / BIG, big)
        (gen / TF).unlink(missing_ok=True)  # (a copy's, as below)
    else:
        _save(gen / TF, tf)
        for name in (COUNTS, BIG):
            (gen / name).unlink(missing_ok=True)
    spans = _joined(spans, np.int64).reshape(-1, len(SPAN))
    _save(gen / SPANS, spans.astype(np.uint32) if spans.max(initial=0) < 2**32 else spans)
    tmp = gen / (TABLE + ".tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, gen / TABLE)
    # A generation copied (hard links) from one with the older layout: its flat numbers
    # would only take room (unlinking the copy leaves the source's file as it is).
    (gen / FLAT_IDS).unlink(missing_ok=True)


def _joined(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.empty(0, dtype)


def _frequent_terms(gen: Path) -> list[tuple[str, str, int]]:
    """(field, term, document frequency) of every frequent term, field by field, terms in
    order."""
    ix = whoosh_index.open_dir(str(gen))
    wanted = []
    with ix.searcher() as searcher:
        threshold = min_df(searcher.doc_count_all())
        short = any(long_blocks(sub.reader().codec()) < LONG_BLOCKS
                    for sub, _offset in searcher.leaf_searchers())
        for field in FIELDS + (SHORT_BLOCK_FIELDS if short else ()):
            if field not in searcher.schema:
                continue
            counts: dict[bytes, int] = {}
            for sub, _offset in searcher.leaf_searchers():
                for term, df in frequencies(sub.reader(), field):
                    counts[term] = counts.get(term, 0) + df
            wanted += [(field, t.decode("utf-8"), n)
                       for t, n in sorted(counts.items()) if n >= threshold]
    return wanted


def _split(wanted: list, parts: int) -> list[list]:
    """``wanted`` in ``parts`` consecutive runs of about the same number of postings."""
    if parts == 1 or not wanted:
        return [wanted]
    ends = np.cumsum([df for _f, _t, df in wanted])
    cuts = np.searchsorted(ends, ends[-1] * np.arange(1, parts) / parts)
    bounds = [0, *sorted(set(cuts.tolist())), len(wanted)]
    return [wanted[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _read_lists(gen: str, chunk: list) -> tuple[np.ndarray, ...]:
    """The lists of ``chunk``'s terms over every segment, one after the other, encoded
    (``packing.encode_gaps``: gaps, exceptions; frequencies as ``_compact`` stores them;
    spans with positions from the chunk's beginning). Encoded here already: under half the
    bytes to send back to the parent (~2.3 a posting against 5 for uint32 numbers and byte
    counts), and encoded on every core."""
    ix = whoosh_index.open_dir(gen)
    ids_parts, tf_parts = [], []
    sizes = np.zeros(len(chunk), dtype=np.int64)
    with ix.searcher() as searcher:
        leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        for n, (field, text, _df) in enumerate(chunk):
            for reader, offset in leaves:
                ids, tf = _postings(reader, field, text)
                if len(ids):
                    ids_parts.append((ids + offset).astype(np.uint32))
                    tf_parts.append(tf.astype(np.float32))
                    sizes[n] += len(ids)
    gaps, high, spans = encode_gaps(_joined(ids_parts, np.uint32), sizes)
    tf = _compact(np.concatenate(tf_parts)) if tf_parts else np.empty(0, np.float32)
    return gaps, high, tf, np.column_stack([np.cumsum(sizes) - sizes, sizes, spans])


def frequencies(reader, field: str):
    """(term, document frequency) of every term of ``field`` in one segment. Read straight
    from the W3 term table's records (the frequency is a fixed field of each): Whoosh's
    ``iter_field`` decodes every term info in full, unpickling the postings inlined in most
    of them (most joined pairs occur once or twice), which took most of this module's time.
    A ``search.terms`` table reads them itself (``doc_frequencies``)."""
    terms = getattr(reader, "_terms", None)
    if hasattr(terms, "doc_frequencies"):
        yield from terms.doc_frequencies(field)
        return
    tindex = getattr(terms, "_tindex", None)
    fieldmap = getattr(reader._terms, "_fieldmap", {}) if tindex is not None else {}
    if field not in fieldmap:
        yield from ((t, info.doc_frequency()) for t, info in reader.iter_field(field))
        return
    prefix = reader._terms._keycoder(field, b"")
    for key, value in tindex.items_from(prefix):
        if key[:2] != prefix:
            return
        yield key[2:], _DF.unpack_from(value, _DF_AT)[0]


def _compact(tf: np.ndarray) -> np.ndarray:
    """Term frequencies in the smallest type that holds them exactly: counts fit in one byte
    (the most any term occurs in one document of the 100,000-document benchmark corpus is
    229) or else two; a field with fractional weights keeps float32. Readers only ever
    multiply or divide them by floats, so the narrow type never overflows."""
    if len(tf) and np.array_equal(tf, np.round(tf)) and 0 <= tf.min():
        top = tf.max()
        if top < 2**8:
            return tf.astype(np.uint8)
        if top < 2**16:
            return tf.astype(np.uint16)
    return tf


def _save(path: Path, arr: np.ndarray):
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, arr)
    os.replace(tmp, path)


class Frequent:
    """The frequent lists of one generation, mapped from its files (None if it has none)."""

    def __init__(self, gaps: np.ndarray, high: np.ndarray, tf: "np.ndarray | PackedCounts",
                 spans: np.ndarray, table: dict):
        self.gaps, self.high, self.tf, self.spans, self.table = gaps, high, tf, spans, table
        self._big = None  # per row, where its big counts are listed (packed counts only)
        if isinstance(tf, PackedCounts):
            starts = spans[:, 0].astype(np.int64)
            self._big = tf.big_between(starts, starts + spans[:, 1])
        self._decoded = PostingsCache(KEEP)  # row -> postings

    @classmethod
    def load(cls, gen: Path) -> "Frequent | FlatFrequent | None":
        try:
            table = json.loads((gen / TABLE).read_text(encoding="utf-8"))
            if not (gen / SPANS).exists():
                return FlatFrequent(_mapped(gen / FLAT_IDS), _mapped(gen / TF), table)
            tf = (PackedCounts(_mapped(gen / COUNTS), _mapped(gen / BIG))
                  if (gen / COUNTS).exists() else _mapped(gen / TF))
            return cls(_mapped(gen / IDS), _mapped(gen / HIGH), tf, _mapped(gen / SPANS), table)
        except (OSError, ValueError):  # no such files (an older generation): not used
            return None

    def whole(self, field: str, term: str):
        """The postings of ``term`` in every document (int64 numbers, decoded; counts or
        float32 frequencies, a view of the mapped array), or None when the term is not a
        frequent one."""
        row = self.table.get(field, {}).get(term)
        if row is None:
            return None
        found = self._decoded.get(row)
        if found is not None:
            return found
        start, count, *where = self.spans[row].tolist()
        if self._big is None:
            tf = self.tf[start:start + count]
        else:
            tf = self.tf.unpack(start, start + count, *self._big[row].tolist())
        found = decode_gaps(self.gaps, self.high, count, *where), tf
        for array in found:
            array.flags.writeable = False  # shared by every thread, as the mapped views were
        if count >= KEEP_FROM:
            self._decoded.put(row, found)
        return found


class FlatFrequent:
    """The frequent lists of a generation written before the gaps: uint32 numbers."""

    def __init__(self, ids: np.ndarray, tf: np.ndarray, table: dict):
        self.ids, self.tf, self.table = ids, tf, table

    def whole(self, field: str, term: str):
        """As ``Frequent.whole``, but views of the mapped uint32 numbers."""
        span = self.table.get(field, {}).get(term)
        if span is None:
            return None
        return self.ids[span[0]:span[1]], self.tf[span[0]:span[1]]


def _mapped(path: Path) -> np.ndarray:
    # Plain arrays over the mapped files: slices of a np.memmap cost far more.
    return np.asarray(np.load(path, mmap_mode="r"))
