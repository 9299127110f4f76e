"""Sorted lists of document numbers, and small counts, in few bytes (for ``search.frequent``).

Document numbers: each list as the gaps between its numbers (the first from 0), all in the
width of 1, 2 or 4 bytes that costs the list least, counting the gaps too wide for it, which
are listed apart (their place in the list and the part of the gap above the width). A list
decodes with one ``cumsum``. Counts (term frequencies): four bits each, 15 meaning "listed
apart" (where, and the count).
"""

import numpy as np

EXCEPTION_BYTES = 8  # a gap or count listed apart: two uint32
_WIDTHS = np.array([1, 2, 4])
_DTYPES = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
_NIBBLE = 15  # the largest count a nibble holds; it says "listed apart"
_PAIRS = np.array([(b & 0xF) | (b >> 4) << 8 for b in range(256)], dtype="<u2")


def encode_gaps(ids: np.ndarray, sizes: np.ndarray):
    """Lists of document numbers (uint32, ascending each, one after the other, ``sizes``
    long) as gaps. Returns the gap bytes, the exceptions (uint32, rows: places in their list,
    high parts) and per list: its byte offset, width, first and end exception."""
    n = len(sizes)
    starts = np.cumsum(sizes) - sizes
    gaps = np.diff(ids.astype(np.int64), prepend=0)
    firsts = starts[sizes > 0]
    gaps[firsts] = ids[firsts]
    owner = np.repeat(np.arange(n, dtype=np.int32), sizes)  # each posting's list
    over = [np.bincount(owner[gaps >= 1 << 8 * w], minlength=n) for w in (1, 2)]
    cost = np.stack([sizes + EXCEPTION_BYTES * over[0], 2 * sizes + EXCEPTION_BYTES * over[1],
                     4 * sizes])
    width = _WIDTHS[cost.argmin(axis=0)]  # the narrowest of equal costs
    nbytes = width * sizes
    offsets = np.cumsum(nbytes) - nbytes
    out = np.empty(int(nbytes.sum()), np.uint8)
    for s, c, o, w in zip(starts.tolist(), sizes.tolist(), offsets.tolist(), width.tolist(),
                          strict=True):
        low = gaps[s:s + c] & ((1 << 8 * w) - 1)
        out[o:o + w * c] = low.astype(_DTYPES[w]).view(np.uint8)
    shift = np.repeat((8 * width).astype(np.uint8), sizes)
    wide = np.flatnonzero(gaps >> shift)
    high = np.stack([wide - starts[owner[wide]], gaps[wide] >> shift[wide]]).astype(np.uint32)
    per = np.bincount(owner[wide], minlength=n)
    ends = np.cumsum(per)
    return out, high, np.stack([offsets, width, ends - per, ends], axis=1)


def decode_gaps(gaps: np.ndarray, high: np.ndarray, count: int, offset: int, width: int,
                first: int, end: int) -> np.ndarray:
    """One list of ``encode_gaps`` as int64 document numbers (a new array)."""
    ids = gaps[offset:offset + width * count].view(_DTYPES[width]).astype(np.int64)
    if end > first:
        places, part = high[:, first:end]
        ids[places] += part.astype(np.int64) << 8 * width
    return np.cumsum(ids, out=ids)


def pack_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole counts (0 or more) as nibbles, two a byte (the first in the low half), and the
    counts of 15 or more listed apart (uint32, rows: places, counts)."""
    codes = np.minimum(counts, _NIBBLE).astype(np.uint8)
    if len(codes) % 2:
        codes = np.append(codes, np.uint8(0))
    big = np.flatnonzero(counts >= _NIBBLE)
    return codes[0::2] | codes[1::2] << 4, np.stack([big, counts[big]]).astype(np.uint32)


class PackedCounts:
    """Counts packed by ``pack_counts``; sliced as the array they were (``[start:stop]``)."""

    def __init__(self, packed: np.ndarray, big: np.ndarray):
        self.packed, self.places, self.counts = packed, big[0], big[1]
        self.dtype = np.dtype(np.uint8 if not len(self.counts) or self.counts.max() < 256
                              else np.uint16)

    def __getitem__(self, span: slice) -> np.ndarray:
        start, stop = span.start, span.stop
        # Searched in the places' own type: other numbers would convert every place first.
        lo, hi = self.places.searchsorted(np.array((start, stop), self.places.dtype)).tolist()
        return self.unpack(start, stop, lo, hi)

    def big_between(self, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        """For each ``starts[i]:stops[i]``, the first and end place of its big counts."""
        return np.stack([self.places.searchsorted(starts.astype(self.places.dtype)),
                         self.places.searchsorted(stops.astype(self.places.dtype))], axis=1)

    def unpack(self, start: int, stop: int, lo: int, hi: int) -> np.ndarray:
        """The counts ``[start:stop]``, whose big ones are ``lo:hi`` of those listed apart."""
        # Each byte's two counts at once: as a little-endian uint16 (low nibble, high nibble).
        both = _PAIRS.take(self.packed[start >> 1:(stop + 1) >> 1]).view(np.uint8)
        counts = both[start & 1:(start & 1) + stop - start]
        if self.dtype != both.dtype:
            counts = counts.astype(self.dtype)
        if hi > lo:
            counts[self.places[lo:hi] - start] = self.counts[lo:hi]
        return counts
