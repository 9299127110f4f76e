"""User text → a parsed query: free words, "quoted phrases", ``-excluded`` words, filters.

The grammar is deliberately small and forgiving: ``site:``, ``lang:``, ``category:``,
``year:`` and ``date:FROM..TO`` (``FROM`` and ``TO`` are ``YYYY`` or ``YYYY-MM-DD``, either may
be left out) are filters; a quote opens a phrase (an unclosed one runs to the end); a leading
``-`` excludes a word. Anything else, including unknown ``key:value`` pairs, is matched as
words, and no input raises.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

MAX_QUERY_CHARS = 1000

_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"?|(?P<neg>-)?(?P<word>[^\s"]+)')
_FILTER = re.compile(r"^(?P<key>site|lang|category|year|date):(?P<value>.+)$", re.I)


@dataclass
class ParsedQuery:
    text: str = ""  # the free words, in order
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    date_range: tuple[datetime | None, datetime | None] | None = None
    filter_spans: list[tuple[int, int]] = field(default_factory=list)  # where filters are


def parse(text: str) -> ParsedQuery:
    """Split user text into words, phrases, exclusions and filters; never raises."""
    parsed = ParsedQuery()
    words = []
    for m in _TOKEN.finditer(text[:MAX_QUERY_CHARS]):
        if m.group("phrase") is not None:
            if m.group("phrase").strip():
                parsed.phrases.append(m.group("phrase"))
            continue
        word = m.group("word")
        f = _FILTER.match(word)
        if f and _apply_filter(parsed, f.group("key").lower(), f.group("value")):
            parsed.filter_spans.append(m.span())
            continue
        if m.group("neg") and word:
            parsed.excluded.append(word)
        else:
            words.append((m.group("neg") or "") + word)
    parsed.text = " ".join(words)
    return parsed


def _apply_filter(parsed: ParsedQuery, key: str, value: str) -> bool:
    if key == "date":
        start, _, end = value.partition("..")
        try:
            parsed.date_range = (_day(start), _day(end, end_of_day=True))
        except ValueError:
            return False
        return True
    parsed.filters[key] = value.lower() if key != "site" else value.lower().removeprefix("www.")
    return True


def _day(text: str, end_of_day: bool = False) -> datetime | None:
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        text = f"{text}-12-31" if end_of_day else f"{text}-01-01"
    day = datetime.fromisoformat(text)
    return day.replace(hour=23, minute=59, second=59) if end_of_day else day
