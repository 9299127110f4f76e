"""User text → Whoosh query → ranked hits with snippets and facets.

User text is text: plain words, "quoted phrases", ``-excluded`` words and a few filters
(``site:``, ``lang:``, ``category:``, ``year:``, ``date:FROM..TO``). Anything else is matched
as words, and no input raises. Each query word is looked up in every field with a boost that
puts exact matches first (strict > join > loose > stem > cross-script key), title above body.
"""

import html
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import query as Q
from whoosh import sorting

from search.analysis import crossscript, filters
from search.analysis.analyzers import (
    MIN_KEY_LEN,
    QUERY_KEY_PREFIX,
    cached_tokens,
    is_stopword,
)
from search.analysis.tokenizers import Tok, tokenize
from search.errors import QueryError
from search.indexing import CURRENT, open_live

MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 1000
FACETS = ("site", "category", "lang", "year")
FILTER_FIELDS = ("site", "lang", "category", "year")

BOOSTS = {"title": 3.0, "body": 1.5, "join": 1.2, "loose": 0.8, "stem": 0.6, "xkey": 0.3}
MAX_ALL_WORDS = 3  # queries with more content words than this need only most of them

_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"?|(?P<neg>-)?(?P<word>[^\s"]+)')
_FILTER = re.compile(r"^(?P<key>site|lang|category|year|date):(?P<value>.+)$", re.I)


@dataclass
class ParsedQuery:
    text: str = ""  # the free words, in order
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    date_range: tuple[datetime | None, datetime | None] | None = None


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


def _word_clause(tok: Tok, boost: float = 1.0) -> Q.Query:
    """One query word, looked up in every field it can match."""
    strict = filters.strict(tok.text, tok.script)
    subs = [Q.Term("title", strict, boost=BOOSTS["title"] * boost),
            Q.Term("body", strict, boost=BOOSTS["body"] * boost),
            Q.Term("join", strict, boost=BOOSTS["join"] * boost)]
    subs += [Q.Term("loose", k, boost=BOOSTS["loose"] * boost)
             for k in filters.loose(strict, tok.script, tok.arabic_heh)]
    if tok.script == "en":
        subs.append(Q.Term("stem", filters.s_stem(strict), boost=BOOSTS["stem"] * boost))
    key = crossscript.key(strict, tok.script)
    if len(key) >= MIN_KEY_LEN:
        subs.append(Q.Term("xkey", QUERY_KEY_PREFIX[tok.script] + key,
                           boost=BOOSTS["xkey"] * boost))
    return Q.Or(subs)


def _pair_clause(a: Tok, b: Tok) -> Q.Query:
    """Two adjacent Urdu query words that a document may have written as one word."""
    joined = filters.joined(a.text, b.text)
    subs = [Q.Term("title", joined, boost=BOOSTS["title"]),
            Q.Term("body", joined, boost=BOOSTS["body"]),
            Q.Term("join", joined, boost=BOOSTS["join"])]
    key = crossscript.urdu_key(joined)
    if len(key) >= MIN_KEY_LEN:
        subs.append(Q.Term("xkey", QUERY_KEY_PREFIX["ur"] + key, boost=BOOSTS["xkey"]))
    return Q.Or(subs)


def _phrase_clause(text: str) -> Q.Query | None:
    terms = [filters.strict(t.text, t.script) for t in cached_tokens(text) if t.kind == "word"]
    if not terms:
        return None
    if len(terms) == 1:
        return Q.Or([Q.Term("title", terms[0]), Q.Term("body", terms[0])])
    return Q.Or([Q.Phrase("title", terms, boost=BOOSTS["title"]),
                 Q.Phrase("body", terms, boost=BOOSTS["body"])])


def build_query(parsed: ParsedQuery, mode: str = "all") -> Q.Query | None:
    """The Whoosh query for ``parsed``; ``mode`` "all" requires (most) words, "any" one."""
    toks = [t for t in cached_tokens(parsed.text) if t.kind in ("word", "handle", "tag", "url")]
    stop = [is_stopword(t) for t in toks]
    if all(stop):
        stop = [False] * len(toks)  # a query of stop words only still searches with them
    words = {i: _word_clause(t) for i, t in enumerate(toks) if not stop[i]}
    pairs = {i: _pair_clause(a, b) for i, (a, b) in enumerate(zip(toks, toks[1:], strict=False))
             if a.script == b.script == "ur" and b.pos == a.pos + 1}
    required = [p for p in map(_phrase_clause, parsed.phrases) if p is not None]
    if words and mode == "all" and len(words) <= MAX_ALL_WORDS:
        # Every word, where two adjacent words may also be found written as one.
        options = [Q.And(list(words.values()))]
        for i, pair in pairs.items():
            rest = [w for j, w in words.items() if j not in (i, i + 1)]
            options.append(Q.And([pair, *rest]) if rest else pair)
        required.append(Q.Or(options) if len(options) > 1 else options[0])
    elif words:
        # Longer queries, or the fallback: any word; documents matching more rank higher.
        required.append(Q.Or([*words.values(), *pairs.values()], scale=0.9))
    if not required:
        # Only filters (or nothing searchable): every document, narrowed by the filters.
        return Q.Every() if parsed.filters or parsed.date_range else None
    main = Q.And(required) if len(required) > 1 else required[0]
    for word in parsed.excluded:
        excluded = [t for t in cached_tokens(word) if t.kind == "word"]
        if excluded:
            main = Q.AndNot(main, Q.Or([_exact(t) for t in excluded]))
    return main


def _exact(tok: Tok) -> Q.Query:
    strict = filters.strict(tok.text, tok.script)
    return Q.Or([Q.Term("title", strict), Q.Term("body", strict)])


def _filter_query(parsed: ParsedQuery) -> Q.Query | None:
    parts = [Q.Term(k, v) for k, v in parsed.filters.items()]
    if parsed.date_range:
        start, end = parsed.date_range
        parts.append(Q.DateRange("date", start, end))
    if not parts:
        return None
    return Q.And(parts) if len(parts) > 1 else parts[0]


class Searcher:
    """Searches the live generation of an index directory; reopens when it changes.

    One Whoosh searcher per thread, reused across requests and refreshed when ``CURRENT``
    names a new generation.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._local = threading.local()
        self._state()  # fail early: a missing or outdated index raises here

    def _state(self):
        local = self._local
        try:
            name = (self.root / CURRENT).read_text("utf-8").strip()
        except OSError:
            name = None
        if getattr(local, "generation", None) != name or name is None:
            ix, gen = open_live(self.root)
            old = getattr(local, "searcher", None)
            local.searcher, local.generation, local.ix = ix.searcher(), gen, ix
            if old is not None:
                old.close()
        return local.searcher, local.generation

    @property
    def generation(self) -> str:
        return self._state()[1]

    def doc_count(self) -> int:
        return self._state()[0].doc_count()

    def search(self, q: str, page: int = 1, per_page: int = 10, sort: str = "relevance",
               **filter_args) -> dict:
        """Search and return the JSON-ready result (see the README's API section)."""
        started = time.perf_counter()
        if sort not in ("relevance", "date"):
            raise QueryError(f"unknown sort {sort!r}; use 'relevance' or 'date'")
        if page < 1:
            raise QueryError("page must be 1 or more")
        per_page = max(1, min(int(per_page), MAX_PER_PAGE))
        parsed = parse(q or "")
        for key, value in filter_args.items():
            if value and key in FILTER_FIELDS:
                parsed.filters[key] = str(value).lower()
        searcher, generation = self._state()
        result = {"query": q, "total": 0, "page": page, "per_page": per_page, "mode": "all",
                  "suggestion": None, "facets": {f: [] for f in FACETS}, "results": [],
                  "generation": generation}
        query = build_query(parsed, "all")
        if query is not None:
            hits = self._run(searcher, query, parsed, page, per_page, sort)
            if hits.total == 0 and parsed.text:
                any_query = build_query(parsed, "any")
                if any_query is not None:
                    hits = self._run(searcher, any_query, parsed, page, per_page, sort)
                    result["mode"] = "any"
            result.update(total=hits.total, facets=hits.facets,
                          results=[self._hit(h, parsed) for h in hits.page])
        result["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _run(self, searcher, query, parsed, page, per_page, sort):
        fq = _filter_query(parsed)
        sortedby = sorting.FieldFacet("date", reverse=True) if sort == "date" else None
        groupedby = {f: sorting.FieldFacet(f, maptype=sorting.Count) for f in FACETS}
        res = searcher.search(query, filter=fq, limit=page * per_page, sortedby=sortedby,
                              groupedby=groupedby)
        facets = {f: sorted(({"value": k, "count": n} for k, n in res.groups(f).items()
                             if k not in (None, "")),
                            key=lambda d: (-d["count"], str(d["value"])))
                  for f in FACETS}
        return _Hits(len(res), list(res[(page - 1) * per_page: page * per_page]), facets)

    def _hit(self, hit, parsed: ParsedQuery) -> dict:
        stored = hit.fields()
        date = stored.get("date")
        return {
            "id": stored["id"], "title": stored.get("title", ""), "url": stored.get("url", ""),
            "date": date.date().isoformat() if date else None, "site": stored.get("site", ""),
            "category": stored.get("category", ""), "lang": stored.get("lang", ""),
            "score": round(float(hit.score or 0.0), 4),
            "snippet": snippet(stored.get("body", ""), parsed),
        }


@dataclass
class _Hits:
    total: int
    page: list
    facets: dict


SNIPPET_TOKENS = 36


def _match_keys(tok: Tok) -> set[str]:
    strict = filters.strict(tok.text, tok.script)
    keys = {strict, *filters.loose(strict, tok.script, tok.arabic_heh)}
    if tok.script == "en":
        keys.add("stem:" + filters.s_stem(strict))
    return keys


def snippet(text: str, parsed: ParsedQuery, size: int = SNIPPET_TOKENS) -> str:
    """The passage of ``text`` with the most query words, HTML-escaped, matches in <mark>."""
    wanted = set()
    for part in [parsed.text, *parsed.phrases]:
        for t in cached_tokens(part):
            wanted |= _match_keys(t)
    toks = tokenize(text)
    if not toks:
        return html.escape(text[:240])
    hits = [bool(_match_keys(t) & wanted) for t in toks]
    best, best_score = 0, -1
    for i in range(len(toks)):
        if i == 0 or hits[i]:
            window = toks[i:i + size]
            score = len({toks[i + j].text for j in range(len(window)) if hits[i + j]})
            if score > best_score:
                best, best_score = i, score
    first = max(0, best - 4) if best_score > 0 else 0
    window = range(first, min(len(toks), first + size))
    out, at = [], toks[first].start if first else 0
    for i in window:
        t = toks[i]
        if t.start < at:
            continue
        out.append(html.escape(text[at:t.start]))
        piece = html.escape(text[t.start:t.end])
        out.append(f"<mark>{piece}</mark>" if hits[i] else piece)
        at = t.end
    end = toks[window[-1]].end if window else at
    prefix = "… " if first else ""
    suffix = " …" if end < len(text.rstrip()) else ""
    return prefix + "".join(out).strip() + suffix
