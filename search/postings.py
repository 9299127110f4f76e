"""Encoding one field's postings at commit, for ``search.segments``: TalashCodec's bytes in bulk.

The postings of a field arrive as flat arrays (``segments.FieldPostings``). Here they are
sorted by term with numpy once, the per-posting numbers every term needs (float32 weights,
delta-coded document numbers, field lengths) are computed for the whole field at once, and
then each term is written as ``PackedPostingsWriter`` and ``W3TermInfo`` would write it:
a short list (fewer than the codec's inline limit) pickled into its term info, a longer one
as blocks of up to ``blocklimit`` postings in the postings file. Whoosh does the same one
posting and one method call at a time; talash segments have ~200 terms per document, most
in one document only, so the per-term work is what this module keeps small.
"""

import sys
import zlib
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from search.codec import PICKLE_PROTOCOL

_TERMINFO = W3TermInfo._struct
_FLUSH_BYTES = 1 << 22  # postings file writes are gathered up to this size
assert sys.byteorder == "little", "packed blocks are written from native little-endian arrays"


def write_field(fw, fmt, post, lengths: dict[int, int], codec):
    """Write the terms and postings of one field (``fw.start_field`` already called)."""
    if not post.terms:
        return
    Field(fw, fmt, post, lengths, codec).write()


class Field:
    """One field's postings sorted by term, with the per-posting numbers as lists."""

    def __init__(self, fw, fmt, post, lengths: dict[int, int], codec):
        self.add = fw._tindex.add
        self.prefix = pack_ushort(fw._fieldid)
        self.postfile = fw._postfile
        self.blocklimit = codec._blocklimit
        self.compression = codec._compression
        # TalashCodec's postings writer inlines lists shorter than this (search.codec).
        self.inline_below = min(codec._inlinelimit, codec._blocklimit)
        self.fixed = fmt.fixed_value_size()
        tnums = np.frombuffer(post.tnums, dtype=np.uint32)
        order = np.argsort(tnums, kind="stable")  # stable: each term's documents in order
        counts = np.bincount(tnums, minlength=len(post.terms))
        self.counts = counts.tolist()
        self.firsts = (np.cumsum(counts) - counts).tolist()
        self.terms = post.terms
        docs = np.frombuffer(post.docs, dtype=np.uint32)[order]
        self.docs = docs.tolist()
        # Deltas from the previous posting; a block's first is rewritten as its own number.
        self.deltas = np.diff(docs, prepend=np.uint32(0)).astype("<u4").tobytes()
        weights = np.frombuffer(post.weights, dtype=np.float64)[order]
        self.weights = weights.tolist()  # as given: block and term maximums use these
        singles = weights.astype(np.float32)  # as the codec stores them
        self.floats = singles.astype(np.float64).tolist()
        self.float_bytes = singles.astype("<f4").tobytes()
        self.values = list(map(post.values.__getitem__, order.tolist()))
        by_doc = np.zeros(max(lengths, default=-1) + 1, dtype=np.int64)
        by_doc[list(lengths)] = list(lengths.values())
        self.lengths = by_doc[docs].tolist() if len(by_doc) else [0] * len(self.docs)
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.offset = self.postfile.tell()

    def write(self):
        terms, firsts, counts = self.terms, self.firsts, self.counts
        add, prefix, inline_below = self.add, self.prefix, self.inline_below
        for number in sorted(range(len(terms)), key=terms.__getitem__):
            term, first, count = terms[number], firsts[number], counts[number]
            key = prefix + (term.encode("utf-8") if isinstance(term, str) else term)
            if count < inline_below:
                add(key, self.inlined(first, first + count))
            else:
                add(key, self.blocks(first, first + count))
        self.flush()

    def inlined(self, s: int, e: int) -> bytes:
        """What ``InliningPostingsWriter.finish_postings`` + ``TalashTermInfo.to_bytes`` make."""
        ids, floats = self.docs[s:e], self.floats[s:e]
        lengths = [n for n in self.lengths[s:e] if n]
        values = [v for v in self.values[s:e] if v]
        if len(values) > 1:
            # Shared value objects would pickle as back-references; Whoosh's writer (one
            # object per posting) writes each in full.
            values = [bytes(bytearray(v)) for v in values]
        head = _TERMINFO.pack(True, sum(floats), e - s,
                              length_to_byte(min(lengths)) if lengths else 0,
                              length_to_byte(max(lengths)) if lengths else 0,
                              max(0, max(self.weights[s:e])), ids[0], ids[-1])
        return head + dumps((tuple(ids), tuple(floats), tuple(values)), PICKLE_PROTOCOL)

    def blocks(self, s: int, e: int) -> bytes:
        """Write the blocks of one term's postings; its term info (``W3TermInfo.to_bytes``)."""
        start = self.offset
        self.put(WHOOSH3_HEADER_MAGIC)
        total, top, lo, hi = 0, 0, None, 0
        for at in range(s, e, self.blocklimit):
            end = min(at + self.blocklimit, e)
            weight, maxweight, minlength, maxlength = self.block(at, end, end == e)
            total += weight
            top = max(top, maxweight)
            if minlength is not None:
                lo = minlength if lo is None else min(lo, minlength)
            hi = max(hi, maxlength)
        head = _TERMINFO.pack(False, total, e - s, 0 if lo is None else length_to_byte(lo),
                              length_to_byte(hi), top, self.docs[s], self.docs[e - 1])
        return head + pack_long(start) + pack_int(self.offset - start)

    def block(self, s: int, e: int, last: bool):
        """Write one block as ``PackedPostingsWriter._write_block`` does; its statistics."""
        floats = self.floats[s:e]
        first = floats[0]
        if floats.count(first) == len(floats):
            mini_weights = None if first == 1.0 else first
        else:
            mini_weights = self.float_bytes[4 * s:4 * e]
        values = [v for v in self.values[s:e] if v]
        if self.fixed is None or self.fixed < 0:
            if len(set(map(id, values))) < len(values):
                values = [bytes(bytearray(v)) for v in values]
            mini_values = tuple(values)
        elif self.fixed == 0:
            mini_values = None
        else:
            mini_values = b"".join(values)
        mini_ids = self.docs[s].to_bytes(4, "little") + self.deltas[4 * s + 4:4 * e]
        data = zlib.compress(dumps((mini_ids, mini_weights, mini_values), PICKLE_PROTOCOL),
                             self.compression)
        lengths = [n for n in self.lengths[s:e] if n]
        minlength = min(lengths) if lengths else None
        maxlength = max(lengths) if lengths else 0
        maxweight = max(0, max(self.weights[s:e]))
        info = dumps((e - s, self.docs[e - 1], maxweight, self.compression,
                      length_to_byte(minlength), length_to_byte(maxlength)), PICKLE_PROTOCOL)
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
        self.postfile.write(b"".join(self.pending))
        self.pending.clear()
        self.pending_size = 0
