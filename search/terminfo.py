"""A term's statistics and short posting lists in a few bytes, for ``search.terms``.

Whoosh's W3 term info is a fixed 27-byte head (flags, weight, document frequency, shortest and
longest length as bytes, largest weight, first and last document) followed by either the
postings' place in the postings file (12 bytes) or the postings themselves, pickled. Most
talash terms (joined pairs, cross-script keys) occur in one or two documents, and most of a
W3 info is then numbers that are small or that follow from the postings. Here an info is:

    flags          one byte (below)
    inlined:       [document count, if not one] the documents (the first, then gaps), their
                   weights, one length byte (or two when the shortest and longest differ),
                   [the number of values, then each value's length and bytes]
    not inlined:   document count, weight sum, largest weight, the two length bytes, first
                   document, last minus first, postings offset and length

Numbers are varints (7 bits a byte, low bits first); a weight is a varint when it is a whole
number (counts, the usual case) and a little-endian float32 otherwise (flag ``FLOATS``).
An inlined term's weight sum, largest weight, first and last document are those of its
postings, as Whoosh computes them, so they are not stored. ``decode`` gives back a
``W3TermInfo`` equal to the one Whoosh would read from its own bytes.
"""

import struct

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.util.numeric import byte_to_length, length_to_byte

INLINED, FLOATS, VALUES, ONE_DOC, ONE_LENGTH = 1, 2, 4, 8, 16
_F32 = struct.Struct("<f")
_SMALL = [bytes([i]) for i in range(128)]


def varint(n: int) -> bytes:
    """``n`` as a varint (7 bits a byte, low bits first, the high bit on all but the last)."""
    return _SMALL[n] if n < 128 else varint_gaps((n,))


def varint_gaps(numbers) -> bytes:
    """The gaps between increasing ``numbers`` (the first from 0) as varints (document
    numbers here, positions in ``search.fields``)."""
    out = bytearray()
    last = 0
    for n in numbers:
        gap, last = n - last, n
        while gap >= 128:
            out.append(gap & 127 | 128)
            gap >>= 7
        out.append(gap)
    return bytes(out)


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    b = data[pos]
    if b < 128:
        return b, pos + 1
    n, shift = b & 127, 7
    while True:
        pos += 1
        b = data[pos]
        n |= (b & 127) << shift
        if b < 128:
            return n, pos + 1
        shift += 7


def as_float32(x: float) -> float:
    """``x`` as a float32 gives it back (how W3 stores weights)."""
    return _F32.unpack(_F32.pack(x))[0]


def _whole(values) -> bool:
    """Weights stored as varints: whole, not negative, under 2**63 (``termsbulk.whole``)."""
    return all(0 <= v < 2.0**63 and v == int(v) for v in values)


def _weights(values, floats: bool) -> bytes:
    if floats:
        return b"".join(map(_F32.pack, values))
    return b"".join(varint(int(v)) for v in values)


def encode_inlined(ids, weights, values, minbyte: int, maxbyte: int) -> bytes:
    """An inlined term: its postings (document numbers ascending, float32 weights, value
    bytes) and the length bytes of its shortest and longest document."""
    df = len(ids)
    floats = not _whole(weights)
    flags = INLINED | (FLOATS if floats else 0) | (VALUES if values else 0)
    flags |= (ONE_DOC if df == 1 else 0) | (ONE_LENGTH if minbyte == maxbyte else 0)
    parts = [_SMALL[flags]]
    if df != 1:
        parts.append(varint(df))
    parts.append(varint_gaps(ids))
    parts.append(_weights(weights, floats))
    parts.append(bytes((minbyte,)) if minbyte == maxbyte else bytes((minbyte, maxbyte)))
    if values:
        parts.append(varint(len(values)))
        for value in values:
            parts.append(varint(len(value)))
            parts.append(value)
    return b"".join(parts)


def encode_extent(df: int, weight: float, maxweight: float, minbyte: int, maxbyte: int,
                  minid: int, maxid: int, offset: int, length: int) -> bytes:
    """A term whose postings are in the postings file at ``offset`` (``length`` bytes)."""
    weight, maxweight = as_float32(weight), as_float32(maxweight)
    floats = not _whole((weight, maxweight))
    return b"".join((
        _SMALL[FLOATS if floats else 0], varint(df), _weights((weight, maxweight), floats),
        bytes((minbyte, maxbyte)), varint(minid), varint(maxid - minid), varint(offset),
        varint(length)))


def encode_terminfo(info: W3TermInfo) -> bytes:
    """The bytes of a term info Whoosh's postings writer made (merges, the per-term path)."""
    minbyte = 0 if info._minlength is None else length_to_byte(info._minlength)
    maxbyte = length_to_byte(info._maxlength)
    if info.is_inlined():
        ids, weights, values = info._inlined
        return encode_inlined(ids, weights, values, minbyte, maxbyte)
    if info._minid is None:
        raise ValueError("a term with postings in the file has a first document")
    return encode_extent(info._df, info._weight, info._maxweight, minbyte, maxbyte,
                         info._minid, info._maxid, info._offset, info._length)


def doc_frequency(data: bytes, pos: int) -> int:
    flags = data[pos]
    if flags & ONE_DOC:
        return 1
    return read_varint(data, pos + 1)[0]


def decode(data: bytes, pos: int) -> W3TermInfo:
    """The term info encoded at ``pos`` of ``data``."""
    info = W3TermInfo.__new__(W3TermInfo)
    flags = data[pos]
    pos += 1
    floats = flags & FLOATS
    if not flags & INLINED:
        info._df, pos = read_varint(data, pos)
        if floats:
            info._weight, info._maxweight = struct.unpack_from("<ff", data, pos)
            pos += 8
        else:
            weight, pos = read_varint(data, pos)
            maxweight, pos = read_varint(data, pos)
            info._weight, info._maxweight = float(weight), float(maxweight)
        info._minlength = byte_to_length(data[pos])
        info._maxlength = byte_to_length(data[pos + 1])
        info._minid, pos = read_varint(data, pos + 2)
        gap, pos = read_varint(data, pos)
        info._maxid = info._minid + gap
        info._offset, pos = read_varint(data, pos)
        info._length = read_varint(data, pos)[0]
        info._inlined = None
        return info
    if flags & ONE_DOC:
        df = 1
    else:
        df, pos = read_varint(data, pos)
    ids, last = [], 0
    for _ in range(df):
        gap, pos = read_varint(data, pos)
        last += gap
        ids.append(last)
    if floats:
        weights = struct.unpack_from(f"<{df}f", data, pos)
        pos += 4 * df
    else:
        weights = []
        for _ in range(df):
            w, pos = read_varint(data, pos)
            weights.append(float(w))
        weights = tuple(weights)
    minbyte = data[pos]
    maxbyte = minbyte if flags & ONE_LENGTH else data[pos + 1]
    pos += 1 if flags & ONE_LENGTH else 2
    values = ()
    if flags & VALUES:
        count, pos = read_varint(data, pos)
        found = []
        for _ in range(count):
            size, pos = read_varint(data, pos)
            found.append(bytes(data[pos:pos + size]))
            pos += size
        values = tuple(found)
    info._df = df
    info._weight = as_float32(sum(weights))  # in order, as Whoosh's add_block sums them
    info._maxweight = as_float32(max(0.0, *weights)) if weights else 0.0
    info._minlength, info._maxlength = byte_to_length(minbyte), byte_to_length(maxbyte)
    info._minid = ids[0] if ids else None
    info._maxid = ids[-1] if ids else None
    info._offset = info._length = None
    info._inlined = (tuple(ids), weights, values)
    return info

