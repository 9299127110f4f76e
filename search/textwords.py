"""A document text as its whitespace-separated words, each analysed once per process.

Snippets and ``matched`` explanations look at every word of a hit's title and body, and the
same article words come back hit after hit. Tokenizing does not look across white space
(normalization never crosses it, ICU always breaks at it, handles and URLs end at it), so the
tokens of a text are the tokens of its words put end to end: each distinct word is tokenized
once (``word``, kept in the process's word table, ``words_of``) and a text becomes a list of
cached ``Word`` records with offsets (``scan``). Callers skip most words by a set of keys
cached per word (``Scan.sharing``) and look at the tokens of the few that can match.
``Scan.tokens`` gives the same list as ``tokenize(text)`` (a test checks it on the news
corpus), for callers that need every token.
"""

import itertools
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress
from operator import attrgetter, not_

from search.analysis import crossscript, filters
from search.analysis.analyzers import recent
from search.analysis.stopwords import stopwords
from search.analysis.tokenizers import SENTENCE_GAP, Tok, tokenize
from search.pairkeys import key_heads, pair_tails

WORD_CACHE = 1 << 16  # distinct words kept per process (4,392 news articles have 46,000)
_WORD = re.compile(r"\S+")
_N_SPANS = attrgetter("n_spans")
_PROBE = attrgetter("probe")
_PLUS_ONE = (1).__add__
_local = threading.local()
_SCAN_CACHE = 4  # texts per thread: a hit's snippet and its explanation read the same body


@lru_cache(maxsize=WORD_CACHE)
def word_keys(text: str, script: str, arabic_heh: bool, query: bool) -> tuple:
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


@dataclass(frozen=True, slots=True)
class Word:
    """The tokens of one whitespace word; offsets, positions and sentences relative to it."""

    toks: tuple[Tok, ...]
    strict: tuple[str, ...]  # each token's exact form
    spans: tuple[tuple[int, int], ...]  # overlapping tokens (a handle and its parts) as one
    tok_span: tuple[int, ...]  # the span of each token
    inner: tuple[int, ...]  # i where tokens i-1 and i are adjacent (one sentence, next pos)
    last_pos: int  # the position after which the next word's first token comes
    lead_break: bool  # a sentence ends before the first token (anywhere, if it has none)
    tail_break: bool  # a sentence ends after the last token
    n_spans: int  # len(spans)
    keys: frozenset = frozenset()  # every token's word_keys: a word without a wanted key
    # cannot match
    heads: frozenset = frozenset()  # every token less its last letter (snippets' pair check)
    key_heads: frozenset = frozenset()  # its tokens' ``key_heads``: the key of a pair it
    # begins starts with one of them
    probe: frozenset = frozenset()  # every string of the above (keys without their kind):
    # a word sharing none with a query's strings (``Highlighter.probe``) cannot match it
    tails: frozenset = frozenset()  # what the key of a pair it ends must end with (``pair_tails``)
    first_stop: bool = False  # its first token is a stop word (a pair of two has no key)


_WORDS: dict[str, "Word"] = {}  # word() by raw word, oldest first: a dict lookup is a third
# of an lru_cache hit, and a text maps every word through it


def words_of(raws: list[str]) -> list["Word"]:
    """``[word(r) for r in raws]``, through the process's word table."""
    found = list(map(_WORDS.get, raws))
    if not all(found):  # not ``None in found``: that calls Word.__eq__ for every word
        for k, w in enumerate(found):
            if w is None:
                found[k] = _WORDS[raws[k]] = word(raws[k])
        if len(_WORDS) > WORD_CACHE:  # forget the oldest quarter (first in, first out);
            # list(islice(dict)) runs in C under the GIL: no thread changes it meanwhile
            for raw in list(itertools.islice(_WORDS, WORD_CACHE // 4)):
                _WORDS.pop(raw, None)
    return found


def word(raw: str) -> Word:
    """``raw`` (no white space in it) tokenized as it is inside a text."""
    # A plain word on either side shows where sentences end, as end_sentence only counts
    # after a token.
    toks = tokenize(f"x {raw} x")
    inner, closing = toks[1:-1], toks[-1]
    if not inner:
        return Word((), (), (), (), (), 0, closing.sentence > 0, False, 0)
    p0, s0 = inner[0].pos, inner[0].sentence
    rel = tuple(Tok(t.text, t.pos - p0, t.start - 2, t.end - 2, t.script, t.kind,
                    t.sentence - s0, t.arabic_heh) for t in inner)
    spans: list[list[int]] = []
    tok_span = []
    for t in rel:
        if spans and t.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], t.end)
        else:
            spans.append([t.start, t.end])
        tok_span.append(len(spans) - 1)
    adjacent = tuple(i for i in range(1, len(rel)) if rel[i].pos == rel[i - 1].pos + 1
                     and rel[i].sentence == rel[i - 1].sentence)
    strict = tuple(filters.strict(t.text, t.script) for t in rel)
    keys = frozenset(k for t in rel for k in word_keys(t.text, t.script, t.arabic_heh, False))
    heads = frozenset(t.text[:-1] for t in rel)
    x_heads = frozenset(h for t in rel for h in key_heads(t.text, t.script))
    return Word(rel, strict, tuple((s, e) for s, e in spans), tuple(tok_span), adjacent,
                max(t.pos for t in rel), inner[0].sentence > 0,
                closing.sentence > inner[-1].sentence, len(spans), keys, heads, x_heads,
                frozenset(term for _, term in keys).union(heads, x_heads, strict),
                pair_tails(rel[0]), strict[0] in stopwords())


class Scan:
    """A text (up to ``limit`` characters) as its words; where each word begins and the
    number of its first span are worked out when asked for."""

    def __init__(self, text: str, limit: int | None = None):
        self.text = text
        self.limit = len(text) if limit is None else min(limit, len(text))
        self.raws: list[str] = (text if self.limit == len(text) else text[:self.limit]).split()
        self.words: list[Word] = words_of(self.raws)
        self.span_base = [0, *accumulate(map(_N_SPANS, self.words))]
        self.n_spans = self.span_base[-1]
        self.lines = "\n" in text  # only then can white space end a sentence
        self._starts: list[int] | None = None
        self._spaced: bool | None = None
        self._shared: tuple[frozenset, list[int]] | None = None

    def _single_spaced(self) -> bool:
        """Whether the words are one white-space character apart, with none before the first:
        then where a word begins follows from the lengths of those before it (every news
        article is so; finding the words again with a regex took 4x as long)."""
        if self._spaced is None:
            self._spaced = self.limit == sum(map(len, self.raws)) + len(self.raws) - 1
        return self._spaced

    @property
    def starts(self) -> list[int]:
        """Where each word begins in the text."""
        if self._starts is None:
            if self._single_spaced():
                self._starts = list(accumulate(map(_PLUS_ONE, map(len, self.raws[:-1])),
                                               initial=0))
            else:
                self._starts = [m.start() for m in _WORD.finditer(self.text, 0, self.limit)]
        return self._starts

    def starts_of(self, k0: int, k1: int) -> list[int]:
        """Where words ``k0`` to ``k1`` begin, without finding all the others."""
        if self._starts is not None:
            return self._starts[k0:k1 + 1]
        if self._single_spaced():
            first = sum(map(len, itertools.islice(self.raws, k0))) + k0
            return list(accumulate(map(_PLUS_ONE, map(len, self.raws[k0:k1])),
                                   initial=first))
        # The matches before k0 are stepped over in C. (A pattern that skips k0 words at once
        # is a new pattern for nearly every k0: compiling it took ~30 us, more than this.)
        return [m.start() for m in itertools.islice(
            _WORD.finditer(self.text, 0, self.limit), k0, k1 + 1)]

    def starts_at(self, ks) -> dict[int, int]:
        """Where each of the words ``ks`` begins: in a single-spaced text from the lengths of
        the words up to the last of them (one pass in C, no list of every start), else from
        ``starts``. (Each step slices the words since the last one: an islice from ``done``
        steps over the first ``done`` again, which with 200 words asked for took 8x as long.)"""
        if self._starts is None and self._single_spaced():
            out, at, done = {}, 0, 0
            raws = self.raws
            for k in sorted(set(ks)):
                at += sum(map(len, raws[done:k])) + k - done
                out[k], done = at, k
            return out
        starts = self.starts
        return {k: starts[k] for k in ks}

    def sharing(self, probe: frozenset) -> list[int]:
        """The numbers of the words whose ``probe`` shares a string with ``probe`` (a query's
        strings): the only ones that can match it, usually a handful. One set test a word,
        all in C; a probe within the last one asked for (a snippet's, then ``matched``'s of
        the same query) tests only the words that one found."""
        last = self._shared
        if last is not None and probe <= last[0]:
            words = self.words
            return [k for k in last[1] if not probe.isdisjoint(words[k].probe)]
        found = list(compress(range(len(self.words)),
                              map(not_, map(probe.isdisjoint, map(_PROBE, self.words)))))
        self._shared = (probe, found)
        return found

    def span_of(self, k: int, i: int) -> int:
        """The number of the span that token i of word k is in."""
        return self.span_base[k] + self.words[k].tok_span[i]

    def next_token(self, k: int, i: int) -> tuple[int, int, bool] | None:
        """``(k2, j, adjacent)``: the token after token i of word k, and whether it is the
        next position in the same sentence (None at the end of the text)."""
        w = self.words[k]
        a = w.toks[i]
        if i + 1 < len(w.toks):
            b = w.toks[i + 1]
            return k, i + 1, b.pos == a.pos + 1 and b.sentence == a.sentence
        broken = w.tail_break
        for k2 in range(k + 1, len(self.words)):
            w2 = self.words[k2]
            broken = broken or w2.lead_break or self.lines and self._newline_before(k2)
            if w2.toks:
                return k2, 0, not broken and a.pos == w.last_pos
        return None

    def _newline_before(self, k: int) -> bool:
        starts = self.starts
        return "\n" in self.text[starts[k - 1] + len(self.raws[k - 1]):starts[k]]

    def run(self, k: int, i: int, n: int) -> list[tuple[int, int]] | None:
        """``n`` tokens at consecutive positions from token i of word k, or None."""
        out = [(k, i)]
        while len(out) < n:
            step = self.next_token(k, i)
            if step is None or not step[2]:
                return None
            k, i, _ = step
            out.append((k, i))
        return out

    def strict_forms(self) -> "_StrictForms":
        """The exact forms of all the text's tokens (for ``in``)."""
        return _StrictForms(self)

    def tokens(self) -> list[Tok]:
        """Every token of the text, as ``tokenize`` gives them."""
        out: list[Tok] = []
        last_pos, last_sentence, seen, broken, end = -1, 0, False, False, 0
        for w, at, raw in zip(self.words, self.starts, self.raws, strict=True):
            broken = broken or "\n" in self.text[end:at] or w.lead_break
            end = at + len(raw)
            if not w.toks:
                continue
            if seen and broken:
                last_pos, last_sentence = last_pos + SENTENCE_GAP, last_sentence + 1
            p, s = last_pos + 1, last_sentence
            out += [Tok(t.text, p + t.pos, at + t.start, at + t.end, t.script, t.kind,
                        s + t.sentence, t.arabic_heh) for t in w.toks]
            last_pos, last_sentence = p + w.last_pos, s + w.toks[-1].sentence
            seen, broken = True, w.tail_break
        return out


class _StrictForms:
    """Whether a term is the exact form of a token of a scanned text. Only the words sharing
    the term are looked at (``Scan.sharing``: mostly within a query's probe, so no pass over
    the text), not a set of every form built first."""

    __slots__ = ("scan",)

    def __init__(self, words: Scan):
        self.scan = words

    def __contains__(self, term: str) -> bool:
        words = self.scan.words
        return any(term in words[k].strict for k in self.scan.sharing(frozenset((term,))))


def scan(text: str, limit: int | None = None) -> Scan:
    """The words of ``text[:limit]``."""
    return Scan(text, limit)


def cached_scan(text: str, limit: int | None = None) -> Scan:
    """``scan(text, limit)``, remembered for the last few texts of this thread."""
    if limit is not None and limit >= len(text):
        limit = None  # the same scan as the whole text's
    return recent(_local, (text, limit), _scan_of, _SCAN_CACHE)


def _scan_of(text_and_limit: tuple[str, int | None]) -> Scan:
    return Scan(*text_and_limit)
