"""The Whoosh schema of a talash index: which field gets which analyzer, and what is stored.

``title`` and ``body`` hold the exact (strict) terms with positions for phrases, and are
stored for display and snippets. The looser fields index title and body together (joined by
``PART_SEPARATOR``) without positions: they widen recall and score below the exact fields.
``lead`` holds the exact terms of the body's opening words, which ranking weighs apart.
"""

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, Schema

from search.analysis.analyzers import PART_SEPARATOR, TalashAnalyzer
from search.fields import TalashText

LOOSE_FIELDS = ("loose", "join", "stem", "xkey")
LEAD_WORDS = 40  # a news article's first sentences restate its headline: ranked apart


def build_schema() -> Schema:
    strict = TalashAnalyzer("strict")
    return Schema(
        id=ID(stored=True, unique=True),
        title=TalashText(analyzer=strict, stored=True, phrase=True),
        body=TalashText(analyzer=strict, stored=True, phrase=True),
        **{name: TalashText(analyzer=TalashAnalyzer(name), phrase=False) for name in LOOSE_FIELDS},
        lead=TalashText(analyzer=strict, phrase=False),
        url=STORED(),
        date=DATETIME(stored=True, sortable=True),
        site=ID(stored=True),
        category=ID(stored=True),
        lang=ID(stored=True),
        year=KEYWORD(),
        hash=STORED(),
    )


def index_fields(doc) -> dict:
    """The values ``writer.add_document`` takes for a Document."""
    combined = doc.title + PART_SEPARATOR + doc.body
    fields = dict(
        id=doc.id, title=doc.title, body=doc.body, url=doc.url, site=doc.site,
        category=doc.category, lang=doc.lang, hash=doc.content_hash(),
        **dict.fromkeys(LOOSE_FIELDS, combined),
        lead=lead(doc.body),
    )
    if doc.date is not None:
        fields["date"] = doc.date
        fields["year"] = str(doc.date.year)
    return fields


def lead(body: str, words: int = LEAD_WORDS) -> str:
    """The opening of a body: its first ``words`` words."""
    return " ".join(body.split(maxsplit=words)[:words])
