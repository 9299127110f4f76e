"""The Whoosh field type of talash's analyzed fields.

It indexes exactly the terms its ``TalashAnalyzer`` yields, but derives them from the text's
stretches (``analysis.indexterms``) instead of through Whoosh's one-Token-at-a-time stream:
indexing spends most of its time in analysis, and the Token plumbing was a third of it. The
analyzer stays the field's analyzer for queries, highlighting and ``talash analyze``.

Its postings are smaller than Whoosh's (``Counts`` and ``VarintPositions``): a posting's value
held its count as four bytes beside the weight that already says it, and its positions as a
pickled list after a four-byte count. The formats are pickled into each segment's schema, so
an index written with Whoosh's formats (older talash) is read, and updated, in those.
"""

from collections import Counter, defaultdict
from itertools import accumulate

from whoosh.fields import TEXT
from whoosh.formats import Format, Frequency, Positions
from whoosh.system import pack_uint

from search.analysis.analyzers import PART_SEPARATOR, cached_tokens, terms
from search.analysis.indexterms import text_terms
from search.codec import plain_dumps
from search.terminfo import varint, varint_gaps


class Counts(Format):
    """Whoosh's ``Frequency`` without the value: a posting's count is its weight (no talash
    field has boosts per token), which the codec stores already; the value is empty."""

    posting_size = 0

    def word_values(self, value, analyzer, **kwargs):
        return ((w, n, weight, b"") for w, n, weight, _value in
                Frequency.word_values(self, value, analyzer, **kwargs))


class VarintPositions(Positions):
    """Whoosh's ``Positions`` with each posting's positions as the gaps between them, seven
    bits a byte (the high bit set on all but a number's last byte): most terms occur once in
    a document near its beginning, one byte where Whoosh wrote a four-byte count and a pickle
    of ~8 bytes. Only ``encode`` and the decoders differ."""

    def encode(self, poslist) -> bytes:
        return varint_gaps(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        if valuestring.isascii():  # every gap under 128: a byte each
            return list(accumulate(valuestring))
        return list(accumulate(_varints(valuestring)))

    def decode_frequency(self, valuestring: bytes) -> int:
        if valuestring.isascii():
            return len(valuestring)
        return sum(1 for b in valuestring if b < 0x80)


class TalashText(TEXT):
    """A TEXT field whose analyzer is a ``TalashAnalyzer``, its postings in ``Counts`` or
    ``VarintPositions``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        compact = VarintPositions if self.format.supports("positions") else Counts
        self.format = compact(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        terms_, freqs, values = self.index_counts(value)
        if values is None:
            values = count_values(self.format, freqs)
        for term, freq, encoded in zip(terms_, freqs, values, strict=True):
            yield term.encode("utf-8"), freq, freq * boost, encoded

    def index_counts(self, value) -> tuple[list[str], list[int], list[bytes] | None]:
        """``(terms, frequencies, encoded values)`` of ``value``, each term once, in order of
        first occurrence; the values are None for a field without positions (``count_values``
        makes them). ``search.segments`` keeps these as they are. Positions are encoded as the
        field's format does (Whoosh's without a pickle memo note); a single position is one
        shared object per position (most terms occur once in a document), which saves
        memory."""
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        rule = self.analyzer.rule
        if self.format.supports("positions"):
            as_varints = isinstance(self.format, VarintPositions)
            if rule == "strict" and PART_SEPARATOR not in value:
                positions = text_terms(value).positions
            else:  # no such field in talash's schema: through the tokens
                positions = defaultdict(list)
                for term, pos, _start, _end in terms(rule, cached_tokens(value)):
                    positions[term].append(pos)
            lists = positions.values()
            if as_varints:
                encoded = [varint(p[0]) if len(p) == 1 else varint_gaps(p) for p in lists]
            else:  # an index written before VarintPositions, updated
                encoded = [_one_position(p[0]) if len(p) == 1 else _positions(p) for p in lists]
            return list(positions), [len(p) for p in lists], encoded
        # Without positions only the counts matter, and the parts of a joined text (title
        # and body) never pair across their separator: each part's terms are counted from
        # its own analysis (shared with the title and body fields).
        counts = Counter()
        for part in value.split(PART_SEPARATOR):
            counts.update(text_terms(part).terms(rule))
        return list(counts), list(counts.values()), None


_ONE_POSITION: dict[int, bytes] = {}


def _one_position(pos: int) -> bytes:
    """``_positions([pos])``, made once per position."""
    found = _ONE_POSITION.get(pos)
    if found is None:
        found = _ONE_POSITION[pos] = pack_uint(1) + plain_dumps([pos], 2)
    return found


def _positions(positions: list[int]) -> bytes:
    """What Whoosh's ``Positions.encode`` writes (the count, then the pickled gaps between
    positions), without the pickle's memo note; ``Positions.decode_positions`` reads it."""
    gaps = [b - a for a, b in zip([0, *positions], positions, strict=False)]
    return pack_uint(len(gaps)) + plain_dumps(gaps, 2)


def count_values(fmt, counts: list[int]) -> list[bytes]:
    """The posting values of ``counts`` in ``fmt``: empty for ``Counts``, else Whoosh's."""
    if isinstance(fmt, Counts):
        return [b""] * len(counts)
    return [_COUNTS[n] if n < len(_COUNTS) else pack_uint(n) for n in counts]


_COUNTS = [pack_uint(n) for n in range(256)]  # shared values of the common counts
def _varints(data: bytes):
    """The numbers of a varint string."""
    number = shift = 0
    for b in data:
        number |= (b & 0x7F) << shift
        if b < 0x80:
            yield number
            number = shift = 0
        else:
            shift += 7
