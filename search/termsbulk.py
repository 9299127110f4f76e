"""A whole field's term infos and term-table records at once, with numpy (``search.terms``).

``search.terminfo`` encodes one term at a time; a talash segment has ~600,000 terms, and that
Python work per term cost a segment's commit more than Whoosh's table had. Here the same bytes
are made column by column: every record is a row of parts (a varint, a byte, four float32
bytes, a run of bytes from a buffer), each part absent (length 0) where the row has none, and
``assemble`` lays the rows out one after the other. ``tests/test_terms.py`` checks the bytes
against ``search.terminfo``'s and ``tests/test_segments.py`` against Whoosh's per-term path.
"""

import numpy as np

from search.terminfo import FLOATS, INLINED, ONE_DOC, ONE_LENGTH, VALUES

_MAX_VARINT = 10  # bytes of a varint of a uint64


class Varint:
    """A varint per row (``present`` False: none)."""

    def __init__(self, values, present=None):
        v = np.asarray(values, dtype=np.uint64)
        widths = np.ones(len(v), dtype=np.int64)
        for k in range(1, _MAX_VARINT):
            widths += v >= np.uint64(1) << np.uint64(7 * k)
        self.lengths = widths if present is None else np.where(present, widths, 0)
        self.width = int(self.lengths.max(initial=0))
        self.v = v

    def byte(self, k: int) -> np.ndarray:
        low = (self.v >> np.uint64(7 * k)) & np.uint64(127)
        return (low | np.where(self.lengths > k + 1, 128, 0).astype(np.uint64)).astype(np.uint8)


class Fixed:
    """``width`` bytes per row from a (rows, width) uint8 matrix (``present`` False: none)."""

    def __init__(self, matrix: np.ndarray, present=None):
        self.matrix = matrix[:, None] if matrix.ndim == 1 else matrix
        self.width = self.matrix.shape[1]
        full = np.full(len(matrix), self.width, dtype=np.int64)
        self.lengths = full if present is None else np.where(present, full, 0)

    def byte(self, k: int) -> np.ndarray:
        return self.matrix[:, k]


class Run:
    """Per row, ``lengths[i]`` bytes of ``buffer`` from ``starts[i]``."""

    def __init__(self, buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray):
        self.buffer, self.starts = buffer, np.asarray(starts, dtype=np.int64)
        self.lengths = np.asarray(lengths, dtype=np.int64)


def assemble(parts: list, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows' bytes one after the other (uint8) and where each row begins."""
    sizes = np.zeros(rows, dtype=np.int64)
    for part in parts:
        sizes += part.lengths
    starts = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    at = starts.copy()
    for part in parts:
        lengths = part.lengths
        if isinstance(part, Run):  # each run's bytes, moved by (row's place - run's start)
            taken = ranges(part.starts, lengths)
            out[taken + np.repeat(at - part.starts, lengths)] = part.buffer[taken]
        else:
            for k in range(part.width):
                has = lengths > k
                out[at[has] + k] = part.byte(k)[has]
        at += lengths
    return out, starts


def ranges(firsts: np.ndarray, counts: np.ndarray, step: int = 1) -> np.ndarray:
    """``firsts[i], firsts[i] + step, ...`` (``counts[i]`` of them) of every i, in order."""
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(firsts, counts) + within * step


def runs(items: list[bytes]) -> Run:
    """Each bytes object of ``items`` as a row's run."""
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    buffer = np.frombuffer(b"".join(items), dtype=np.uint8)
    return Run(buffer, np.cumsum(lengths) - lengths, lengths)


def whole(weights: np.ndarray) -> np.ndarray:
    """Which weights are stored as varints (``terminfo.whole``)."""
    return (weights >= 0) & (weights == np.floor(weights)) & (weights < 2.0**63)


def _float_bytes(weights: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(weights, dtype="<f4").view(np.uint8).reshape(-1, 4)


def _weight_parts(weights: np.ndarray, floats: np.ndarray, present=None) -> list:
    has = np.ones(len(weights), dtype=bool) if present is None else present
    as_int = np.where(floats | ~has, 0, weights).astype(np.uint64)
    return [Varint(as_int, has & ~floats), Fixed(_float_bytes(weights), has & floats)]


def inlined(counts, docs, singles, values: list[bytes], minbytes, maxbytes):
    """Inlined term infos (``terminfo.encode_inlined``) of terms with ``counts`` postings,
    their postings one term after the other: documents, float32 weights, value bytes (empty:
    none). Returns the infos' bytes and where each begins."""
    n = len(counts)
    firsts = np.cumsum(counts) - counts
    rounds = []  # for each j: the terms with a j-th posting, and where it is (0 where none)
    for j in range(int(counts.max(initial=0))):
        has = counts > j
        rounds.append((has, np.where(has, firsts + j, 0)))
    value_runs = runs(values)
    floats = np.zeros(n, dtype=bool)
    nvalues = np.zeros(n, dtype=np.int64)
    for has, at in rounds:
        floats |= has & ~whole(singles[at].astype(np.float64))
        nvalues += has & (value_runs.lengths[at] > 0)
    same = minbytes == maxbytes
    flags = (INLINED | np.where(floats, FLOATS, 0) | np.where(nvalues > 0, VALUES, 0)
             | np.where(counts == 1, ONE_DOC, 0) | np.where(same, ONE_LENGTH, 0))
    parts = [Fixed(flags.astype(np.uint8)), Varint(counts, counts != 1)]
    gaps = np.diff(docs.astype(np.int64), prepend=0)
    gaps[firsts] = docs[firsts]  # a term's first document is written whole
    parts += [Varint(np.where(has, gaps[at], 0), has) for has, at in rounds]
    for has, at in rounds:
        parts += _weight_parts(singles[at].astype(np.float64), floats, has)
    parts += [Fixed(np.asarray(minbytes, dtype=np.uint8)),
              Fixed(np.asarray(maxbytes, dtype=np.uint8), ~same),
              Varint(nvalues, nvalues > 0)]
    for has, at in rounds:
        size = np.where(has, value_runs.lengths[at], 0)
        parts += [Varint(size, size > 0), Run(value_runs.buffer, value_runs.starts[at], size)]
    return assemble(parts, n)


def extents(df, weight, maxweight, minbytes, maxbytes, minid, maxid, offset, length):
    """Term infos of postings in the postings file (``terminfo.encode_extent``)."""
    weight = np.asarray(weight, dtype=np.float64).astype(np.float32).astype(np.float64)
    maxweight = np.asarray(maxweight, dtype=np.float64).astype(np.float32).astype(np.float64)
    floats = ~(whole(weight) & whole(maxweight))
    parts = [Fixed(np.where(floats, FLOATS, 0).astype(np.uint8)), Varint(df)]
    parts += _weight_parts(weight, floats) + _weight_parts(maxweight, floats)
    parts += [Fixed(np.asarray(minbytes, dtype=np.uint8)),
              Fixed(np.asarray(maxbytes, dtype=np.uint8)),
              Varint(minid), Varint(np.asarray(maxid, dtype=np.int64) - minid),
              Varint(offset), Varint(length)]
    return assemble(parts, len(df))


def infos_run(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int) -> Run:
    """One run per term from ``(term numbers, bytes, starts)`` of each kind of info."""
    buffers, starts, lengths, base = [], np.zeros(n, np.int64), np.zeros(n, np.int64), 0
    for where, data, begins in parts:
        buffers.append(data)
        starts[where] = begins + base
        lengths[where] = np.diff(begins, append=len(data))
        base += len(data)
    return Run(np.concatenate(buffers) if buffers else np.empty(0, np.uint8), starts, lengths)


_SCAN = 24  # key bytes compared with numpy; longer shared beginnings are finished in Python
_CHUNK = 1 << 16


def shared_beginnings(keys: list[bytes], key_runs: Run, cap: int = 255) -> np.ndarray:
    """Bytes each key shares with the key before it (the first: 0), at most ``cap``."""
    n = len(keys)
    shared = np.zeros(n, dtype=np.int64)
    if n < 2:
        return shared
    k = np.arange(_SCAN)
    lengths = key_runs.lengths
    buffer = np.append(key_runs.buffer, np.uint8(0))  # (an index past the end reads this)
    for begin in range(1, n, _CHUNK):  # (n, _SCAN) grids a chunk at a time
        rows = np.arange(begin - 1, min(begin + _CHUNK, n))
        valid = k < lengths[rows, None]
        grid = np.where(valid, buffer[np.minimum(key_runs.starts[rows, None] + k,
                                                 len(buffer) - 1)].astype(np.int16), -1)
        same = (grid[1:] == grid[:-1]) & valid[1:]
        found = np.where(same.all(axis=1), _SCAN, np.argmin(same, axis=1))
        shared[rows[1:]] = np.minimum(found, np.minimum(lengths[rows[1:]], lengths[rows[:-1]]))
    for i in np.flatnonzero(shared == _SCAN).tolist():  # long shared beginnings
        a, b = keys[i - 1], keys[i]
        limit, s = min(len(a), len(b), cap), _SCAN
        while s < limit and a[s] == b[s]:
            s += 1
        shared[i] = s
    return np.minimum(shared, cap)


def records(keys: list[bytes], infos: Run, block: int) -> tuple[np.ndarray, np.ndarray]:
    """A field's records (``search.terms``): the bytes, and where each block begins."""
    key_runs = runs(keys)
    shared = shared_beginnings(keys, key_runs)
    first = np.arange(len(keys)) % block == 0
    shared[first] = 0
    suffix = key_runs.lengths - shared
    parts = [Fixed(shared.astype(np.uint8), ~first), Varint(suffix),
             Run(key_runs.buffer, key_runs.starts + shared, suffix), Varint(infos.lengths),
             infos]
    out, starts = assemble(parts, len(keys))
    return out, starts[first]
