"""The Whoosh field type of talash's analyzed fields.

It indexes exactly the terms its ``TalashAnalyzer`` yields, but derives them straight from the
cached tokens (``analyzers.terms``) instead of through Whoosh's one-Token-at-a-time stream:
indexing spends most of its time in analysis, and the Token plumbing was a third of it. The
analyzer stays the field's analyzer for queries, highlighting and ``talash analyze``.
"""

from collections import Counter, defaultdict

from whoosh.fields import TEXT
from whoosh.system import pack_uint

from search.analysis.analyzers import PART_SEPARATOR, cached_tokens, terms


class TalashText(TEXT):
    """A TEXT field whose analyzer is a ``TalashAnalyzer``."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        rule = self.analyzer.rule
        boost = self.format.field_boost
        if self.format.supports("positions"):
            positions = defaultdict(list)
            for term, pos, _start, _end in terms(rule, cached_tokens(value)):
                positions[term].append(pos)
            encode = self.format.encode
            for term, poslist in positions.items():
                yield term.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)
        else:
            # Without positions only the counts matter, and the parts of a joined text (title
            # and body) never pair across their separator: each part's terms are counted from
            # its own cached tokens, rather than from a renumbered copy of them all.
            counts = Counter()
            for part in value.split(PART_SEPARATOR):
                counts.update([t[0] for t in terms(rule, cached_tokens(part))])
            for term, freq in counts.items():
                yield term.encode("utf-8"), freq, freq * boost, pack_uint(freq)
