"""A segment writer for fresh builds that writes the same files as Whoosh's, with less work.

Whoosh's ``SegmentWriter`` puts every posting in a pool as a tuple, sorts the whole pool at
commit, reads each posting's field length back from the lengths column it has just written,
and feeds the postings one at a time through its postings writer. talash documents make ~800
postings each, most of them of terms that occur once (joined pairs, cross-script keys), so
that plumbing was half the cost of a build. ``FastSegmentWriter`` groups postings by field
and term as they arrive, knows each document's field lengths when it adds the document, and
hands each term's postings to the codec's postings writer a block at a time. The bytes are
the codec's own, identical to what the stock path writes (``tests/test_segments.py``
compares the files), so readers need nothing new.

It only makes new segments: no merging of existing ones (a fresh build has none), and no
spelling or vector fields (talash's schema has none; the constructor checks).
"""

from array import array
from pickle import dumps

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.codec import InliningPostingsWriter, TalashCodec

_TERMINFO = W3TermInfo._struct
_INLINING = InliningPostingsWriter.finish_postings
# Rough bytes of memory per distinct term and per posting held until the segment is written
# (dict entry, list, the posting's number, weight and value), to bound a writer's memory.
TERM_BYTES = 250
POSTING_BYTES = 100


class FastSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` (use ``add_document``, then ``_finalize_segment`` or ``commit``)
    that keeps postings grouped by term; ``memory()`` estimates what they hold."""

    def __init__(self, ix, codec=None, **kwargs):
        codec = codec or TalashCodec()
        super().__init__(ix, codec=codec, **kwargs)
        for name, field in self.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"field {name!r}: spelling and vector fields need Whoosh's "
                                 "own SegmentWriter")
        self._terms: dict[str, dict[bytes, list]] = {}  # field -> term -> [doc, weight, value…]
        self._lengths: dict[str, dict[int, int]] = {}  # field -> doc -> length as stored
        self._postings = 0
        self._shared: dict = {}

    def memory(self) -> int:
        return (sum(map(len, self._terms.values())) * TERM_BYTES
                + self._postings * POSTING_BYTES)

    def add_document(self, **fields):
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        names = sorted(n for n in fields if not n.startswith("_"))
        self._check_fields(schema, names)
        # Analyze every field before keeping anything: a field that fails leaves no postings.
        analyzed = []
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            items, length = (), 0
            if field.indexed:
                boost = self._field_boost(fields, name, docboost)
                # Whoosh multiplies every weight by the boost (1.0 too: ints become floats).
                items = [(t, f, w * boost, v) for t, f, w, v in field.index(value)]
                if field.scorable:
                    length = sum(item[1] for item in items)
            analyzed.append((name, field, value, items, length))
        pdw = self.perdocwriter
        pdw.start_doc(docnum)
        try:
            for name, field, value, items, length in analyzed:
                if items:
                    self._keep(name, docnum, items, length)
                custom = fields.get(f"_stored_{name}", value)
                pdw.add_field(name, field, custom if field.stored else None, length)
                column = field.column_type
                if column and custom is not None:
                    pdw.add_column_value(name, column, field.to_column_value(custom))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _keep(self, name: str, docnum: int, items: list, length: int):
        terms = self._terms.get(name)
        if terms is None:
            terms = self._terms[name] = {}
            self._lengths[name] = {}
        if length:
            # The length a reader sees is the one byte the lengths column holds.
            self._lengths[name][docnum] = byte_to_length(length_to_byte(length))
        get = terms.get
        shared = self._shared
        fixed = self.schema[name].format.fixed_value_size()
        for tbytes, _freq, weight, vbytes in items:
            # Weights and fixed-size values (a frequency) repeat: one object each, not one
            # per posting (floats and bytes are never equal to each other, so one dict).
            weight = shared.setdefault(weight, weight)
            if fixed:
                vbytes = shared.setdefault(vbytes, vbytes)
            postings = get(tbytes)
            if postings is None:
                terms[tbytes] = [docnum, weight, vbytes]
            else:
                postings += (docnum, weight, vbytes)
        self._postings += len(items)

    def _flush_segment(self):
        self.perdocwriter.close()
        fw = self.fieldwriter
        codec = self.codec
        for name in sorted(self._terms):
            field = self.schema[name]
            fw.start_field(name, field)
            write = _TermWriter(fw, field.format, self._lengths[name], codec)
            terms = self._terms[name]
            for tbytes in sorted(terms):
                write(tbytes, terms[tbytes])
            fw.finish_field()
            del self._terms[name]  # free memory as soon as a field is written
        fw.close()


class _TermWriter:
    """Writes one field's terms through the codec's own postings writer, a block at a time:
    its buffers are filled in bulk (ids, weights, values, length and weight stats) instead
    of one ``add_posting`` call per posting, and its ``_write_block`` / ``finish_postings``
    encode them, so the bytes are whatever the codec writes (inlined short lists included)."""

    def __init__(self, fw, fmt, lengths: dict[int, int], codec):
        self.add = fw._tindex.add
        self.prefix = pack_ushort(fw._fieldid)
        self.pw = codec.postings_writer(fw._postfile)
        self.format = fmt
        self.lengths = lengths
        self.blocklimit = codec._blocklimit
        # Most terms have a short list that TalashCodec inlines: when the codec inlines as
        # it does, their term info is packed here directly (the same bytes, a third the work).
        self.inline_below = (min(codec._inlinelimit, codec._blocklimit)
                             if type(self.pw).finish_postings is _INLINING else 0)

    def __call__(self, tbytes: bytes, flat: list):
        pw, limit = self.pw, self.blocklimit
        ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
        if len(ids) < self.inline_below:
            self.add(self.prefix + tbytes, self._inlined(ids, weights, values))
            return
        pw.start_postings(self.format, W3TermInfo())
        for at in range(0, len(ids), limit):
            if at:
                pw._write_block()  # a full block: Whoosh writes it when the next posting comes
            self._fill(ids[at:at + limit], weights[at:at + limit], values[at:at + limit])
        self.add(self.prefix + tbytes, pw.finish_postings().to_bytes())

    def _fill(self, ids: list, weights: list, values: list):
        pw = self.pw
        pw._ids = array("I", ids)
        pw._weights = array("f", weights)
        pw._values = [v for v in values if v]  # Whoosh keeps no empty values
        lengths = [n for n in map(self.lengths.get, ids) if n]
        if lengths:
            pw._minlength, pw._maxlength = min(lengths), max(lengths)
        pw._maxweight = max(0, max(weights))

    def _inlined(self, ids: list, weights: list, values: list) -> bytes:
        """What ``InliningPostingsWriter.finish_postings`` + ``W3TermInfo.to_bytes`` make."""
        floats = array("f", weights)
        lengths = [n for n in map(self.lengths.get, ids) if n]
        head = _TERMINFO.pack(True, sum(floats), len(ids),
                              length_to_byte(min(lengths)) if lengths else 0,
                              length_to_byte(max(lengths)) if lengths else 0,
                              max(0, max(weights)), ids[0], ids[-1])
        values = [v for v in values if v]
        if len(values) > 1:
            # Values are shared objects (``_keep``); pickle would write a repeated one as a
            # back-reference, Whoosh's writer (one object per posting) writes each in full.
            values = [bytes(bytearray(v)) for v in values]
        return head + dumps((tuple(ids), tuple(floats), tuple(values)), 2)
