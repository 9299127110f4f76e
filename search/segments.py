"""A segment writer for fresh builds that writes the same files as Whoosh's, with less work.

Whoosh's ``SegmentWriter`` puts every posting in a pool as a tuple, sorts the whole pool at
commit, reads each posting's field length back from the lengths column it has just written,
and feeds the postings one at a time through its postings writer. talash documents make ~800
postings each, most of them of terms that occur once (joined pairs, cross-script keys), so
that plumbing was most of the cost of a build. ``FastSegmentWriter`` numbers each field's
terms as they arrive and keeps the postings in flat arrays (term number, document, weight,
value: ~30 bytes a posting instead of a tuple), knows each document's field lengths when it
adds the document, and at commit sorts each field's postings with numpy and encodes every
term's list in bulk (``search.postings``). The bytes are the codec's own, identical to what
the stock path writes (``tests/test_segments.py`` compares the files), so readers need nothing
new.

It only makes new segments: no merging of existing ones (a fresh build has none), and no
spelling or vector fields (talash's schema has none; the constructor checks).
"""

from array import array

from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.codec import TalashCodec
from search.fields import count_values
from search.postings import write_field

# Rough bytes of memory held per distinct term (dict entry, list slot, the term itself) and
# per posting (four array items, a value's bytes when it is not a shared one), to bound a
# writer's memory (measured: bench figures in search/building.py).
TERM_BYTES = 200
POSTING_BYTES = 28


class FieldPostings:
    """One field's postings as they arrive: its terms numbered in order of arrival, and per
    posting the term's number, the document, the weight and the encoded value."""

    __slots__ = ("numbers", "terms", "tnums", "docs", "weights", "values", "value_bytes")

    def __init__(self):
        self.numbers: dict = {}  # term -> number
        self.terms: list = []  # number -> term (str from talash fields, bytes from others)
        self.tnums = array("I")
        self.docs = array("I")
        self.weights = array("d")
        self.values: list[bytes] = []
        self.value_bytes = 0  # held by values that are not shared objects

    def add(self, docnum: int, terms: list, weights, values: list[bytes], held: int):
        # Known terms are looked up in one pass of C (map); the new ones, found by scanning
        # for None (also C), are numbered one by one. array.extend takes a list (or array)
        # many times faster than an iterator.
        numbers = self.numbers
        tnums = list(map(numbers.get, terms))
        if None in tnums:
            at = tnums.index(None)
            while True:
                term = terms[at]
                number = numbers.get(term)  # a term twice in one call gets one number
                if number is None:
                    number = numbers[term] = len(self.terms)
                    self.terms.append(term)
                tnums[at] = number
                try:
                    at = tnums.index(None, at + 1)
                except ValueError:
                    break
        self.tnums.extend(tnums)
        self.docs.extend(array("I", (docnum,)) * len(terms))
        self.weights.extend(weights)
        self.values.extend(values)
        self.value_bytes += held

    def memory(self) -> int:
        return len(self.terms) * TERM_BYTES + len(self.docs) * POSTING_BYTES + self.value_bytes


class FastSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` (use ``add_document``, then ``_finalize_segment`` or ``commit``)
    that keeps postings in flat arrays; ``memory()`` estimates what they hold."""

    def __init__(self, ix, codec=None, **kwargs):
        codec = codec or TalashCodec()
        if not isinstance(codec, TalashCodec):
            raise TypeError("FastSegmentWriter writes TalashCodec's postings only")
        super().__init__(ix, codec=codec, **kwargs)
        for name, field in self.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"field {name!r}: spelling and vector fields need Whoosh's "
                                 "own SegmentWriter")
        self._fields: dict[str, FieldPostings] = {}
        self._lengths: dict[str, dict[int, int]] = {}  # field -> doc -> length as stored

    def memory(self) -> int:
        return sum(p.memory() for p in self._fields.values())

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
            postings, length = None, 0
            if field.indexed:
                boost = self._field_boost(fields, name, docboost)
                postings = _postings(field, value, boost)
                if field.scorable:
                    length = postings[4]
            analyzed.append((name, field, value, postings, length))
        pdw = self.perdocwriter
        pdw.start_doc(docnum)
        try:
            for name, field, value, postings, length in analyzed:
                if postings and postings[0]:
                    self._keep(name, docnum, postings, length)
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

    def _keep(self, name: str, docnum: int, postings: tuple, length: int):
        kept = self._fields.get(name)
        if kept is None:
            kept = self._fields[name] = FieldPostings()
            self._lengths[name] = {}
        if length:
            # The length a reader sees is the one byte the lengths column holds.
            self._lengths[name][docnum] = byte_to_length(length_to_byte(length))
        terms, weights, values, held, _length = postings
        kept.add(docnum, terms, weights, values, held)

    def _flush_segment(self):
        self.perdocwriter.close()
        fw = self.fieldwriter
        for name in sorted(self._fields):
            field = self.schema[name]
            fw.start_field(name, field)
            write_field(fw, field.format, self._fields.pop(name), self._lengths[name],
                        self.codec)  # popped: its memory goes as soon as it is written
            fw.finish_field()
        fw.close()


def _postings(field, value, boost: float) -> tuple:
    """``(terms, weights, values, held, length)`` of one field's value: what Whoosh's
    writer would pool for it (weights multiplied by ``boost`` as Whoosh does, 1.0 too).
    ``held`` estimates the bytes of the values that are not shared objects (frequencies
    and single positions are)."""
    counted = getattr(field, "index_counts", None)
    if counted is not None:  # a talash field: terms as str, without a bytes copy each
        terms, freqs, values = counted(value)
        fb = field.format.field_boost
        if fb == 1.0 and boost == 1.0:
            weights = freqs  # whole numbers: the weights array holds them as floats
        else:
            weights = [f * fb * boost for f in freqs]
        if values is None:  # counts: empty, or a few distinct values, one object each
            values = count_values(field.format, freqs)
            held = 0
        else:
            held = sum(len(v) + 40 for v, f in zip(values, freqs, strict=True) if f > 1)
        return terms, weights, values, held, sum(freqs)
    items = list(field.index(value))
    return ([t for t, _f, _w, _v in items], [w * boost for _t, _f, w, _v in items],
            [v for _t, _f, _w, v in items], sum(len(v) + 40 for *_, v in items),
            sum(f for _t, f, _w, _v in items))
