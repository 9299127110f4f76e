"""A segment's term table in a compact file (``.tts``): for segments written from now on.

Whoosh's term table (``.trm``, an ``OrderedHashWriter`` file) spends ~89 bytes a term: an
8-byte record head, the key, a 35-byte term info (or a head and a pickle), 24 bytes of hash
slots and a sorted-positions index. A talash segment has millions of terms, most of them
joined pairs and cross-script keys in one or two documents, so at 100,000 documents that was
~200 MB, the largest part of the index. This file holds the same terms and infos as:

    b"TLT1"
    records   each field's terms in key order, in blocks of ``BLOCK``: a block's first key
              whole (varint length, bytes), every other key as the bytes it shares with the
              one before (one byte, at most 255) and the rest (varint length, bytes); after
              each key its info (varint length, ``search.terminfo`` bytes)
    starts    uint32 per block: where it begins (and one past the last block)
    slots     uint32 hash slots (open addressing, linear probing, ~``LOAD`` full): a record's
              number plus one, and bits of the key's hash the slot number does not say, so a
              miss is almost always told without reading a record
    footer    a pickled dict (the fields, where each array begins, the slot arithmetic) and
              its position as 8 bytes

A field's records are numbered from a multiple of ``BLOCK`` (its first block's), so a record's
block and place in it follow from its number. ``TermTable`` reads the file in place (the
compound file's map) and gives Whoosh the ``W3TermsReader`` interface
(``search.termsreader``); ``CompactFieldWriter`` writes it, from Whoosh's per-term calls
(merges) and in bulk (``add_field``, from ``search.postings``). The codec's ``termtable``
attribute says which table a segment has.
"""

import pickle
import struct
import sys
import zlib
from array import array

from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter

from search import terminfo
from search.terminfo import varint

EXT = ".tts"
MAGIC = b"TLT1"
BLOCK = 8  # records per block: a lookup decodes up to this many keys
LOAD = 0.75  # the share of hash slots in use, at most
TAIL = struct.Struct("<Q")  # where the footer begins
assert sys.byteorder == "little", "the arrays are read as native uint32"


def key_hash(fieldnum: int, text: bytes) -> int:
    """CRC-32 of the key Whoosh would store (two bytes of field number, then the text)."""
    return zlib.crc32(text, zlib.crc32(fieldnum.to_bytes(2, "big")))


class TermTableWriter:
    """Writes the file field by field (each field's keys in increasing order)."""

    def __init__(self, dbfile):
        self.dbfile = dbfile
        dbfile.write(MAGIC)
        self.starts = array("I")
        self.fields: dict[str, tuple] = {}  # name -> (number, first block, blocks, terms)
        self.hashes = array("I")
        self.records = array("I")  # each term's record number

    def add_field(self, name: str, number: int, keys: list[bytes], infos: list[bytes]):
        """Add one field's terms (keys without the field number, increasing) and infos."""
        if name in self.fields:
            raise ValueError(f"field {name!r} written twice in one term table")
        first_block = len(self.starts)
        self.fields[name] = (number, first_block, -(-len(keys) // BLOCK), len(keys))
        if not keys:
            return
        dbfile, starts = self.dbfile, self.starts
        prefix_crc = zlib.crc32(number.to_bytes(2, "big"))
        crc32 = zlib.crc32
        self.hashes.extend(crc32(k, prefix_crc) for k in keys)
        base = first_block * BLOCK
        self.records.extend(range(base, base + len(keys)))
        out, last = [], b""
        for i, (key, info) in enumerate(zip(keys, infos, strict=True)):
            if key <= last and i:
                raise ValueError(f"keys must increase: {last!r}..{key!r}")
            if i % BLOCK == 0:
                if out:
                    dbfile.write(b"".join(out))
                    out = []
                starts.append(dbfile.tell())
                out += (varint(len(key)), key)
            else:
                limit = min(len(key), len(last), 255)
                shared = 0
                while shared < limit and key[shared] == last[shared]:
                    shared += 1
                out += (bytes((shared,)), varint(len(key) - shared), key[shared:])
            out += (varint(len(info)), info)
            last = key
        dbfile.write(b"".join(out))

    def close(self):
        dbfile = self.dbfile
        self.starts.append(dbfile.tell())
        dbfile.write(b"\0" * (-dbfile.tell() % 4))  # the arrays on 4-byte boundaries
        starts_at = dbfile.tell()
        dbfile.write(self.starts.tobytes())
        slots_at = dbfile.tell()
        n = len(self.hashes)
        ids = len(self.starts) * BLOCK + 1  # record numbers plus one are below this
        nslots = max(ids, int(n / LOAD) + 1)
        spread = (2**32 - 1) // ids  # hash bits kept: the slot value stays under 2**32
        slots = array("I", bytes(4 * nslots))
        for h, record in zip(self.hashes, self.records, strict=True):
            at = h % nslots
            while slots[at]:
                at = at + 1 if at + 1 < nslots else 0
            slots[at] = (h // nslots) % spread * ids + record + 1
        dbfile.write(slots.tobytes())
        footer = pickle.dumps({"fields": self.fields, "starts": starts_at,
                               "blocks": len(self.starts) - 1, "slots": slots_at,
                               "nslots": nslots, "ids": ids, "spread": spread}, 4)
        at = dbfile.tell()
        dbfile.write(footer + TAIL.pack(at))
        dbfile.close()


class CompactFieldWriter(W3FieldWriter):
    """Whoosh's field writer with a ``TermTableWriter`` term table: a field's terms are
    gathered as they finish and written when the field does."""

    def __init__(self, codec, storage, segment):
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._table = TermTableWriter(self._create_file(EXT))
        self._fieldmap: dict[str, int] = {}
        self._keys: list[bytes] = []
        self._infos: list[bytes] = []
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False

    def finish_term(self):
        self._keys.append(self._btext)
        self._infos.append(terminfo.encode_terminfo(self._postwriter.finish_postings()))

    def finish_field(self):
        super().finish_field()
        self._table.add_field(self._fieldname, self._fieldid, self._keys, self._infos)
        self._keys, self._infos = [], []

    def add_field(self, keys: list[bytes], infos: list[bytes]):
        """The terms (increasing) and encoded infos of the field started: all of them."""
        self._keys, self._infos = keys, infos

    def close(self):
        self._table.close()
        self._postfile.close()
        self.is_closed = True
