"""The Whoosh field type of talash's analyzed fields.

It indexes exactly the terms its ``TalashAnalyzer`` yields, but derives them from the text's
stretches (``analysis.indexterms``) instead of through Whoosh's one-Token-at-a-time stream:
indexing spends most of its time in analysis, and the Token plumbing was a third of it. The
analyzer stays the field's analyzer for queries, highlighting and ``talash analyze``.
"""

from collections import Counter, defaultdict

from whoosh.fields import TEXT
from whoosh.system import pack_uint

from search.analysis.analyzers import PART_SEPARATOR, cached_tokens, terms
from search.analysis.indexterms import text_terms
from search.codec import plain_dumps


class TalashText(TEXT):
    """A TEXT field whose analyzer is a ``TalashAnalyzer``."""

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        terms_, freqs, values = self.index_counts(value)
        if values is None:
            values = map(pack_uint, freqs)
        for term, freq, encoded in zip(terms_, freqs, values, strict=True):
            yield term.encode("utf-8"), freq, freq * boost, encoded

    def index_counts(self, value) -> tuple[list[str], list[int], list[bytes] | None]:
        """``(terms, frequencies, encoded values)`` of ``value``, each term once, in order of
        first occurrence; the values are None for a field without positions (a frequency's
        value is ``pack_uint(frequency)``). ``search.segments`` keeps these as they are.
        Positions are encoded as ``Positions.encode`` does, without a pickle memo note; a
        single position is one shared object per position (most terms occur once in a
        document), which saves memory."""
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        rule = self.analyzer.rule
        if self.format.supports("positions"):
            if rule == "strict" and PART_SEPARATOR not in value:
                positions = text_terms(value).positions
            else:  # no such field in talash's schema: through the tokens
                positions = defaultdict(list)
                for term, pos, _start, _end in terms(rule, cached_tokens(value)):
                    positions[term].append(pos)
            lists = positions.values()
            return (list(positions), [len(p) for p in lists],
                    [_one_position(p[0]) if len(p) == 1 else _positions(p) for p in lists])
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
