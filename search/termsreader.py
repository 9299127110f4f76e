"""Reading a segment's compact term table (``search.terms`` describes the file) in place."""

import pickle
import zlib
from bisect import bisect_right
from itertools import islice

from whoosh.codec.base import TermsReader
from whoosh.reading import TermNotFound

from search import terminfo
from search.terminfo import read_varint
from search.terms import BLOCK, MAGIC, TAIL, field_seed


class TermTable(TermsReader):
    """Reads a ``.tts`` file in place: Whoosh's ``W3TermsReader`` interface."""

    def __init__(self, codec, dbfile, postfile):
        self._codec, self._dbfile, self._postfile = codec, dbfile, postfile
        buf = getattr(dbfile, "_buf", None)
        if buf is None:  # a file not in a mapped compound file (tests): read it whole
            dbfile.seek(0)
            buf = dbfile.read()
        self._buf = buf = memoryview(buf)
        if bytes(buf[:4]) != MAGIC:
            raise ValueError(f"{dbfile!r} is not a talash term table")
        meta = pickle.loads(buf[TAIL.unpack_from(buf, len(buf) - 8)[0]:len(buf) - 8])
        self._fields = meta["fields"]
        # Field names in Whoosh's key order (by number): walks go field after field in it.
        self._order = sorted(self._fields, key=lambda name: self._fields[name][0])
        # What a lookup needs of a field: its hash seed, first record number and term count.
        self._lookups = {name: (field_seed(number), first * BLOCK, count)
                         for name, (number, first, _blocks, count) in self._fields.items()}
        nblocks = meta["blocks"]
        self._starts = buf[meta["starts"]:meta["starts"] + 4 * (nblocks + 1)].cast("I")
        self._nslots, self._ids, self._spread = meta["nslots"], meta["ids"], meta["spread"]
        # The slots run on past nslots and end empty: a probe never wraps.
        self._slots = buf[meta["slots"]:meta["slots"] + 4 * meta["size"]].cast("I")
        self._last = None  # (field, text, what _find gave) of the last lookup

    # Finding a key

    def _find(self, fieldname: str, text: bytes):
        """(block bytes, position of the info) of a term, or None."""
        last = self._last
        if last is not None and last[0] == fieldname and last[1] == text:
            return last[2]
        field = self._lookups.get(fieldname)
        if field is None:
            return None
        seed, first, count = field
        h = zlib.crc32(text, seed)
        nslots, ids, slots = self._nslots, self._ids, self._slots
        at, fp = h % nslots, (h // nslots) % self._spread
        found = None
        while True:
            v = slots[at]
            if not v:
                break
            if v // ids == fp:
                record = v % ids - 1
                if first <= record < first + count:
                    found = self._at_record(record, text)
                    if found is not None:
                        break
            at += 1
        self._last = (fieldname, text, found)
        return found

    def _at_record(self, record: int, text: bytes):
        block, index = divmod(record, BLOCK)
        data = self._block(block)
        key, at = next(islice(_walk(data), index, None))
        return (data, at) if key == text else None

    def _block(self, block: int) -> bytes:
        return self._buf[self._starts[block]:self._starts[block + 1]].tobytes()

    def _info(self, fieldname: str, text: bytes):
        found = self._find(fieldname, text)
        if found is None:
            raise TermNotFound(f"No term {fieldname}:{text!r}")
        return found

    # Walking keys in order

    def _records(self, fieldname: str, start: bytes = b""):
        """(text, block bytes, info position) of a field's terms from ``start`` on."""
        field = self._fields.get(fieldname)
        if field is None:
            return
        _number, first_block, blocks, _count = field
        begin = first_block
        if start:  # the last block whose first key is at most start
            begin = max(first_block, bisect_right(
                range(first_block, first_block + blocks), start, key=self._first_key) - 1
                + first_block)
        for block in range(begin, first_block + blocks):
            data = self._block(block)
            for key, at in _walk(data):
                if key >= start:
                    yield key, data, at

    def _first_key(self, block: int) -> bytes:
        buf, at = self._buf, self._starts[block]
        head = buf[at:at + 10].tobytes()
        size, pos = read_varint(head, 0)
        return buf[at + pos:at + pos + size].tobytes()

    def _fields_from(self, fieldname: str):
        """Field names from ``fieldname`` on (Whoosh's key order walks on into the fields
        after it)."""
        order = self._order
        return order[order.index(fieldname):] if fieldname in self._fields else []

    # Whoosh's TermsReader

    def __contains__(self, term) -> bool:
        return self._find(*term) is not None

    def indexed_field_names(self):
        return self._fields.keys()

    def terms(self):
        for name in self._order:
            for text, _data, _pos in self._records(name):
                yield name, text

    def terms_from(self, fieldname: str, prefix: bytes):
        for name in self._fields_from(fieldname):
            for text, _data, _pos in self._records(name, prefix if name == fieldname else b""):
                yield name, text

    def items(self):
        for name in self._order:
            for text, data, pos in self._records(name):
                yield (name, text), terminfo.decode(data, pos)

    def items_from(self, fieldname: str, prefix: bytes):
        for name in self._fields_from(fieldname):
            for text, data, pos in self._records(name, prefix if name == fieldname else b""):
                yield (name, text), terminfo.decode(data, pos)

    def doc_frequencies(self, fieldname: str):
        """(text, document frequency) of every term of a field, in order, without decoding
        the rest of each info (``search.frequent``)."""
        for text, data, pos in self._records(fieldname):
            yield text, terminfo.doc_frequency(data, pos)

    def term_info(self, fieldname: str, tbytes: bytes):
        return terminfo.decode(*self._info(fieldname, tbytes))

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        try:
            return self.term_info(fieldname, tbytes).weight()
        except TermNotFound:
            raise KeyError((fieldname, tbytes)) from None

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        found = self._find(fieldname, tbytes)
        if found is None:
            raise KeyError((fieldname, tbytes))
        return terminfo.doc_frequency(*found)

    def matcher(self, fieldname: str, tbytes: bytes, format_, scorer=None):
        info = self.term_info(fieldname, tbytes)
        return self._codec.postings_reader(self._postfile, info, format_,
                                           term=(fieldname, tbytes), scorer=scorer)

    def cursor(self, fieldname, fieldobj):
        return _Cursor(self, fieldname, fieldobj)

    def close(self):
        for view in (self._slots, self._starts, self._buf):
            view.release()  # the compound file's map can then close
        self._last = None
        self._dbfile.close()
        self._postfile.close()


def _walk(data: bytes):
    """(key, position of its info) of each record of a block (``search.terms``), in order.
    Lengths under 128 (nearly all) are read in place: a lookup walks half a block."""
    size, pos = read_varint(data, 0)
    key = data[pos:pos + size]
    pos += size
    end = len(data)
    while True:
        size = data[pos]
        if size < 128:
            at = pos + 1
        else:
            size, at = read_varint(data, pos)
        yield key, at
        pos = at + size
        if pos >= end:
            return
        shared, size = data[pos], data[pos + 1]
        if size < 128:
            pos += 2
        else:
            size, pos = read_varint(data, pos + 1)
        key = key[:shared] + data[pos:pos + size]
        pos += size


class _Cursor:
    """Whoosh's field cursor (``W3FieldCursor``: fuzzy terms walk one) over a ``TermTable``."""

    def __init__(self, table: TermTable, fieldname: str, fieldobj):
        self._table, self._fieldname, self._fieldobj = table, fieldname, fieldobj
        self.first()

    def first(self):
        return self._start(b"")

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._start(term)

    def _start(self, start: bytes):
        self._walk = self._table._records(self._fieldname, start)
        return self.next()

    def next(self):
        self._at = next(self._walk, None)
        return self.text()

    def text(self):
        return None if self._at is None else self._fieldobj.from_bytes(self._at[0])

    def term_info(self):
        return None if self._at is None else terminfo.decode(self._at[1], self._at[2])

    def is_valid(self) -> bool:
        return self._at is not None
