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

Blocks and inlined postings are pickled with protocol 3, not Whoosh's 2: protocol 2 pickles
a bytes object as a call to ``codecs.encode`` on a latin-1 text, ~40 bytes more per value and
five times slower to write and to read (packed ids, frequencies and positions are all bytes).
``pickle.loads`` reads either, so Whoosh's readers and older segments need nothing new.

The codec is pickled into each segment: this module path is part of the index format.
"""

import struct
import threading
import zlib
from array import array
from io import BytesIO
from pickle import Pickler, loads
from pickle import load as pickle_load

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.termtable import BulkFieldWriter

_INT = struct.Struct("!i")  # a block's length, as Whoosh writes it

INLINE_LIMIT = 4  # posting lists shorter than this are stored in the term info
PICKLE_PROTOCOL = 3


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


def compress(data: bytes, level: int) -> bytes:
    """zlib at ``level`` with a 4 KB window and a small hash table: a block is at most a few
    KB, and zlib.compress's defaults (32 KB, 128 KB table) cost ten times as long to set up
    for one as to compress it, for the same size. Any zlib reader decompresses it."""
    packer = zlib.compressobj(level, zlib.DEFLATED, 12, 4)
    return packer.compress(data) + packer.flush()


class TalashTermInfo(W3TermInfo):
    """Whoosh's term info, its inlined postings pickled with ``PICKLE_PROTOCOL``."""

    def to_bytes(self):
        if not self.is_inlined():
            return super().to_bytes()
        head = self._struct.pack(
            True, self._weight, self._df,
            0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength), self._maxweight,
            0xFFFFFFFF if self._minid is None else self._minid,
            0xFFFFFFFF if self._maxid is None else self._maxid)
        return head + plain_dumps(self._inlined)


class InliningPostingsWriter(W3PostingsWriter):
    def start_postings(self, format_, terminfo):
        if type(terminfo) is W3TermInfo:
            terminfo = TalashTermInfo()
        super().start_postings(format_, terminfo)

    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class PackedPostingsWriter(InliningPostingsWriter):
    """Blocks whose ids and weights are packed bytes (see the module docstring)."""

    def _mini_ids(self):
        if self._byteids:
            return super()._mini_ids()
        ids = np.frombuffer(self._ids, dtype=np.uint32)
        return np.diff(ids, prepend=np.uint32(0)).astype("<u4").tobytes()

    def _mini_weights(self):
        weights = np.frombuffer(self._weights, dtype=np.float32)
        if (weights == 1.0).all():
            return None
        if (weights == weights[0]).all():
            return float(weights[0])
        return weights.astype("<f4").tobytes()

    def _write_block(self, last=False):
        """Whoosh's ``W3PostingsWriter._write_block``, pickling with ``PICKLE_PROTOCOL``."""
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = plain_dumps((self._mini_ids(), self._mini_weights(), self._mini_values()))
        comp = self._compression
        if comp:
            data = compress(data, comp)
        info = plain_dumps((len(self._ids), self._ids[-1], self._maxweight, comp,
                            length_to_byte(self._minlength), length_to_byte(self._maxlength)))
        size = len(info) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(info)
        self._postfile.write(data)
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
            self._ids = tuple(unpack_ids(ids).tolist())
        else:
            super()._read_ids()

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        weights = self._data[1]
        if isinstance(weights, bytes):
            self._weights = array("f", np.frombuffer(weights, dtype="<f4").tolist())
        else:
            super()._read_weights()


def unpack_ids(packed: bytes) -> np.ndarray:
    """Document numbers of a packed block."""
    return np.cumsum(np.frombuffer(packed, dtype="<u4"), dtype=np.int64)


def unpack_weights(packed, n: int) -> np.ndarray:
    """Weights of a block of ``n`` postings, in any of the forms a block stores them."""
    if packed is None:
        return np.ones(n)
    if isinstance(packed, float):
        return np.full(n, packed)
    if isinstance(packed, bytes):
        return np.frombuffer(packed, dtype="<f4").astype(float)
    return np.asarray(packed, dtype=float)


class TalashCodec(W3Codec):
    def __init__(self, blocklimit=128, compression=3, inlinelimit=INLINE_LIMIT):
        super().__init__(blocklimit, compression, inlinelimit)

    def field_writer(self, storage, segment):
        return BulkFieldWriter(self, storage, segment)  # Whoosh's bytes, written in bulk

    def postings_writer(self, dbfile, byteids=False):
        return PackedPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                    compression=self._compression,
                                    inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, length = terminfo.extent()
        return PackedLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
