"""Encoding one field's postings at commit, for ``search.segments``: TalashCodec's bytes in bulk.

The postings of a field arrive as flat arrays (``segments.FieldPostings``). Here they are
sorted by term with numpy once, and every statistic the codec stores per term and per block
(weight sums and maxima, shortest and longest field lengths, first and last documents) is
computed for all terms at once; what is left per term is its pickle, and per block its
pickle and compression. The bytes are those ``PackedPostingsWriter`` and ``TalashTermInfo``
write one posting and one method call at a time: a short list (fewer than the codec's inline
limit) pickled into its term info, a longer one as blocks of up to ``blocklimit`` postings in
the postings file. talash segments have ~200 new terms per document, most in one document
only, so the per-term work is what this module keeps small.
"""

import sys
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import _length_byte_cache, length_to_byte

from search.codec import PICKLE_PROTOCOL, compress

_TERMINFO = W3TermInfo._struct
_FLUSH_BYTES = 1 << 22  # postings file writes are gathered up to this size
_LENGTHS = np.asarray(_length_byte_cache, dtype=np.int64)
_BIG = np.iinfo(np.int64).max
# W3TermInfo's "!BfIBBfII" header: flags, weight, doc freq, min/max length byte, max weight,
# first and last document.
_HEAD = np.dtype([("flags", "u1"), ("weight", ">f4"), ("df", ">u4"), ("minlen", "u1"),
                  ("maxlen", "u1"), ("maxweight", ">f4"), ("minid", ">u4"), ("maxid", ">u4")])
assert sys.byteorder == "little", "packed blocks are written from native little-endian arrays"


def write_field(fw, fmt, post, lengths: dict[int, int], codec):
    """Write the terms and postings of one field (``fw.start_field`` already called)."""
    if post.terms:
        Field(fw, fmt, post, lengths, codec).write()


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """``whoosh.util.numeric.length_to_byte`` of each length."""
    return np.minimum(np.searchsorted(_LENGTHS, lengths, side="left"), 255)


class Field:
    """One field's postings sorted by term, with per-posting numbers as arrays and lists."""

    def __init__(self, fw, fmt, post, lengths: dict[int, int], codec):
        self.fw = fw
        self.prefix = pack_ushort(fw._fieldid)
        self.blocklimit = codec._blocklimit
        self.compression = codec._compression
        # TalashCodec's postings writer inlines lists shorter than this (search.codec).
        self.inline_below = min(codec._inlinelimit, codec._blocklimit)
        self.fixed = fmt.fixed_value_size()
        tnums = np.frombuffer(post.tnums, dtype=np.uint32)
        order = np.argsort(tnums, kind="stable")  # stable: each term's documents in order
        counts = np.bincount(tnums, minlength=len(post.terms))
        firsts = np.cumsum(counts) - counts
        terms = post.terms
        self.terms = sorted(range(len(terms)), key=terms.__getitem__)  # in the table's order
        self.keys = [terms[n] for n in self.terms]
        self.firsts, self.counts = firsts[self.terms], counts[self.terms]
        self.docs = np.frombuffer(post.docs, dtype=np.uint32)[order]
        self.weights = np.frombuffer(post.weights, dtype=np.float64)[order]  # as given
        self.singles = self.weights.astype(np.float32)  # as the codec stores them
        self.values = list(map(post.values.__getitem__, order.tolist()))
        by_doc = np.zeros(max(lengths, default=-1) + 2, dtype=np.int64)
        by_doc[list(lengths)] = list(lengths.values())
        self.lengths = by_doc[np.minimum(self.docs, len(by_doc) - 1)]  # 0: no length
        self.lists = None  # the same numbers as lists, for long lists' blocks (block())
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.offset = fw._postfile.tell()

    def write(self):
        counts = self.counts
        short = counts < self.inline_below
        infos: list = [None] * len(self.keys)
        for at, info in zip(np.flatnonzero(short).tolist(),
                            self.inlined(self.firsts[short], counts[short]), strict=True):
            infos[at] = info
        for at in np.flatnonzero(~short).tolist():
            infos[at] = self.blocks(int(self.firsts[at]), int(counts[at]))
        self.flush()
        prefix = self.prefix
        self.fw._tindex.add_sorted(
            [prefix + (k.encode("utf-8") if isinstance(k, str) else k) for k in self.keys],
            infos)

    def inlined(self, firsts: np.ndarray, counts: np.ndarray) -> list[bytes]:
        """Term infos of short lists, as ``InliningPostingsWriter.finish_postings`` then
        ``TalashTermInfo.to_bytes`` make them."""
        n = len(firsts)
        head = np.zeros(n, dtype=_HEAD)
        head["flags"], head["df"] = 1, counts
        last = firsts + counts - 1
        head["minid"], head["maxid"] = self.docs[firsts], self.docs[last]
        total = np.zeros(n)
        top = np.full(n, -np.inf)
        shortest, longest = np.full(n, _BIG), np.zeros(n, dtype=np.int64)
        for j in range(int(counts.max(initial=0))):
            has = counts > j
            at = np.where(has, firsts + j, firsts)
            # Summed in order from the first posting, as Python's sum() of the block does.
            total = total + np.where(has, self.singles[at].astype(np.float64), 0.0)
            top = np.maximum(top, np.where(has, self.weights[at], -np.inf))
            length = np.where(has, self.lengths[at], 0)
            shortest = np.minimum(shortest, np.where(length > 0, length, _BIG))
            longest = np.maximum(longest, length)
        head["weight"], head["maxweight"] = total, np.maximum(top, 0)
        head["minlen"] = np.where(shortest == _BIG, 0, length_bytes(shortest))
        head["maxlen"] = length_bytes(longest)
        heads = head.tobytes()
        size = _HEAD.itemsize
        docs, floats, values = self.docs.tolist(), self.singles.tolist(), self.values
        out = []
        for i, (s, c) in enumerate(zip(firsts.tolist(), counts.tolist(), strict=True)):
            if c == 1:
                value = values[s]
                postings = ((docs[s],), (floats[s],), (value,) if value else ())
            else:
                vals = [v for v in values[s:s + c] if v]
                if len(vals) > 1:
                    # Shared value objects would pickle as back-references; Whoosh's writer
                    # (one object per posting) writes each in full.
                    vals = [bytes(bytearray(v)) for v in vals]
                postings = (tuple(docs[s:s + c]), tuple(floats[s:s + c]), tuple(vals))
            out.append(heads[i * size:(i + 1) * size] + dumps(postings, PICKLE_PROTOCOL))
        return out

    def blocks(self, s: int, count: int) -> bytes:
        """Write the blocks of one term's postings; its term info (``W3TermInfo.to_bytes``)."""
        start = self.offset
        self.put(WHOOSH3_HEADER_MAGIC)
        e = s + count
        total, top, lo, hi = 0, 0, None, 0
        for at in range(s, e, self.blocklimit):
            end = min(at + self.blocklimit, e)
            weight, maxweight, minlength, maxlength = self.block(at, end, end == e)
            total += weight
            top = max(top, maxweight)
            if minlength is not None:
                lo = minlength if lo is None else min(lo, minlength)
            hi = max(hi, maxlength)
        docs = self.lists[0]
        head = _TERMINFO.pack(False, total, count, 0 if lo is None else length_to_byte(lo),
                              length_to_byte(hi), top, docs[s], docs[e - 1])
        return head + pack_long(start) + pack_int(self.offset - start)

    def block(self, s: int, e: int, last: bool):
        """Write one block as ``PackedPostingsWriter._write_block`` does; its statistics."""
        lists = self.lists
        if lists is None:  # made once per field, when its first long list comes
            lists = self.lists = (self.docs.tolist(), self.singles.tolist(),
                                  self.weights.tolist(), self.lengths.tolist(),
                                  np.diff(self.docs, prepend=np.uint32(0)).astype("<u4")
                                  .tobytes(), self.singles.astype("<f4").tobytes())
        docs, singles, weights, all_lengths, deltas, single_bytes = lists
        floats = singles[s:e]
        first = floats[0]
        if floats.count(first) == len(floats):
            mini_weights = None if first == 1.0 else first
        else:
            mini_weights = single_bytes[4 * s:4 * e]
        values = [v for v in self.values[s:e] if v]
        if self.fixed is None or self.fixed < 0:
            if len(set(map(id, values))) < len(values):
                values = [bytes(bytearray(v)) for v in values]
            mini_values = tuple(values)
        elif self.fixed == 0:
            mini_values = None
        else:
            mini_values = b"".join(values)
        # Delta-coded ids; a block's first is its own number.
        mini_ids = docs[s].to_bytes(4, "little") + deltas[4 * s + 4:4 * e]
        data = compress(dumps((mini_ids, mini_weights, mini_values), PICKLE_PROTOCOL),
                        self.compression)
        lengths = [n for n in all_lengths[s:e] if n]
        minlength = min(lengths) if lengths else None
        maxlength = max(lengths) if lengths else 0
        maxweight = max(0, max(weights[s:e]))
        info = dumps((e - s, docs[e - 1], maxweight, self.compression,
                      0 if minlength is None else length_to_byte(minlength),
                      length_to_byte(maxlength)), PICKLE_PROTOCOL)
        size = len(info) + len(data)
        self.put(pack_int(-size if last else size))
        self.put(info)
        self.put(data)
        return sum(floats), maxweight, minlength, maxlength

    def put(self, data: bytes):
        self.pending.append(data)
        self.offset += len(data)
        self.pending_size += len(data)
        if self.pending_size > _FLUSH_BYTES:
            self.flush()

    def flush(self):
        self.fw._postfile.write(b"".join(self.pending))
        self.pending.clear()
        self.pending_size = 0
