"""Stored fields deflated with a dictionary made from the segment's own first documents.

Whoosh deflates each document's stored fields (a pickled dict) on its own: a news article of
a few KB starts with an empty window, so the words and names every article repeats, and the
pickle's field names, are written out again in each. Here the first ``SAMPLE`` documents of a
segment are held back, their last ``DICTIONARY_BYTES`` become the segment's preset dictionary
(``zlib``'s ``zdict``), and every document is deflated with it: on the real news corpus
about a quarter fewer bytes than deflating each alone (4.32 -> 3.28 MB for the 4,392
articles' pickles, at ``LEVEL``); reading one costs ~8 us more.

In the segment: the column ``_zstored`` (each document's deflated pickle, empty when it stores
nothing) and the file ``.zdc`` (the dictionary; empty in a segment of fewer than ``SAMPLE``
documents). ``TalashCodec`` writes these for new segments; a segment written before them
keeps Whoosh's ``_stored`` column.
"""

import zlib
from pickle import dumps, loads

from whoosh.codec.whoosh3 import W3PerDocReader, W3PerDocWriter
from whoosh.columns import VarBytesColumn

SAMPLE = 64  # documents held back to make the dictionary from
DICTIONARY_BYTES = 32 * 1024  # zlib's window: a longer dictionary is not looked at
# Deflate level and memory: level 9 took 0.48 ms of CPU an article (5,000 synthetic ones),
# four times Whoosh's plain deflate (0.11); the 100,000-document benchmark built at 568
# docs/s with it and at 702 with level 5 and zlib's default memory: 0.16 ms an article, for
# 10% more bytes.
LEVEL, MEMORY = 5, 8
STORED, DICTIONARY = "_zstored", ".zdc"  # a column, and a file of the segment
_COLUMN = VarBytesColumn()


class DictionaryPerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer, stored fields deflated with the segment's dictionary."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        # Whoosh's own stored column would only be filled with two empty bytes a document.
        del self._colwriters["_stored"]
        self._create_column(STORED, _COLUMN)
        self._zdict: bytes | None = None
        self._held: list[tuple[int, bytes]] = []  # (docnum, pickle) until the dictionary

    def finish_doc(self):
        if not self._indoc:  # Whoosh's close finishes a document again
            return
        fields = self._storedfields
        # Every document gets a value, if only an empty one: Whoosh writes a column with
        # documents missing wrongly past 2**15 documents (VarBytesColumn.finish writes the
        # offsets it held before filling in the missing ones).
        data = dumps(fields, -1) if fields else b""
        fields.clear()
        if self._zdict is None:
            self._held.append((self._docnum, data))
            if len(self._held) >= SAMPLE:
                self._make_dictionary()
        else:
            self._add(self._docnum, data)
        self._indoc = False

    def _make_dictionary(self, dictionary: bool = True):
        """Deflate the held documents, with a dictionary made of them (a segment of fewer
        than SAMPLE documents has none: the copy would cost more than it saves)."""
        self._zdict = (b"".join(data for _doc, data in self._held)[-DICTIONARY_BYTES:]
                       if dictionary else b"")
        # Copied for each document: loading the 32 KB dictionary took a third of the time.
        self._packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, MEMORY,
                                        zlib.Z_DEFAULT_STRATEGY,
                                        *([self._zdict] if self._zdict else []))
        # A file of its own: a column with one value is one with documents missing.
        out = self._create_file(DICTIONARY)
        out.write(self._zdict)
        out.close()
        for docnum, data in self._held:
            self._add(docnum, data)
        self._held = []

    def _add(self, docnum: int, data: bytes):
        if not data:
            self._get_column(STORED).add(docnum, b"")
            return
        packer = self._packer.copy()
        self._get_column(STORED).add(docnum, packer.compress(data) + packer.flush())

    def close(self):
        self.finish_doc()  # one still open (Whoosh's writer allows closing so)
        if self._held:  # fewer documents than the sample
            self._make_dictionary(dictionary=False)
        super().close()


class DictionaryPerDocReader(W3PerDocReader):
    """Reads the stored fields ``DictionaryPerDocWriter`` wrote."""

    def stored_fields(self, docnum):
        data = self._cached_reader(STORED, _COLUMN)[docnum]
        if not data:
            return {}
        zdict = getattr(self, "_zdict", None)
        if zdict is None:
            source = self._segment.open_file(self._storage, DICTIONARY)
            try:
                zdict = self._zdict = source.read()
            finally:
                source.close()
        unpacker = zlib.decompressobj(-15, zdict) if zdict else zlib.decompressobj(-15)
        return loads(unpacker.decompress(data))
