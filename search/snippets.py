"""Snippets: the passage of a document that best shows why it matched, with the matches marked.

A ``Highlighter`` is made once per query and asked for one snippet per hit. It marks a
document word when it matches a query word the way the index does: exactly, by a loose
variant (hamza, madda, Arabic-keyboard letters), by an English plural, by its cross-script
key (``blinken`` marks بلنکن), or as half of a compound written apart or together (the query
``خوبصورت`` marks ``خوب صورت``; the query ``خوب صورت`` marks ``خوبصورت``). Phrases are marked
where the whole phrase occurs. Stop words of the query are not marked (unless the query is
nothing else).

Offsets come from the analyzer's tokens, which point into the original text, so the snippet
is cut on word boundaries of the text as written, then HTML-escaped piece by piece with
``<mark>`` around matched words.
"""

import html
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from search.analysis import crossscript, filters
from search.analysis.analyzers import cached_tokens, is_stopword
from search.analysis.tokenizers import Tok, tokenize

SNIPPET_WORDS = 36  # about two lines of text
LEAD_WORDS = 4  # words of context kept before the first match
MAX_TEXT_CHARS = 50_000  # longer texts are snippeted from their start
_QUERY_KINDS = ("word", "handle", "tag", "url")


@lru_cache(maxsize=1 << 16)
def _word_keys(text: str, script: str, arabic_heh: bool, query: bool) -> tuple:
    """What a word can match on: exact, loose variants, English stem, cross-script keys."""
    strict = filters.strict(text, script)
    keys = [("s", strict)]
    keys += [("l", k) for k in filters.loose(strict, script, arabic_heh)]
    if script == "en":
        keys.append(("e", filters.s_stem(strict)))
    prefixes = crossscript.QUERY_KEY_PREFIX if query else crossscript.KEY_PREFIX
    if script in prefixes:
        keys += [("x", prefixes[script] + k) for k in crossscript.keys(strict, script)
                 if len(k) >= crossscript.MIN_KEY_LEN]
    return tuple(keys)


def _pair_keys(a: Tok, b: Tok, query: bool, cross: bool = True) -> tuple:
    """Keys of two adjacent words read as one: the joined Urdu word, the pair's key (only
    with ``cross``: no query word can meet a document pair across scripts otherwise)."""
    return _pair_keys_of(a.text, a.script, b.text, b.script, query, cross)


@lru_cache(maxsize=1 << 16)
def _pair_keys_of(a: str, a_script: str, b: str, b_script: str, query: bool,
                  cross: bool) -> tuple:
    keys = []
    if a_script == b_script == "ur":
        joined = filters.joined(a, b)
        keys += [("s", joined)] + [("l", k) for k in filters.loose(joined, "ur")]
    if cross and a_script == b_script and a_script in crossscript.KEY_PREFIX:
        prefix = (crossscript.QUERY_KEY_PREFIX if query else crossscript.KEY_PREFIX)[a_script]
        first, second = filters.strict(a, a_script), filters.strict(b, b_script)
        keys += [("x", prefix + k) for k in crossscript.pair_keys(first, second, a_script)]
    return tuple(keys)


def _adjacent(a: Tok, b: Tok) -> bool:
    return b.pos == a.pos + 1 and a.sentence == b.sentence


@dataclass
class _Span:
    """One stretch of the text as written: a word, or a handle/URL with its parts."""

    start: int
    end: int
    words: frozenset = frozenset()  # the query words it matches


class Highlighter:
    """Marks the words of one query in document texts."""

    def __init__(self, words: str, phrases=()):
        self.wanted: dict[tuple, set[int]] = {}  # keys of the query's words
        self.joined: dict[tuple, set[int]] = {}  # keys of adjacent query words read as one
        toks = [t for t in cached_tokens(words) if t.kind in _QUERY_KINDS]
        stop = [is_stopword(t) for t in toks]
        content = [t for t, s in zip(toks, stop, strict=True) if not s] or toks
        number = {id(t): n for n, t in enumerate(content)}
        for t in content:
            self._want(_word_keys(t.text, t.script, t.arabic_heh, True), {number[id(t)]})
        for a, b in zip(toks, toks[1:], strict=False):
            covers = {number[id(t)] for t in (a, b) if id(t) in number}
            if covers and _adjacent(a, b):
                for key in _pair_keys(a, b, True):
                    self.joined.setdefault(key, set()).update(covers)
        self.lookup = {key: self.wanted.get(key, set()) | self.joined.get(key, set())
                       for key in [*self.wanted, *self.joined]}
        # Beginnings of the query's words: a document pair can only spell one of them if its
        # first word (less its last letter, which joining may change) is one.
        self.heads = {term[:n] for kind, term in self.wanted if kind in "sl"
                      for n in range(len(term))}
        # The document scripts a query key can meet across scripts ("u": Urdu, "l": Latin).
        self.cross = {key[1][0] for key in [*self.wanted, *self.joined] if key[0] == "x"}
        self.phrases = []
        for n, phrase in enumerate(phrases, start=len(content)):
            terms = [filters.strict(t.text, t.script) for t in cached_tokens(phrase)
                     if t.kind == "word"]
            if terms:
                self.phrases.append((terms, n))

    def _want(self, keys, words: set[int]):
        for key in keys:
            self.wanted.setdefault(key, set()).update(words)

    def spans(self, text: str) -> list[_Span]:
        """The text's words, each with the query words it matches."""
        toks = tokenize(text[:MAX_TEXT_CHARS])
        found: list[set[int]] = [set() for _ in toks]
        lookup, none = self.lookup, frozenset()
        for i, t in enumerate(toks):
            for key in _word_keys(t.text, t.script, t.arabic_heh, False):
                found[i] |= lookup.get(key, none)
        for i, (a, b) in enumerate(zip(toks, toks[1:], strict=False)):
            cross = crossscript.KEY_PREFIX.get(a.script) in self.cross
            if not (cross or a.text[:-1] in self.heads) or not _adjacent(a, b):
                continue  # no query word can start with this word: skip the pair
            alone = found[i] | found[i + 1]
            for key in _pair_keys(a, b, False, cross):
                # A query word written as two, or a name pair across scripts (both sides
                # split is already marked word by word, and a word one half matches alone
                # does not make its neighbour a match).
                words = self.wanted.get(key, none) | (self.joined.get(key, none)
                                                      if key[0] == "x" else none)
                found[i] |= words - alone
                found[i + 1] |= words - alone
        self._mark_phrases(toks, found)
        return _merge(toks, found)

    def _mark_phrases(self, toks: list[Tok], found: list[set[int]]):
        if not self.phrases:
            return
        strict = [filters.strict(t.text, t.script) for t in toks]
        for terms, n in self.phrases:
            for i in range(len(toks) - len(terms) + 1):
                run = toks[i:i + len(terms)]
                if strict[i:i + len(terms)] == terms and all(
                        b.pos == a.pos + 1 for a, b in zip(run, run[1:], strict=False)):
                    for j in range(i, i + len(terms)):
                        found[j].add(n)

    def snippet(self, text: str, size: int = SNIPPET_WORDS) -> str:
        """The best passage of ``text``: HTML-escaped, matched words in ``<mark>``."""
        spans = self.spans(text)
        if not spans:
            return html.escape(_cut(text, 240))
        first, last = _best_window(spans, size)
        return _render(text, spans, first, last)


def _merge(toks: list[Tok], found: list[set[int]]) -> list[_Span]:
    """Overlapping tokens (a handle and its parts) become one span of the written text."""
    spans: list[_Span] = []
    for t, words in zip(toks, found, strict=True):
        if spans and t.start < spans[-1].end:
            prev = spans[-1]
            prev.end = max(prev.end, t.end)
            prev.words = prev.words | words
        else:
            spans.append(_Span(t.start, t.end, frozenset(words)))
    return spans


def _best_window(spans: list[_Span], size: int) -> tuple[int, int]:
    """``(first, last)`` span numbers of the window with the most distinct query words
    (then the most matched spans), opened a few words before its first match."""
    hits = [i for i, span in enumerate(spans) if span.words]
    if not hits:
        return _glued(spans, 0, min(len(spans), size) - 1)
    counts: Counter = Counter()
    best, best_score, left = (0, 0), (0, 0), 0
    for right, at in enumerate(hits):
        counts.update(spans[at].words)
        while at - hits[left] >= size:
            counts.subtract(spans[hits[left]].words)
            left += 1
        score = (sum(1 for c in counts.values() if c > 0), right - left + 1)
        if score > best_score:
            best, best_score = (hits[left], at), score
    first = max(0, best[1] - size + 1, best[0] - LEAD_WORDS)
    return _glued(spans, first, min(len(spans), first + size) - 1)


def _glued(spans: list[_Span], first: int, last: int) -> tuple[int, int]:
    """Widen a window so it does not cut through words written together (``v15``,
    ``Aliyaنے`` are two tokens each but one word on the page)."""
    while first > 0 and spans[first - 1].end == spans[first].start:
        first -= 1
    while last + 1 < len(spans) and spans[last].end == spans[last + 1].start:
        last += 1
    return first, last


def _render(text: str, spans: list[_Span], first: int, last: int) -> str:
    out = ["… "] if first > 0 else []
    at = spans[first].start
    marking = False
    for span in spans[first:last + 1]:
        gap = html.escape(text[at:span.start])
        if marking and (not span.words or gap.strip()):
            out.append("</mark>")
            marking = False
        out.append(gap)
        if span.words and not marking:
            out.append("<mark>")
            marking = True
        out.append(html.escape(text[span.start:span.end]))
        at = span.end
    if marking:
        out.append("</mark>")
    tail = _closing_punctuation(text, at)
    out.append(html.escape(text[at:tail]))
    if last < len(spans) - 1 or text[tail:].strip():
        out.append(" …")
    return "".join(out)


def _closing_punctuation(text: str, at: int, limit: int = 3) -> int:
    """Where the punctuation right after a word ends (a full stop, a comma, a quote)."""
    end = at
    while end < len(text) and end - at < limit and not text[end].isspace() \
            and not text[end].isalnum():
        end += 1
    return end


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, cut at a space."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > 0 else limit] + " …"
