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
import os
import struct
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from search.scoring import _postings

FIELDS = ("title", "body", "lead", "loose", "stem", "join")
IDS, TF, TABLE = "frequent-ids.npy", "frequent-tf.npy", "frequent.json"
# A W3 term info begins "!BfI...": flags, weight, then the document frequency.
_DF, _DF_AT = struct.Struct("!I"), 5
MIN_DF = 64  # never worth it below this many documents
SHARE = 0.0007  # ...nor below this share of the documents (measured at 100,000)


def min_df(documents: int) -> int:
    return max(MIN_DF, int(documents * SHARE))


def write(gen: Path):
    """Write the frequent lists of the Whoosh index in ``gen`` (each file written aside and
    renamed: a generation copied with hard links never has its source's files changed)."""
    gen = Path(gen)
    ix = whoosh_index.open_dir(str(gen))
    with ix.searcher() as searcher:
        leaves = searcher.leaf_searchers()
        threshold = min_df(searcher.doc_count_all())
        table: dict[str, dict[str, list[int]]] = {}
        ids_parts, tf_parts, at = [], [], 0
        for field in FIELDS:
            if field not in searcher.schema:
                continue
            counts: dict[bytes, int] = {}
            for sub, _offset in leaves:
                for term, df in _frequencies(sub.reader(), field):
                    counts[term] = counts.get(term, 0) + df
            frequent = sorted(t for t, n in counts.items() if n >= threshold)
            table[field] = {}
            for term in frequent:
                text = term.decode("utf-8")
                parts = [(ids + offset, tf) for (sub, offset) in leaves
                         for ids, tf in [_postings(sub.reader(), field, text)] if len(ids)]
                if not parts:
                    continue
                ids = np.concatenate([p[0] for p in parts]).astype(np.uint32)
                tf = np.concatenate([p[1] for p in parts]).astype(np.float32)
                table[field][text] = [at, at + len(ids)]
                ids_parts.append(ids)
                tf_parts.append(tf)
                at += len(ids)
    _save(gen / IDS, np.concatenate(ids_parts) if ids_parts else np.empty(0, np.uint32))
    _save(gen / TF, _compact(np.concatenate(tf_parts) if tf_parts else np.empty(0, np.float32)))
    tmp = gen / (TABLE + ".tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, gen / TABLE)


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
