"""Writing a segment's term table (the ``.trm`` file) with the same bytes as Whoosh, in bulk.

The term table is Whoosh's ``OrderedHashWriter`` file: every term's key and term info as a
record, then 256 hash tables of (hash, position) slots, a directory, and the sorted positions.
Whoosh writes each record with four calls, hashes each key through an MD5 hex string and
fills the slot tables one Python tuple at a time; a talash segment has ~200 new terms per
document (joined pairs, cross-script keys), so that was a tenth of a build. ``BulkHashWriter``
writes records a batch at a time, takes the hash from the digest's bytes and packs each slot
table with numpy. ``tests/test_segments.py`` checks the files are byte for byte Whoosh's.
"""

from array import array
from hashlib import md5
from itertools import accumulate

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.filedb.filetables import OrderedHashWriter, _lengths

_BATCH = 4096
_SLOT = np.dtype([("hash", ">u4"), ("pos", ">i8")])  # Whoosh's "!Iq" slot, unpadded


def md5_low32(key: bytes) -> int:
    """Whoosh's ``md5_hash``: the digest's last four bytes, read big-endian."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


class BulkHashWriter(OrderedHashWriter):
    """An ``OrderedHashWriter`` (MD5 hashing, keys added in increasing order) that writes the
    same file with less work per key."""

    def __init__(self, dbfile):
        super().__init__(dbfile)
        self._keys: list[bytes] = []
        self._values: list[bytes] = []
        self._hashes = array("I")
        self._positions = array("q")

    def add(self, key: bytes, value: bytes):
        self._keys.append(key)
        self._values.append(value)
        if len(self._keys) >= _BATCH:
            self._write_batch()

    def add_sorted(self, keys: list[bytes], values: list[bytes]):
        """``add`` each key and value, in order."""
        self._write_batch()
        self._keys, self._values = keys, values
        self._write_batch()
        self._keys, self._values = [], []

    def _write_batch(self):
        keys, values = self._keys, self._values
        if not keys:
            return
        last = self.lastkey
        for key in keys:  # the order check Whoosh's add makes
            if key <= last:
                raise ValueError(f"Keys must increase: {last!r}..{key!r}")
            last = key
        records = [_lengths.pack(len(k), len(v)) + k + v for k, v in zip(keys, values,
                                                                         strict=True)]
        start = self.dbfile.tell()
        self._positions.extend(accumulate(map(len, records[:-1]), initial=start))
        self.dbfile.write(b"".join(records))
        self._hashes.extend(map(md5_low32, keys))
        self.lastkey = last
        keys.clear()
        values.clear()

    def _write_hashes(self):
        self._write_batch()
        positions = self._positions
        top = positions[-1] if positions else 0
        code = "H" if top < 2**16 else "i" if top < 2**31 else "I" if top < 2**32 else "q"
        self.index.array = array(code, positions)  # what GrowableArray grows into
        hashes = np.frombuffer(self._hashes, dtype=np.uint32)
        where = np.frombuffer(positions, dtype=np.int64)
        buckets = hashes & 255
        order = np.argsort(buckets, kind="stable")  # each bucket in the order keys came
        ends = np.cumsum(np.bincount(buckets, minlength=256)).tolist()
        dbfile, begin = self.dbfile, 0
        for end in ends:
            members = order[begin:end]
            begin = end
            numslots = 2 * len(members)
            self.directory.append((dbfile.tell(), numslots))
            if not numslots:
                continue
            member_hashes = hashes[members]
            slots = _probe((member_hashes >> 8) % numslots, numslots)
            table = np.zeros(numslots, dtype=_SLOT)  # an empty slot is (0, 0)
            table["hash"][slots] = member_hashes
            table["pos"][slots] = where[members]
            dbfile.write(table.tobytes())


def _probe(wanted: np.ndarray, numslots: int) -> np.ndarray:
    """The slot of each entry: its wanted slot, or the next free one after it (linear probing,
    in entry order, as Whoosh fills its tables)."""
    if len(np.unique(wanted)) == len(wanted):
        return wanted
    taken = [False] * numslots
    slots = []
    for slot in wanted.tolist():
        while taken[slot]:
            slot = (slot + 1) % numslots
        taken[slot] = True
        slots.append(slot)
    return np.array(slots, dtype=np.int64)


class BulkFieldWriter(W3FieldWriter):
    """Whoosh's field writer with a ``BulkHashWriter`` term table."""

    def __init__(self, codec, storage, segment):
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._tindex = BulkHashWriter(self._create_file(W3Codec.TERMS_EXT))
        self._fieldmap = self._tindex.extras["fieldmap"] = {}
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False
