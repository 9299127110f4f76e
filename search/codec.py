"""A Whoosh codec that inlines short posting lists, as Whoosh 2.7's own was meant to.

Whoosh's W3 codec writes every term's postings as a separate compressed, pickled block in
the postings file. Its "inline short lists into the term info" path is unreachable at the
default limit and broken above it (it calls ``set_inline``; the method is ``set_inlined``).
talash's joined-pair and cross-script fields hold many terms that occur in one or a few
documents, so writing those inline saves a block per term at commit. Readers already handle
inlined postings (``W3Codec.postings_reader``).

It also writes each block's document numbers (delta-coded) and weights as packed little-endian
bytes instead of pickled tuples of Python numbers: a block then pickles and unpickles as one
bytes object, and ``search.scoring`` decodes a whole posting list with numpy. Its own matcher
reads both this and Whoosh's tuple form, so older segments stay readable.

Blocks are pickled with protocol 3, not Whoosh's 2: protocol 2 pickles a bytes object as a
call to ``codecs.encode`` on a latin-1 text, ~40 bytes more per value and five times slower to
write and to read (packed ids, frequencies and positions are all bytes). ``pickle.loads``
reads either, so Whoosh's readers and older segments need nothing new. (Inlined postings are
``search.terminfo``'s bytes in the compact term table; an older segment's ``.trm`` has them
pickled, with protocol 3, which Whoosh's term info reads.)

Blocks are written in a compact layout (``BLOCKS`` = 2): no tag at the start of a term's
postings, each block's statistics as one fixed-size struct (``_BLOCK``: 21 bytes where the
pickled tuple and its length took ~31) and its data deflated without zlib's header and
checksum (6 bytes; a block is read whole or not at all). A talash index has ~20 blocks per
document, most of them a term's only one. ``CompactLeafMatcher`` reads them.

Stored fields are deflated with a dictionary per segment (``search.stored``).

The term table is ``search.terms``' compact file (``TERM_TABLE`` = 2), not Whoosh's ``.trm``.

The codec is pickled into each segment: this module path is part of the index format. A
segment written before the compact blocks has a codec without ``blocks`` and is read with
``PackedLeafMatcher``, as it was written; one without ``stored`` has Whoosh's stored column;
one without ``termtable`` has Whoosh's term table, read with Whoosh's reader (talash no longer
writes that table: such a codec refuses to write a segment).
"""

import struct
import threading
import zlib
from array import array
from io import BytesIO
from pickle import Pickler, loads
from pickle import load as pickle_load

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.stored import DictionaryPerDocReader, DictionaryPerDocWriter
from search.terms import EXT as TERMS_EXT
from search.terms import CompactFieldWriter
from search.termsreader import TermTable

_INT = struct.Struct("!i")  # a block's length, as Whoosh writes it

INLINE_LIMIT = 4  # posting lists shorter than this are stored in the term info
PICKLE_PROTOCOL = 3
BLOCKS = 2  # the block layout new segments are written in (1: Whoosh's tag and pickles)
STORED_DICTIONARY = 2  # stored fields as search.stored writes them (1: Whoosh's column)
TERM_TABLE = 2  # the term table search.terms writes (1: Whoosh's .trm)
# A compact block's head: the length of its data (negative for a term's last block), its
# postings, last document, largest weight, compression level, shortest and longest length
# (as length bytes).
_BLOCK = struct.Struct("<iHIdBBB")
# Postings per block in fields without positions. Whoosh cuts a list into blocks of 128 so
# a matcher can skip what it does not need; talash reads such a list whole (scoring, the
# cross-script and pair lookups), so it is written as one block a segment (up to the
# head's 16-bit count): one head and one deflate stream, not hundreds, and one decode.
# At 100,000 documents the segments shrank 437 -> 411 MB. Title and body keep 128: phrases
# read their positions for a few documents.
LONG_BLOCKS = 2**16 - 1


_local = threading.local()


def plain_dumps(obj, protocol: int = PICKLE_PROTOCOL) -> bytes:
    """``pickle.dumps(obj, protocol)`` without memo opcodes: a pickle notes every tuple and
    bytes object it writes (two bytes each) in case it meets it again, which postings never
    need (the same value met again is written in full, as Whoosh's writer does); a fifth of
    an inlined posting list was these notes. ``pickle.loads`` reads it as any pickle. One
    ``Pickler`` per thread and protocol, reused (making one costs more than the pickling)."""
    picklers = getattr(_local, "picklers", None)
    if picklers is None:
        picklers = _local.picklers = {}
    found = picklers.get(protocol)
    if found is None:
        buffer = BytesIO()
        pickler = Pickler(buffer, protocol)
        pickler.fast = True  # no memo
        found = picklers[protocol] = (pickler, buffer)
    pickler, buffer = found
    pickler.dump(obj)
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


def compress_raw(data: bytes, level: int) -> bytes:
    """Deflate at ``level`` with a 4 KB window and a small hash table: a block is at most a
    few KB, and zlib.compress's defaults (32 KB, 128 KB table) cost ten times as long to set
    up for one as to compress it, for the same size. No zlib header and checksum (6 bytes of
    a block's ~100): ``zlib.decompress(data, -15)`` reads it."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -12, 4)
    return packer.compress(data) + packer.flush()


def block_bytes(data: bytes, last: bool, count: int, lastdoc: int, maxweight: float,
                level: int, minbyte: int, maxbyte: int) -> bytes:
    """A compact block: its head, then its (pickled) data, deflated at ``level`` (0: as it
    is)."""
    if level:
        data = compress_raw(data, level)
    return _BLOCK.pack(-len(data) if last else len(data), count, lastdoc, maxweight, level,
                       minbyte, maxbyte) + data


class InliningPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer that leaves a list shorter than the inline limit in its term
    info (``search.terminfo`` encodes it there)."""

    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class PackedPostingsWriter(InliningPostingsWriter):
    """Blocks whose ids and weights are packed bytes (see the module docstring); lists of
    fields without positions in blocks of ``LONG_BLOCKS``."""

    def __init__(self, dbfile, blocklimit=128, long_blocks=LONG_BLOCKS, **kwargs):
        super().__init__(dbfile, blocklimit=blocklimit, **kwargs)
        self._positions_blocklimit, self._long_blocks = blocklimit, long_blocks

    def start_postings(self, format_, terminfo):
        self._blocklimit = (self._positions_blocklimit if format_.supports("positions")
                            else self._long_blocks)
        super().start_postings(format_, terminfo)

    def _mini_ids(self):
        if self._byteids:
            return super()._mini_ids()
        return pack_ids(np.frombuffer(self._ids, dtype=np.uint32))

    def _mini_weights(self):
        return pack_weights(np.frombuffer(self._weights, dtype=np.float32))

    def _write_block(self, last=False):
        """Whoosh's ``W3PostingsWriter._write_block``: a compact block (``block_bytes``)."""
        self._terminfo.add_block(self)
        data = plain_dumps((self._mini_ids(), self._mini_weights(), self._mini_values()))
        self._postfile.write(block_bytes(
            data, last, len(self._ids), self._ids[-1], self._maxweight, self._compression,
            length_to_byte(self._minlength), length_to_byte(self._maxlength)))
        self._blockcount += 1
        self._new_block()


class PackedLeafMatcher(W3LeafMatcher):
    """Reads packed blocks, and Whoosh's own."""

    def _goto(self, position):
        # Whoosh reads a block's length and header through the file object (seek, read_int,
        # pickle.load: several Python-level reads each, over a mapped segment); one
        # positioned slice of the block does it, and its data is then taken from the slice.
        postfile = self._postfile
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        length = _INT.unpack(postfile.get(position, _INT.size))[0]
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + _INT.size + length
        block = BytesIO(postfile.get(position + _INT.size, length))
        info = pickle_load(block)
        self._block = block  # its data follows the header: _read_data reads the rest
        (self._blocklength, self._maxid, self._maxweight, self._compression, mnlen,
         mxlen) = info
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def _read_data(self):
        raw = self._block.read()
        self._data = loads(zlib.decompress(raw) if self._compression else raw)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        if isinstance(ids, bytes) and not self._byteids:
            self._ids = tuple(unpack_ids(ids, self._blocklength).tolist())
        else:
            super()._read_ids()

    def _read_values(self):
        if self._fixedsize == 0:  # fields.Counts: empty values, as bytes (a merge writes them)
            self._values = (b"",) * self._blocklength
        else:
            super()._read_values()

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        weights = self._data[1]
        if isinstance(weights, bytes):
            self._weights = array("f", unpack_weights(weights, self._blocklength).tolist())
        else:
            super()._read_weights()


class CompactLeafMatcher(PackedLeafMatcher):
    """Reads compact blocks (``block_bytes``)."""

    def _read_header(self):
        self._baseoffset = self._startoffset  # no tag before the first block

    def _goto(self, position):
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        (length, self._blocklength, self._maxid, self._maxweight, self._compression, mnlen,
         mxlen) = _BLOCK.unpack(self._postfile.get(position, _BLOCK.size))
        if length < 0:
            self._lastblock = True
            length = -length
        self._datastart = position + _BLOCK.size
        self._nextoffset = self._datastart + length
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def _read_data(self):
        raw = self._postfile.get(self._datastart, self._nextoffset - self._datastart)
        self._data = loads(zlib.decompress(raw, -15) if self._compression else raw)


def pack_ids(ids: np.ndarray) -> bytes:
    """A block's document numbers (uint32, ascending): the first as four bytes, then the
    gaps, all in the narrowest width (1, 2 or 4 bytes) that holds the largest (blocks written
    before the narrow gaps had 4 always); ``unpack_ids`` tells the width from the length."""
    gaps = np.diff(ids)
    return ids[:1].astype("<u4").tobytes() + gaps.astype(_width(gaps.max(initial=0))).tobytes()


def _width(top: int) -> str:
    return "<u1" if top < 2**8 else "<u2" if top < 2**16 else "<u4"


def unpack_ids(packed: bytes, n: int) -> np.ndarray:
    """Document numbers of a packed block of ``n`` postings (``pack_ids``)."""
    if len(packed) == 4 * n:
        return np.cumsum(np.frombuffer(packed, dtype="<u4"), dtype=np.int64)
    ids = np.empty(n, dtype=np.int64)
    ids[0] = int.from_bytes(packed[:4], "little")
    ids[1:] = np.frombuffer(packed, dtype=f"<u{(len(packed) - 4) // (n - 1)}", offset=4)
    return np.cumsum(ids, out=ids)


def pack_weights(weights: np.ndarray):
    """A block's weights (float32): None if all 1, one float if all the same, else a byte
    each if all are counts under 256 (most are), else four (float32)."""
    first = weights[0]
    if (weights == first).all():
        return None if first == 1.0 else float(first)
    if (weights == np.round(weights)).all() and 0 <= weights.min() and weights.max() < 256:
        return weights.astype(np.uint8).tobytes()
    return weights.astype("<f4").tobytes()


def unpack_weights(packed, n: int) -> np.ndarray:
    """Weights of a block of ``n`` postings, in any of the forms a block stores them."""
    if packed is None:
        return np.ones(n)
    if isinstance(packed, float):
        return np.full(n, packed)
    if isinstance(packed, bytes):  # a byte each (counts) or four (float32)
        return np.frombuffer(packed, dtype="<u1" if len(packed) == n else "<f4").astype(float)
    return np.asarray(packed, dtype=float)


def long_blocks(codec) -> int:
    """Postings per block a segment of ``codec`` has in its lists without positions: a codec
    pickled before ``LONG_BLOCKS`` (or Whoosh's own) cut them as all others."""
    return getattr(codec, "long_blocks", None) or codec._blocklimit


def whoosh_term_table(codec) -> bool:
    """Whether a segment of ``codec`` has Whoosh's term table (``.trm``): a codec pickled
    before ``TERM_TABLE`` (only one read from an old segment lacks it)."""
    return getattr(codec, "termtable", 1) < TERM_TABLE


class TalashCodec(W3Codec):
    def __init__(self, blocklimit=128, compression=3, inlinelimit=INLINE_LIMIT):
        if not 0 < blocklimit < 2**16:
            raise ValueError("a block holds 1 to 65,535 postings")
        super().__init__(blocklimit, compression, inlinelimit)
        # Pickled with each segment: how its blocks and stored fields are to be read.
        self.blocks = BLOCKS
        self.stored = STORED_DICTIONARY
        self.termtable = TERM_TABLE
        self.long_blocks = LONG_BLOCKS  # lists without positions: postings per block

    def per_document_writer(self, storage, segment):
        return DictionaryPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        if getattr(self, "stored", 1) >= STORED_DICTIONARY:
            return DictionaryPerDocReader(storage, segment)
        return super().per_document_reader(storage, segment)  # Whoosh's _stored column

    def new_segment(self, storage, indexname):
        if whoosh_term_table(self):  # new segments take a new codec
            raise ValueError("this codec is a segment's with Whoosh's term table, which talash "
                             "no longer writes: write new segments with TalashCodec()")
        return super().new_segment(storage, indexname)

    def field_writer(self, storage, segment):
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        if whoosh_term_table(self):
            return super().terms_reader(storage, segment)
        return TermTable(self, segment.open_file(storage, TERMS_EXT),
                         segment.open_file(storage, self.POSTS_EXT))

    def postings_writer(self, dbfile, byteids=False):
        return PackedPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                    compression=self._compression,
                                    inlinelimit=self._inlinelimit,
                                    long_blocks=long_blocks(self))

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            m = super().postings_reader(dbfile, terminfo, format_, term, scorer)
            if format_.fixed_value_size() == 0 and not m._values:
                # Whoosh's ListMatcher gives "" (text) for no values, which a merge refuses.
                m._values = (b"",) * len(m._ids)
            return m
        offset, length = terminfo.extent()
        # A segment from before the compact blocks has a codec without ``blocks``.
        matcher = CompactLeafMatcher if getattr(self, "blocks", 1) >= 2 else PackedLeafMatcher
        return matcher(dbfile, offset, length, format_, term=term, scorer=scorer)
