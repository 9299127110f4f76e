"""Encoding one field's postings at commit, for ``search.segments``: TalashCodec's bytes in bulk.

The postings of a field arrive as flat arrays (``segments.FieldPostings``). Here they are
sorted by term with numpy once, and every statistic the codec stores per term and per block
(weight sums and maxima, shortest and longest field lengths, first and last documents) is
computed for all terms at once; what is left per block is its pickle and compression, and the
term infos are encoded together (``search.termsbulk``). The bytes are those
``PackedPostingsWriter`` and ``search.terminfo`` write one posting and one term at a time (a
merge's path): a short list (fewer than the codec's inline limit) in its term info, a longer
one as compact blocks (``codec.block_bytes``) of up to ``blocklimit`` postings in the postings
file; the infos go into ``search.terms``' table. talash segments have ~200 new terms per
document, most in one document only, so the per-term work is what this module keeps small.
"""

import sys

import numpy as np
from whoosh.util.numeric import _length_byte_cache, length_to_byte

from search import termsbulk
from search.codec import block_bytes, long_blocks, plain_dumps

_FLUSH_BYTES = 1 << 22  # postings file writes are gathered up to this size
_LENGTHS = np.asarray(_length_byte_cache, dtype=np.int64)
_BIG = np.iinfo(np.int64).max
assert sys.byteorder == "little", "packed blocks are written from native little-endian arrays"


def write_field(fw, fmt, post, lengths: dict[int, int], codec):
    """Write the terms and postings of one field (``fw``: a ``terms.CompactFieldWriter``,
    its ``start_field`` already called)."""
    if post.terms:
        Field(fw, fmt, post, lengths, codec).write()


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """``whoosh.util.numeric.length_to_byte`` of each length."""
    return np.minimum(np.searchsorted(_LENGTHS, lengths, side="left"), 255)


class Field:
    """One field's postings sorted by term, as arrays (no Python object per posting but the
    values the writer already holds)."""

    def __init__(self, fw, fmt, post, lengths: dict[int, int], codec):
        self.fw = fw
        self.blocklimit = codec._blocklimit if fmt.supports("positions") else long_blocks(codec)
        self.compression = codec._compression
        # TalashCodec's postings writer inlines lists shorter than this (search.codec): one
        # that never filled a block (it writes one when a posting past the limit arrives).
        self.inline_below = min(codec._inlinelimit, self.blocklimit + 1)
        self.fixed = fmt.fixed_value_size()
        tnums = np.frombuffer(post.tnums, dtype=np.uint32)
        order = np.argsort(tnums, kind="stable")  # stable: each term's documents in order
        counts = np.bincount(tnums, minlength=len(post.terms))
        firsts = np.cumsum(counts) - counts
        terms = post.terms
        numbers = sorted(range(len(terms)), key=terms.__getitem__)  # in the table's order
        self.keys = [terms[n] for n in numbers]
        self.firsts, self.counts = firsts[numbers], counts[numbers]
        self.docs = np.frombuffer(post.docs, dtype=np.uint32)[order]
        self.weights = np.frombuffer(post.weights, dtype=np.float64)[order]  # as given
        self.singles = self.weights.astype(np.float32)  # as the codec stores them
        self.values = np.asarray(post.values, dtype=object)[order]
        by_doc = np.zeros(max(lengths, default=-1) + 2, dtype=np.int64)
        by_doc[list(lengths)] = list(lengths.values())
        self.lengths = by_doc[np.minimum(self.docs, len(by_doc) - 1)]  # 0: no length
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.offset = fw._postfile.tell()

    def write(self):
        """The postings file's blocks, then the term table's keys and infos."""
        counts, firsts = self.counts, self.firsts
        short = counts < self.inline_below
        long_ = np.flatnonzero(~short)
        parts = [(np.flatnonzero(short), *self.inlined(firsts[short], counts[short])),
                 (long_, *self.blocks(firsts[long_], counts[long_]))]
        self.flush()
        self.fw.add_field([k.encode("utf-8") if isinstance(k, str) else k for k in self.keys],
                          termsbulk.infos_run(parts, len(self.keys)))

    def inlined(self, firsts: np.ndarray, counts: np.ndarray) -> tuple:
        """Term infos of short lists, as ``InliningPostingsWriter.finish_postings`` then
        ``terminfo.encode_terminfo`` make them: their bytes and where each begins. (The
        weight sum, largest weight, first and last document of such a list are not stored:
        a reader has its postings.)"""
        n = len(firsts)
        shortest, longest = np.full(n, _BIG), np.zeros(n, dtype=np.int64)
        for j in range(int(counts.max(initial=0))):
            has = counts > j
            length = self.lengths[np.where(has, firsts + j, firsts)] * has
            shortest = np.minimum(shortest, np.where(length > 0, length, _BIG))
            longest = np.maximum(longest, length)
        minbytes = np.where(shortest == _BIG, 0, length_bytes(shortest)).astype(np.uint8)
        at = termsbulk.ranges(firsts, counts)  # these postings, one term after the other
        return termsbulk.inlined(counts, self.docs[at], self.singles[at],
                                 self.values[at].tolist(), minbytes,
                                 length_bytes(longest).astype(np.uint8))

    def blocks(self, firsts: np.ndarray, counts: np.ndarray) -> tuple:
        """Write the blocks of long lists (``PackedPostingsWriter``); their term infos' bytes
        and where each begins."""
        if not len(firsts):  # every list inlined: nothing for the postings file
            return np.empty(0, np.uint8), np.empty(0, np.int64)
        limit = self.blocklimit
        per_term = (counts + limit - 1) // limit
        term_of = np.repeat(np.arange(len(firsts)), per_term)
        starts = termsbulk.ranges(firsts, per_term, limit)
        ends = np.minimum(starts + limit, (firsts + counts)[term_of])
        stats = _BlockStats(self, starts, ends)
        # Every posting's gap from the one before, in each width a block takes
        # (codec.pack_ids picks one per block); weights a byte each (counts) and as float32
        # (codec.pack_weights).
        gaps = np.diff(self.docs, prepend=np.uint32(0))
        deltas = {w: gaps.astype(f"<u{w}").tobytes() for w in set(stats.width)}
        single_bytes = self.singles.astype("<f4").tobytes()
        count_bytes = self.singles.astype(np.uint8).tobytes()
        values, fixed, level = self.values, self.fixed, self.compression
        out, blocks_left = [], 0
        for b, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            if not blocks_left:  # a term's first block
                term_start, blocks_left = self.offset, int(per_term[term_of[b]])
                total, top, lo, hi = 0, 0, None, 0
            blocks_left -= 1
            weight, maxweight, minlength, maxlength = stats.of(b)
            if stats.same[b]:
                mini_weights = None if stats.first[b] == 1.0 else stats.first[b]
            elif stats.counts[b]:
                mini_weights = count_bytes[s:e]
            else:
                mini_weights = single_bytes[4 * s:4 * e]
            vals = values[s:e]
            if fixed is None or fixed < 0:
                mini_values = tuple(v for v in vals if v)
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(vals)
            # Delta-coded ids; a block's first is its own number.
            w = stats.width[b]
            mini_ids = stats.firstdoc[b].to_bytes(4, "little") + deltas[w][w * (s + 1):w * e]
            self.put(block_bytes(plain_dumps((mini_ids, mini_weights, mini_values)),
                                 not blocks_left, e - s, stats.lastdoc[b], maxweight, level,
                                 stats.minbyte[b], stats.maxbyte[b]))
            total += weight
            top = max(top, maxweight)
            if minlength is not None:
                lo = minlength if lo is None else min(lo, minlength)
            hi = max(hi, maxlength)
            if not blocks_left:  # the term just written: its info, encoded at the end
                out.append((total, top, 0 if lo is None else length_to_byte(lo),
                            length_to_byte(hi), stats.lastdoc[b], term_start,
                            self.offset - term_start))
        total, top, lo, hi, last, start, length = (np.array(c) for c in zip(*out, strict=True))
        return termsbulk.extents(counts, total, top, lo, hi, self.docs[firsts], last, start,
                                 length)

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


class _BlockStats:
    """Per block: weight sum and maximum, shortest and longest length (and their bytes),
    first and last document, whether all weights are equal: all blocks at once."""

    def __init__(self, field: Field, starts: np.ndarray, ends: np.ndarray):
        n = len(starts)
        # Reduced in postings order (the gaps between blocks then add up to one pass), and
        # put back in the blocks' order.
        by_start = np.argsort(starts, kind="stable")
        back = np.empty(n, dtype=np.int64)
        back[by_start] = np.arange(n)
        bounds = np.empty(2 * n, dtype=np.int64)
        bounds[0::2], bounds[1::2] = starts[by_start], ends[by_start]

        def reduce(ufunc, values):  # over each block (a sentinel keeps an end in range)
            return ufunc.reduceat(np.append(values, values[:1]), bounds)[0::2][back]

        singles = field.singles
        self.first = singles[starts].tolist()
        low, high = reduce(np.minimum, singles), reduce(np.maximum, singles)
        self.same = (low == high).tolist()
        fractions = reduce(np.maximum, (singles != np.round(singles)).astype(np.uint8))
        self.counts = ((fractions == 0) & (low >= 0) & (high < 256)).tolist()  # a byte each
        gaps = np.diff(field.docs.astype(np.int64), prepend=0)
        gaps[starts] = 0  # a block's first number is written whole
        widest = reduce(np.maximum, gaps)
        self.width = np.where(widest < 2**8, 1, np.where(widest < 2**16, 2, 4)).tolist()
        exact = bool(np.all(singles == np.floor(singles)))
        # Whole numbers (frequencies) sum exactly in any order; others as Python's sum().
        self.sums = (reduce(np.add, singles.astype(np.float64)).tolist() if exact else
                     [sum(singles[s:e].tolist()) for s, e in zip(starts.tolist(),
                                                                   ends.tolist(), strict=True)])
        self.tops = reduce(np.maximum, field.weights).tolist()
        lengths = field.lengths
        shortest = reduce(np.minimum, np.where(lengths > 0, lengths, _BIG))
        longest = reduce(np.maximum, lengths)
        self.shortest = np.where(shortest == _BIG, -1, shortest).tolist()
        self.longest = longest.tolist()
        self.minbyte = np.where(shortest == _BIG, 0, length_bytes(shortest)).tolist()
        self.maxbyte = length_bytes(longest).tolist()
        self.firstdoc = field.docs[starts].tolist()
        self.lastdoc = field.docs[ends - 1].tolist()

    def of(self, b: int):
        """``(weight sum, max weight, shortest length or None, longest length)``."""
        top = self.tops[b]
        shortest = self.shortest[b]
        return (self.sums[b], top if top > 0 else 0, None if shortest < 0 else shortest,
                self.longest[b])

