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
from bisect import bisect_right
from collections import Counter
from collections.abc import Set
from functools import lru_cache
from typing import NamedTuple

from search.analysis import crossscript, filters
from search.analysis.analyzers import cached_tokens, is_stopword
from search.analysis.tokenizers import Tok
from search.pairkeys import key_beginnings, key_heads, key_tails, no_pair_after
from search.textwords import Scan, cached_scan, word_keys

SNIPPET_WORDS = 36  # about two lines of text
LEAD_WORDS = 4  # words of context kept before the first match
MAX_TEXT_CHARS = 50_000  # longer texts are snippeted from their start
_QUERY_KINDS = ("word", "handle", "tag", "url")
_KEYS, _PAIRS, _PHRASES = 1, 2, 4  # what a document word can take part in
_new_tuple = tuple.__new__


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


class _Span(NamedTuple):
    """One stretch of the text as written: a word, or a handle/URL with its parts. (A tuple:
    a snippet makes one for each of the few dozen spans around its window.)"""

    start: int
    end: int
    words: Set[int]  # the query words it matches
    number: int  # its place among the text's spans


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
            self._want(word_keys(t.text, t.script, t.arabic_heh, True), {number[id(t)]})
        for a, b in zip(toks, toks[1:], strict=False):
            covers = {number[id(t)] for t in (a, b) if id(t) in number}
            if covers and _adjacent(a, b):
                for key in _pair_keys(a, b, True):
                    self.joined.setdefault(key, set()).update(covers)
        self.lookup = {key: self.wanted.get(key, set()) | self.joined.get(key, set())
                       for key in [*self.wanted, *self.joined]}
        # A set, not the dict: ``isdisjoint`` then walks the smaller side (a word's few keys)
        # instead of every key of the query, for each word of every hit.
        self.lookup_keys = frozenset(self.lookup)
        # Beginnings of the query's words: a document pair can only spell one of them if its
        # first word (less its last letter, which joining may change) is one.
        self.heads = {term[:n] for kind, term in self.wanted if kind in "sl"
                      for n in range(len(term))}
        x_terms = [term for kind, term in self.lookup_keys if kind == "x"]
        # Beginnings of the query's cross-script keys (with the document script's prefix):
        # a document pair can only have one of them as key if its first word's key begins
        # one (see pairkeys.key_heads).
        self.x_heads = key_beginnings(x_terms)
        # Endings of those keys: a pair's key can only be one if its second word's tails
        # hold one (see pairkeys.pair_tails).
        self.x_tails = key_tails(x_terms)
        self.phrases = []
        for n, phrase in enumerate(phrases, start=len(content)):
            terms = [filters.strict(t.text, t.script) for t in cached_tokens(phrase)
                     if t.kind == "word"]
            if terms:
                self.phrases.append((terms, n))
        self.first_terms = frozenset(terms[0] for terms, _ in self.phrases)
        # Every string a document word must share with the query to match in any way (its
        # keys' terms, the heads, the phrases' first words): most words share none, and one
        # set test per word rules them out (``Word.probe``).
        self.probe = frozenset(term for _, term in self.lookup_keys).union(
            self.heads, self.x_heads, self.first_terms)
        self._flags: dict[str, int] = {}  # what each document word seen so far can match

    def _want(self, keys, words: set[int]):
        for key in keys:
            self.wanted.setdefault(key, set()).update(words)

    def found(self, words: Scan) -> dict[tuple[int, int], set[int]]:
        """The query words each token (word k, token i) of a scanned text matches; tokens
        that match nothing are left out."""
        maybe = words.sharing(self.probe)
        flags, known, raws = {}, self._flags, words.raws
        for k in maybe:  # usually a handful
            flag = known.get(raws[k])
            if flag is None:
                flag = known[raws[k]] = self._classify(words.words[k])
            flags[k] = flag
        wanted = [k for k in maybe if flags[k]]
        found: dict[tuple[int, int], set[int]] = {}
        lookup, none = self.lookup, frozenset()
        for k in wanted:
            if flags[k] & _KEYS:
                for i, t in enumerate(words.words[k].toks):
                    hit = set()
                    for key in word_keys(t.text, t.script, t.arabic_heh, False):
                        hit |= lookup.get(key, none)
                    if hit:
                        found[(k, i)] = hit
        self._mark_pairs(words, [k for k in wanted if flags[k] & _PAIRS], found)
        self._mark_phrases(words, [k for k in wanted if flags[k] & _PHRASES], found)
        return found

    def _classify(self, w) -> int:
        """Which kinds of match a word can take part in (a bit each)."""
        flag = 0 if w.keys.isdisjoint(self.lookup_keys) else _KEYS
        if not (w.heads.isdisjoint(self.heads) and w.key_heads.isdisjoint(self.x_heads)):
            flag |= _PAIRS
        if self.phrases and not self.first_terms.isdisjoint(w.strict):
            flag |= _PHRASES
        return flag

    def _mark_pairs(self, words: Scan, candidates: list[int], found: dict):
        none, heads, wanted, joined = frozenset(), self.heads, self.wanted, self.joined
        for k in candidates:
            w = words.words[k]
            for i, a in enumerate(w.toks):
                cross = not self.x_heads.isdisjoint(key_heads(a.text, a.script))
                if cross and no_pair_after(words, k, i, self.x_tails):
                    cross = False
                step = (cross or a.text[:-1] in heads) and words.next_token(k, i)
                if not step or not step[2]:
                    continue  # no query word can start with this word: skip the pair
                k2, j, _ = step
                alone = found.get((k, i), none) | found.get((k2, j), none)
                for key in _pair_keys(a, words.words[k2].toks[j], False, cross):
                    # A query word written as two, or a name pair across scripts (both sides
                    # split is already marked word by word, and a word one half matches
                    # alone does not make its neighbour a match).
                    new = (wanted.get(key, none) | (joined.get(key, none) if key[0] == "x"
                                                    else none)) - alone
                    if new:
                        found.setdefault((k, i), set()).update(new)
                        found.setdefault((k2, j), set()).update(new)

    def _mark_phrases(self, words: Scan, candidates: list[int], found: dict):
        for terms, n in self.phrases:
            for k in candidates:
                w = words.words[k]
                if terms[0] not in w.strict:
                    continue
                for i, strict in enumerate(w.strict):
                    run = words.run(k, i, len(terms)) if strict == terms[0] else None
                    if run and [words.words[a].strict[b] for a, b in run] == terms:
                        for at in run:
                            found.setdefault(at, set()).add(n)

    def snippet(self, text: str, size: int = SNIPPET_WORDS) -> str:
        """The best passage of ``text``: HTML-escaped, matched words in ``<mark>``."""
        words = cached_scan(text, MAX_TEXT_CHARS)
        if not words.n_spans:
            return html.escape(_cut(text, 240))
        by_span: dict[int, set[int]] = {}
        for (k, i), hit in self.found(words).items():
            by_span.setdefault(words.span_of(k, i), set()).update(hit)
        hits = sorted((at, frozenset(hit)) for at, hit in by_span.items())
        first, last = _best_window(hits, words.n_spans, size)
        spans, first, last = _window_spans(words, by_span, first, last)
        return _render(text, spans, first, last, words.n_spans)


def _window_spans(words: Scan, by_span: dict, first: int, last: int):
    """The spans of the words that hold span numbers ``first`` to ``last``, glued so no word
    written together is cut, and the window's first and last span numbered in that list."""
    k0 = bisect_right(words.span_base, first) - 1
    k1 = bisect_right(words.span_base, last) - 1
    spans, starts, none = [], words.starts_of(k0, k1), frozenset()
    append, span_base, all_words = spans.append, words.span_base, words.words
    for k in range(k0, k1 + 1):
        at, number = starts[k - k0], span_base[k]
        for s, e in all_words[k].spans:  # mostly one a word
            # tuple.__new__: a third of the time of the named tuple's own constructor
            append(_new_tuple(_Span, (at + s, at + e, by_span.get(number, none), number)))
            number += 1
    offset = spans[0].number
    first, last = _glued(spans, first - offset, last - offset)
    return spans, first, last


def _best_window(hits: list[tuple[int, frozenset]], total: int,
                 size: int) -> tuple[int, int]:
    """``(first, last)`` span numbers of the window with the most distinct query words
    (then the most matched spans), opened a few words before its first match. ``hits`` are
    the matched spans ``(number, query words)`` in order, ``total`` the number of spans."""
    if not hits:
        return 0, min(total, size) - 1
    counts: Counter = Counter()
    best, best_score, left = (0, 0), (0, 0), 0
    for right, (at, words) in enumerate(hits):
        counts.update(words)
        while at - hits[left][0] >= size:
            counts.subtract(hits[left][1])
            left += 1
        score = (sum(1 for c in counts.values() if c > 0), right - left + 1)
        if score > best_score:
            best, best_score = (hits[left][0], at), score
    first = max(0, best[1] - size + 1, best[0] - LEAD_WORDS)
    return first, min(total, first + size) - 1


def _glued(spans: list[_Span], first: int, last: int) -> tuple[int, int]:
    """Widen a window so it does not cut through words written together (``v15``,
    ``Aliyaنے`` are two tokens each but one word on the page)."""
    while first > 0 and spans[first - 1].end == spans[first].start:
        first -= 1
    while last + 1 < len(spans) and spans[last].end == spans[last + 1].start:
        last += 1
    return first, last


def _render(text: str, spans: list[_Span], first: int, last: int, total: int) -> str:
    out = ["… "] if spans[first].number > 0 else []
    at = done = spans[first].start  # text before ``done`` is in ``out``
    marking = False
    for span in spans[first:last + 1]:
        if marking and (not span.words or text[at:span.start].strip()):
            out += [html.escape(text[done:at]), "</mark>"]
            marking, done = False, at
        if span.words and not marking:
            out += [html.escape(text[done:span.start]), "<mark>"]
            marking, done = True, span.start
        at = span.end
    if marking:
        out += [html.escape(text[done:at]), "</mark>"]
        done = at
    tail = _closing_punctuation(text, at)
    out.append(html.escape(text[done:tail]))
    if spans[last].number < total - 1 or text[tail:].strip():
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
