"""Parsed query → Whoosh query → ranked hits with snippets, facets and a suggestion.

The query language is in ``parsing.py``; ranking in ``scoring.py``; snippets in
``snippets.py``; "did you mean" in ``suggest.py``; words typed without their spaces are cut in
``runon.py``. Here each query word becomes a clause of
lookups in every field, weighted so exact matches come first (strict title > body > join >
loose > stem > cross-script key, plus Urdu inflections); adjacent words also become a pair
clause. A query of up to ``Ranking.all_words_up_to`` words needs all of them, a longer one a
share (``min_match``); when too few documents qualify (none, or under ``FALLBACK_BELOW`` for
a long query) the search widens to any word and says so with ``mode: "any"``.
"""

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from whoosh import query as Q

from search import runon, textwords, zerocopy
from search.aliases import AliasTable, explain
from search.aliases import load as load_aliases
from search.analysis import crossscript, filters
from search.analysis.analyzers import cached_tokens, is_stopword
from search.analysis.tokenizers import Tok
from search.arrays import Generation
from search.engine import Engine
from search.errors import QueryError
from search.indexing import CURRENT, open_live
from search.parsing import MAX_QUERY_CHARS, ParsedQuery, parse
from search.scoring import RANKING, Alt, Clause, MatchQuery
from search.snippets import Highlighter
from search.suggest import suggest

MAX_PER_PAGE = 100
FACETS = ("site", "category", "lang", "year")
FALLBACK_BELOW = 20  # fewer documents matching most words of a long query: any word will do
RESULT_CACHE = 1024  # answers kept per process (0: none)
WARM_DOCUMENTS = 20_000  # stored texts a starting worker reads to fill its word cache: at
# 100,000 documents, 2,000 left ~4 words of each hit to analyse on the spot (a tenth of a
# warm worker's CPU over HTTP); 20,000 leave 0.04 (warm-up 3 -> 6.6 s of CPU)
SUGGEST_BELOW = 3  # a query finding fewer documents than this gets a "did you mean"
FILTER_FIELDS = ("site", "lang", "category", "year")

# Field weights inside a word's BM25F sum; "pair" weighs two query words found side by side.
BOOSTS = {"title": 3.0, "body": 1.5, "lead": 1.0, "join": 1.2, "pair": 1.2, "loose": 0.8,
          "stem": 0.6, "xkey": 0.3, "inflect": 0.6}


def _word_alts(tok: Tok) -> list[Alt]:
    """Every lookup of one query word, exact fields first."""
    strict = filters.strict(tok.text, tok.script)
    alts = [Alt("title", strict, BOOSTS["title"]), Alt("body", strict, BOOSTS["body"]),
            Alt("lead", strict, BOOSTS["lead"]), Alt("join", strict, BOOSTS["join"])]
    alts += [Alt("loose", k, BOOSTS["loose"])
             for k in filters.loose(strict, tok.script, tok.arabic_heh)]
    if tok.script == "en":
        alts.append(Alt("stem", filters.s_stem(strict), BOOSTS["stem"]))
    alts += [Alt("xkey", k, BOOSTS["xkey"]) for k in crossscript.word_query_terms(tok)]
    if tok.script == "ur" and BOOSTS["inflect"]:
        seen = {strict}
        for stem in inflection_stems(strict):
            endings = tuple(e for e in ENDINGS if stem + e not in seen)
            seen.update(stem + e for e in endings)
            if endings:
                alts.append(Alt("body", stem, BOOSTS["inflect"], endings))
    return alts


# Urdu inflections (verbs: پڑھ → پڑھا پڑھی پڑھے پڑھنا پڑھتے ...; nouns: کتاب → کتابیں کتابوں,
# اضافہ → اضافے اضافوں; adjectives: حکومت → حکومتی).
ENDINGS = ("", "ا", "ی", "ے", "و", "یں", "وں", "نا", "نی", "نے", "تا", "تی", "تے", "تیں",
           "ئے", "ئی", "یا", "یے", "ات", "ئیں", "یاں", "ہ")
_STRIP = sorted((e for e in ENDINGS if e), key=len, reverse=True)
MIN_STEM = 3


def inflection_stems(word: str) -> list[str]:
    """Every stem ``word`` may have, longest ending first: an ending can hide a shorter one
    (حکومتی is حکومت + ی, not حکوم + تی; پاکستانی is پاکستان + ی, not + نی)."""
    stems = [word[: -len(e)] for e in _STRIP if word.endswith(e) and len(word) - len(e) >= MIN_STEM]
    return stems or [word]


def _pair_alts(a: Tok, b: Tok) -> list[Alt]:
    """Two adjacent query words looked up as one: Urdu words side by side (``join``) or
    written as one word (title, body); either script's pair by its cross-script key."""
    alts = []
    if a.script == b.script == "ur":
        joined = filters.joined(a.text, b.text)
        alts += [Alt("title", joined, BOOSTS["title"]), Alt("body", joined, BOOSTS["body"]),
                 Alt("join", joined, BOOSTS["pair"])]
    alts += [Alt("xkey", k, BOOSTS["xkey"]) for k in crossscript.pair_query_terms(a, b)]
    return alts


def _phrase_clause(text: str) -> Q.Query | None:
    terms = [filters.strict(t.text, t.script) for t in cached_tokens(text) if t.kind == "word"]
    if not terms:
        return None
    if len(terms) == 1:
        return Q.Or([Q.Term("title", terms[0]), Q.Term("body", terms[0])])
    return Q.Or([Q.Phrase("title", terms, boost=BOOSTS["title"]),
                 Q.Phrase("body", terms, boost=BOOSTS["body"])])


def query_tokens(text: str, known=None) -> list[Tok]:
    """The searchable tokens of ``text``; given ``known`` (is a term in the index?), a word
    typed without its spaces becomes the words it is made of (``runon.py``)."""
    toks = [t for t in cached_tokens(text) if t.kind in ("word", "handle", "tag", "url")]
    return runon.split_tokens(toks, known) if known else toks


def _stops(toks: list[Tok]) -> list[bool]:
    """Which tokens are stop words (none, in a query of stop words only: it still searches
    with them)."""
    stop = [is_stopword(t) for t in toks]
    return [False] * len(toks) if all(stop) else stop


def word_clauses(text: str, aliases: AliasTable | None = None,
                 known=None) -> tuple[list[Clause], int]:
    """The clauses of the free words of a query, and how many words they count."""
    toks = query_tokens(text, known)
    stop = _stops(toks)
    index: dict[int, int] = {}  # token -> word number, content words only
    clauses = []
    for i, tok in enumerate(toks):
        if not stop[i]:
            index[i] = len(index)
            clauses.append(Clause(tuple(_word_alts(tok)), (index[i],)))
    for i, (a, b) in enumerate(zip(toks, toks[1:], strict=False)):
        alts = _pair_alts(a, b) if b.pos == a.pos + 1 else []
        if alts:
            covers = tuple(index[j] for j in (i, i + 1) if j in index)
            clauses.append(Clause(tuple(alts), covers, RANKING.pair_weight))
    # A two-symbol key (rihai → rh) counts for its word only where two other words matched,
    # and only for a Latin word: Roman Urdu is spelt loosely, but an Urdu word's two-symbol
    # key reaches only the Latin words of a document, mostly unrelated English (سال → sale).
    for i, tok in enumerate(toks):
        short = (crossscript.short_query_terms(tok)
                 if tok.script == "en" and i in index and len(index) > 2 else [])
        if short:
            alts = tuple(Alt("xkey", k, BOOSTS["xkey"]) for k in short)
            clauses.append(Clause(alts, (index[i],), needs_others=2))
    for m in aliases.find(toks, text) if aliases else ():
        covers = tuple(index[j] for j in range(m.start, m.end) if j in index)
        alts = tuple(Alt(*a) for a in m.alts(BOOSTS))
        if covers and alts:
            clauses.append(Clause(alts, covers))
    return clauses, len(index)


def _alias_phrases(text: str, aliases: AliasTable | None) -> Q.Query | None:
    """Alias forms of several English words (United Nations) or three-plus Urdu words."""
    subs = [Q.Phrase(f, list(terms), boost=BOOSTS[f])
            for m in (aliases.find(query_tokens(text), text) if aliases else ())
            for terms in m.phrases() for f in ("title", "body")]
    return Q.Or(subs) if subs else None


def min_match(n_words: int, ranking=None) -> int:
    """How many of ``n_words`` query words a document must match in "all" mode."""
    rk = ranking or RANKING
    if n_words <= rk.all_words_up_to:
        return n_words
    return max(rk.all_words_up_to, math.ceil(n_words * rk.min_share))


def fallback_below(parsed: ParsedQuery, known=None) -> int:
    """Below how many results a search widens to any word: a long query (a headline, a
    question) whose words few documents share widens early; a short one only on no match."""
    if not (parsed.text or parsed.phrases):
        return 0
    n_words = _stops(query_tokens(" ".join([parsed.text, *parsed.phrases]), known)).count(False)
    return FALLBACK_BELOW if n_words > RANKING.all_words_up_to else 1


def build_query(parsed: ParsedQuery, mode: str = "all",
                aliases: AliasTable | None = None, known=None) -> Q.Query | None:
    """The Whoosh query for ``parsed``.

    ``mode`` "all" requires the phrases and (most of) the words; "any" requires one word
    of the words or phrases, and a phrase found whole only ranks its document higher.
    ``known`` (``Engine.is_word``) lets a word typed without its spaces count as its words.
    """
    phrases = [p for p in map(_phrase_clause, parsed.phrases) if p is not None]
    text = parsed.text if mode == "all" else " ".join([parsed.text, *parsed.phrases])
    clauses, n_words = word_clauses(text, aliases, known)
    words = None
    if n_words:
        need = min_match(n_words) if mode == "all" else 1
        words = MatchQuery(clauses, n_words, need, RANKING)
        alias_phrases = _alias_phrases(text, aliases)
        if alias_phrases is not None:
            words = Q.Or([words, alias_phrases])
    if mode == "all" or words is None:
        required = phrases + ([words] if words else [])
        main = Q.And(required) if len(required) > 1 else required[0] if required else None
    else:
        main = Q.AndMaybe(words, Q.Or(phrases)) if phrases else words
    if main is None:
        # No words: every document, narrowed by the filters and exclusions (if any).
        if not (parsed.filters or parsed.date_range or parsed.excluded):
            return None
        main = Q.Every()
    for word in parsed.excluded:
        excluded = [t for t in cached_tokens(word) if t.kind == "word"]
        if excluded:
            main = Q.AndNot(main, Q.Or([_exact(t) for t in excluded]))
    return main


def _exact(tok: Tok) -> Q.Query:
    strict = filters.strict(tok.text, tok.script)
    return Q.Or([Q.Term("title", strict), Q.Term("body", strict)])


def _unknown_word(known, parsed: ParsedQuery) -> bool:
    """Whether a word of the query is in no title or body as written (it may be found only
    through a looser field, or not at all); ``known`` is ``Engine.is_word``."""
    for tok in cached_tokens(" ".join([parsed.text, *parsed.phrases])):
        if tok.kind == "word" and tok.script in ("ur", "en") and not is_stopword(tok):
            if not known(filters.strict(tok.text, tok.script)):
                return True
    return False


class Searcher:
    """Searches the live generation of an index directory; reopens when it changes.

    One Whoosh searcher per thread, reused across requests and refreshed when ``CURRENT``
    names a new generation.
    """

    def __init__(self, root: str | Path, aliases: AliasTable | None = None,
                 cache_size: int = RESULT_CACHE):
        zerocopy.install()  # one Whoosh searcher per thread: opened in place, not copied
        self.root = Path(root)
        self.aliases = aliases if aliases is not None else load_aliases()
        self._local = threading.local()
        self._shared: dict[str, Generation] = {}  # generation name → arrays all threads use
        self._lock = threading.Lock()
        self._results = ResultCache(cache_size)
        self._state()  # fail early: a missing or outdated index raises here

    def _state(self):
        local = self._local
        try:
            name = (self.root / CURRENT).read_text("utf-8").strip()
        except (OSError, ValueError):  # unreadable or not text: open_live says what to do
            name = None
        if getattr(local, "generation", None) != name or name is None:
            ix, gen = open_live(self.root)
            old = getattr(local, "searcher", None)
            local.searcher, local.generation, local.ix = ix.searcher(), gen, ix
            local.engine = Engine(local.searcher, self._arrays(gen))
            if old is not None:
                old.close()
        return local.searcher, local.generation

    def _arrays(self, generation: str) -> Generation:
        """The shared arrays of ``generation``; those of older generations are let go."""
        with self._lock:
            shared = self._shared.get(generation)
            if shared is None:
                self._shared = {generation: Generation(generation, self.root / generation)}
                shared = self._shared[generation]
            return shared

    def engine(self) -> Engine:
        self._state()
        return self._local.engine

    def warm(self, documents: int = WARM_DOCUMENTS):
        """Read the live generation's arrays and tables now rather than on the first searches,
        and read ``documents`` stored texts (spread over the index) so the words snippets
        meet are mostly analyzed already (a worker does this as it starts)."""
        engine = self.engine()
        engine.warm()
        searcher = engine.searcher
        total = searcher.doc_count_all()
        for docnum in range(0, total, max(1, total // max(documents, 1))):
            try:
                stored = searcher.stored_fields(docnum)
            except Exception:  # noqa: BLE001 - a deleted document: nothing to warm
                continue
            for name in ("title", "body"):
                textwords.scan(stored.get(name) or "")

    @property
    def generation(self) -> str:
        return self._state()[1]

    def doc_count(self) -> int:
        return self._state()[0].doc_count()

    def search(self, q: str, page: int = 1, per_page: int = 10, sort: str = "relevance",
               snippets: bool = True, **filter_args) -> dict:
        """Search and return the JSON-ready result (see the README's API section).
        ``snippets=False`` leaves out each hit's snippet and ``matched`` (ids and fields only,
        for programs that need no more)."""
        started = time.perf_counter()
        key = (q, page, per_page, sort, snippets,
               tuple(sorted((k, str(v)) for k, v in filter_args.items() if v)))
        searcher, generation = self._state()
        cached = self._results.get(generation, key)
        if cached is not None:
            return dict(cached, took_ms=round((time.perf_counter() - started) * 1000, 2))
        if sort not in ("relevance", "date"):
            raise QueryError(f"unknown sort {sort!r}; use 'relevance' or 'date'")
        if page < 1:
            raise QueryError("page must be 1 or more")
        per_page = max(1, min(int(per_page), MAX_PER_PAGE))
        parsed = parse(q or "")
        for key, value in filter_args.items():
            if value and key in FILTER_FIELDS:
                parsed.filters[key] = str(value).lower()
        engine = self._local.engine
        result = {"query": q, "total": 0, "page": page, "per_page": per_page, "mode": "all",
                  "suggestion": None, "facets": {f: [] for f in FACETS}, "results": [],
                  "generation": generation}
        known = engine.is_word
        query = build_query(parsed, "all", self.aliases, known)
        if query is not None:
            hits = self._run(engine, query, parsed, page, per_page, sort)
            if hits.total < fallback_below(parsed, known):
                any_query = build_query(parsed, "any", self.aliases, known)
                if any_query is not None:
                    hits = self._run(engine, any_query, parsed, page, per_page, sort)
                    result["mode"] = "any"
            marker = Highlighter(parsed.text, parsed.phrases) if snippets else None
            result.update(total=hits.total, facets=hits.facets,
                          results=[self._hit(searcher.stored_fields(docnum), score, marker,
                                             parsed) for docnum, score in hits.page])
            if (hits.total < SUGGEST_BELOW or result["mode"] == "any"
                    or _unknown_word(known, parsed)):
                result["suggestion"] = self._suggestion(searcher, engine, q, parsed, result)
        result["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
        self._results.put(generation, key, result)
        return result

    def _suggestion(self, searcher, engine: Engine, q: str, parsed: ParsedQuery,
                    result: dict) -> str | None:
        """A corrected query that finds more (all its words, where the original could not)."""
        fixed = suggest(searcher.reader(), q[:MAX_QUERY_CHARS], parsed.filter_spans,
                        engine.generation.spelling(searcher))
        if not fixed:
            return None
        better = parse(fixed)
        better.filters = parsed.filters
        query = build_query(better, "all", self.aliases)
        if query is None:
            return None
        found = engine.count(query, better.filters, better.date_range)
        if found and (result["mode"] == "any" or found > result["total"]):
            return fixed
        return None

    def _run(self, engine: Engine, query, parsed, page, per_page, sort):
        found = engine.search(query, parsed.filters, parsed.date_range, limit=per_page,
                              start=(page - 1) * per_page, sort=sort)
        facets = {f: sorted(({"value": k, "count": n} for k, n in found.facets[f].items()
                             if k not in (None, "")),
                            key=lambda d: (-d["count"], str(d["value"])))
                  for f in FACETS}
        return _Hits(found.total, list(zip(found.docnums, found.scores, strict=True)), facets)

    def _hit(self, stored: dict, score: float, marker: Highlighter | None,
             parsed: ParsedQuery) -> dict:
        date = stored.get("date")
        return {
            "id": stored["id"], "title": stored.get("title", ""), "url": stored.get("url", ""),
            "date": date.date().isoformat() if date else None, "site": stored.get("site", ""),
            "category": stored.get("category", ""), "lang": stored.get("lang", ""),
            "score": round(float(score or 0.0), 4),
            "snippet": marker.snippet(stored.get("body", "") or stored.get("title", ""))
            if marker else "",
            "matched": self._matched(parsed, stored) if marker else [],
        }

    def _matched(self, parsed: ParsedQuery, stored: dict) -> list[dict]:
        """Which query word matched through which other form (blinken → بلنکن)."""
        texts = [stored.get(f) or "" for f in ("title", "body")]
        return [m.as_dict() for m in explain(query_tokens(parsed.text), parsed.text, texts,
                                             self.aliases)]


class ResultCache:
    """The last answers of this process, by query and generation (least recently used go
    first). A new generation empties it. Results are shared: callers must not change them."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._items: OrderedDict = OrderedDict()

    def get(self, generation: str, key) -> dict | None:
        if not self.size or generation != self._generation:
            return None
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, generation: str, key, result: dict):
        if not self.size:
            return
        with self._lock:
            if generation != self._generation:
                self._generation, self._items = generation, OrderedDict()
            self._items[key] = result
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class _Hits:
    total: int
    page: list
    facets: dict
