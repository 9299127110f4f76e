"""The posting lists of frequent terms as flat numpy arrays, written with each generation.

A word in thousands of documents has thousands of postings, which Whoosh keeps in compressed
blocks per segment; decoding them again for every query was most of a query's time on a
large index. When a generation is sealed, the lists of the terms in at least ``min_df(n)``
of its n documents (in the fields queries look words up in) are written once, across all
segments, in global document numbers, to three files beside the segments:

    frequent-ids.npy   uint32, every list one after the other
    frequent-tf.npy    the term frequencies alongside (uint8 or uint16 counts, else float32)
    frequent.json      {field: {term: [start, end]}}

A reader maps the arrays (``np.load(mmap_mode="r")``), so worker processes share one copy
through the page cache. A generation without the files (older talash) is searched as before.
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
from search.scoring import _postings

FIELDS = ("title", "body", "lead", "loose", "stem", "join")
IDS, TF, TABLE = "frequent-ids.npy", "frequent-tf.npy", "frequent.json"
# A W3 term info begins "!BfI...": flags, weight, then the document frequency.
_DF, _DF_AT = struct.Struct("!I"), 5
MIN_DF = 64  # never worth it below this many documents
SHARE = 0.0007  # ...nor below this share of the documents (measured at 100,000)
# From this many postings the lists are read on every core (a 100,000-document index has
# ~54 million; forking costs more than it saves on a small one).
PARALLEL_FROM = 2_000_000


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
    table: dict[str, dict[str, list[int]]] = {}
    at = 0
    for field in dict.fromkeys(field for field, _text, _df in wanted):
        table[field] = {}
    for chunk, (_ids, _tf, sizes) in zip(chunks, parts, strict=True):
        for (field, text, _df), size in zip(chunk, sizes.tolist(), strict=True):
            if size:  # every document with it deleted: not a list
                table[field][text] = [at, at + size]
                at += size
    ids = [p[0] for p in parts]
    tf = [p[1] for p in parts]
    _save(gen / IDS, np.concatenate(ids) if ids else np.empty(0, np.uint32))
    _save(gen / TF, _compact(np.concatenate(tf) if tf else np.empty(0, np.float32)))
    tmp = gen / (TABLE + ".tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, gen / TABLE)


def _frequent_terms(gen: Path) -> list[tuple[str, str, int]]:
    """(field, term, document frequency) of every frequent term, field by field, terms in
    order."""
    ix = whoosh_index.open_dir(str(gen))
    wanted = []
    with ix.searcher() as searcher:
        threshold = min_df(searcher.doc_count_all())
        for field in FIELDS:
            if field not in searcher.schema:
                continue
            counts: dict[bytes, int] = {}
            for sub, _offset in searcher.leaf_searchers():
                for term, df in _frequencies(sub.reader(), field):
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


def _read_lists(gen: str, chunk: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lists of ``chunk``'s terms over every segment, one after the other (uint32 global
    numbers, frequencies as ``_compact`` stores them), and each list's length."""
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
    # Compacted here already: a quarter of the bytes to send back to the parent.
    return (np.concatenate(ids_parts) if ids_parts else np.empty(0, np.uint32),
            _compact(np.concatenate(tf_parts)) if tf_parts else np.empty(0, np.float32), sizes)


def _frequencies(reader, field: str):
    """(term, document frequency) of every term of ``field`` in one segment. Read straight
    from the W3 term table's records (the frequency is a fixed field of each): Whoosh's
    ``iter_field`` decodes every term info in full, unpickling the postings inlined in most
    of them (most joined pairs occur once or twice), which took most of this module's time."""
    tindex = getattr(getattr(reader, "_terms", None), "_tindex", None)
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

    def __init__(self, ids: np.ndarray, tf: np.ndarray, table: dict):
        self.ids, self.tf, self.table = ids, tf, table

    @classmethod
    def load(cls, gen: Path) -> "Frequent | None":
        try:
            table = json.loads((gen / TABLE).read_text(encoding="utf-8"))
            # Plain arrays over the mapped files: slices of a np.memmap cost far more.
            return cls(np.asarray(np.load(gen / IDS, mmap_mode="r")),
                       np.asarray(np.load(gen / TF, mmap_mode="r")), table)
        except (OSError, ValueError):  # no such files (an older generation): not used
            return None

    def whole(self, field: str, term: str):
        """The postings of ``term`` in every document (views of the mapped arrays: uint32
        numbers, counts or float32 frequencies), or None when the term is not a frequent one."""
        span = self.table.get(field, {}).get(term)
        if span is None:
            return None
        return self.ids[span[0]:span[1]], self.tf[span[0]:span[1]]
