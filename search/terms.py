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
    slots     uint32 hash slots (open addressing, linear probing, ~``LOAD`` full, no wrap:
              the array runs on past ``nslots`` and ends empty): a record's number plus one,
              and bits of the key's hash the slot number does not say, so a miss is almost
              always told without reading a record
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
from itertools import islice, repeat
from operator import lt

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter

from search import terminfo, termsbulk

EXT = ".tts"
MAGIC = b"TLT1"
BLOCK = 8  # records per block: a lookup decodes up to this many keys
LOAD = 0.75  # the share of hash slots in use, at most
TAIL = struct.Struct("<Q")  # where the footer begins
assert sys.byteorder == "little", "the arrays are read as native uint32"


def field_seed(number: int) -> int:
    """A key's hash is the CRC-32 of the key Whoosh would store (two bytes of field number,
    then the text): ``zlib.crc32(text, field_seed(number))``."""
    return zlib.crc32(number.to_bytes(2, "big"))


class TermTableWriter:
    """Writes the file field by field (each field's keys in increasing order)."""

    def __init__(self, dbfile):
        self.dbfile = dbfile
        dbfile.write(MAGIC)
        self.starts = array("I")
        self.fields: dict[str, tuple] = {}  # name -> (number, first block, blocks, terms)
        self.hashes = array("I")

    def add_field(self, name: str, number: int, keys: list[bytes], infos):
        """Add one field's terms (keys without the field number, increasing) and infos (a
        list of bytes, or a ``termsbulk.Run`` of them)."""
        if name in self.fields:
            raise ValueError(f"field {name!r} written twice in one term table")
        first_block = len(self.starts)
        self.fields[name] = (number, first_block, -(-len(keys) // BLOCK), len(keys))
        if not keys:
            return
        if not all(map(lt, keys, islice(keys, 1, None))):  # in C; the culprit only if not
            i = next(i for i in range(1, len(keys)) if keys[i] <= keys[i - 1])
            raise ValueError(f"keys must increase: {keys[i - 1]!r}..{keys[i]!r}")
        self.hashes.extend(map(zlib.crc32, keys, repeat(field_seed(number))))
        if not isinstance(infos, termsbulk.Run):
            infos = termsbulk.runs(infos)
        data, starts = termsbulk.records(keys, infos, BLOCK)
        self.starts.extend((starts + self.dbfile.tell()).tolist())
        self.dbfile.write(data.tobytes())

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
        # Each term's record number: a field's records follow on from its first block's.
        records = np.concatenate([np.arange(first * BLOCK, first * BLOCK + terms)
                                  for _number, first, _blocks, terms in self.fields.values()]
                                 or [np.empty(0, dtype=np.int64)])
        slots = _place(np.frombuffer(self.hashes, dtype=np.uint32).astype(np.int64),
                       records.astype(np.int64), nslots, ids, spread)
        dbfile.write(slots.tobytes())
        footer = pickle.dumps({"fields": self.fields, "starts": starts_at,
                               "blocks": len(self.starts) - 1, "slots": slots_at,
                               "nslots": nslots, "size": len(slots), "ids": ids,
                               "spread": spread}, 4)
        at = dbfile.tell()
        dbfile.write(footer + TAIL.pack(at))
        dbfile.close()


def _place(hashes: np.ndarray, records: np.ndarray, nslots: int, ids: int, spread: int):
    """The slot array: each key in its slot (hash mod ``nslots``) or the first free one after
    it. Keys placed in order of their slots, each at ``max(its slot, the last one's + 1)``,
    leave every slot between a key's own and where it is taken, as a reader probes them. The
    array runs past ``nslots`` as far as keys spill, and one more: a reader never wraps."""
    order = np.argsort(hashes % nslots, kind="stable")
    wanted = hashes[order] % nslots
    steps = np.arange(len(order))
    at = steps + np.maximum.accumulate(wanted - steps) if len(order) else steps
    slots = np.zeros(max(nslots, int(at.max(initial=0)) + 1) + 1, dtype="<u4")
    slots[at] = (hashes[order] // nslots) % spread * ids + records[order] + 1
    return slots


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
