"""Cross-script matches of a query in a scanned document text, for a result's ``matched``.

The same answer as ``crossscript.find`` over the text's tokens, without computing the keys
of every word and pair: only the terms the query looks up are collected, only in the words
whose cached keys hold one, and only pairs whose first word's key can begin a query term
(``pairkeys.key_heads``) are keyed.
"""

import itertools
from functools import lru_cache
from typing import NamedTuple

from search.analysis import crossscript, filters
from search.analysis.crossscript import Match
from search.pairkeys import key_beginnings, key_heads, key_tails, no_pair_after
from search.textwords import Scan

_KEYED_KINDS = ("word", "part", "handle", "tag")  # as crossscript's xkey field (not URLs)
_PAIRED_KINDS = ("word", "part")


@lru_cache(maxsize=1 << 16)
def _pair_terms(a: str, b: str, script: str) -> tuple[str, ...]:
    """The xkey terms of two adjacent document words of one script."""
    first, second = filters.strict(a, script), filters.strict(b, script)
    prefix = crossscript.KEY_PREFIX[script]
    return tuple(prefix + k for k in crossscript.pair_keys(first, second, script))


@lru_cache(maxsize=256)
def _lookups(terms: frozenset[str]) -> tuple[frozenset, frozenset, frozenset]:
    """What ``_forms`` tests the words of every text against, for one query's ``terms``."""
    wanted = frozenset(("x", t) for t in terms)
    # Every beginning of the terms, the whole terms too: a word sharing none of these has
    # neither a wanted key nor a key head (Word.probe), so ``heads`` is the probe as well.
    heads = key_beginnings(terms)
    ends = key_tails(terms)  # a pair whose second word has none of these has none either
    return wanted, heads, ends


def _forms(words: Scan, terms: frozenset[str]) -> dict[str, list[tuple[int, int]]]:
    """Where each of ``terms`` is a key of a word or adjacent pair of the text."""
    wanted, heads, ends = _lookups(terms)
    found: list[tuple[str, int, int, int, int]] = []  # term, first word/token, last word/token
    for k in words.sharing(heads):
        w = words.words[k]
        if not w.keys.isdisjoint(wanted):
            for i, t in enumerate(w.toks):
                if t.kind in _KEYED_KINDS and t.script in crossscript.KEY_PREFIX:
                    prefix = crossscript.KEY_PREFIX[t.script]
                    found += [(prefix + key, k, i, k, i) for key in
                              crossscript.keys(filters.strict(t.text, t.script), t.script)
                              if prefix + key in terms]
        if not w.key_heads.isdisjoint(heads) and not (  # most are short words: no pair
                len(w.toks) == 1 and no_pair_after(words, k, 0, ends)):
            found += _pairs_from(words, k, terms, heads, ends)
    forms: dict[str, list[tuple[int, int]]] = {}
    if found:
        starts = words.starts_at([x for _, k, _, k2, _ in found for x in (k, k2)])
        for term, k, i, k2, j in found:
            start = starts[k] + words.words[k].toks[i].start
            forms.setdefault(term, []).append((start, starts[k2] + words.words[k2].toks[j].end))
    return forms


def _pairs_from(words: Scan, k: int, terms: set[str], heads: set[str], ends: frozenset):
    w = words.words[k]
    for i, a in enumerate(w.toks):
        if a.kind not in _PAIRED_KINDS or heads.isdisjoint(key_heads(a.text, a.script)):
            continue
        if no_pair_after(words, k, i, ends):
            continue
        step = words.next_token(k, i)
        if not step or not step[2]:
            continue
        k2, j, _ = step
        b = words.words[k2].toks[j]
        if b.kind in _PAIRED_KINDS and b.script == a.script:
            yield from ((term, k, i, k2, j) for term in _pair_terms(a.text, b.text, a.script)
                        if term in terms)


def key_matches(query_toks, text: str, words: Scan, exact) -> list[Match]:
    """``crossscript.find(query_toks, text, tokenize(text), exact)`` from a scan of text."""
    pair_terms, word_terms, terms = _query_terms(
        tuple(_QueryWord(t.text, t.pos, t.script, t.kind) for t in query_toks))
    forms = _forms(words, terms) if terms else {}
    covered = set()
    if not forms:
        return []
    found = []
    for i, a, b, ts in pair_terms:
        spans = _spans(forms, ts)
        if spans:
            covered |= {i, i + 1}
            query = f"{filters.strict(a.text, a.script)} {filters.strict(b.text, b.script)}"
            found += [Match(query, text[s:e], "key", s, e) for s, e in spans]
    for i, t, ts in word_terms:
        strict = filters.strict(t.text, t.script)
        if i in covered or strict in exact:
            continue
        found += [Match(strict, text[s:e], "key", s, e) for s, e in _spans(forms, ts)]
    return sorted(found, key=lambda m: (m.start, -m.end))


class _QueryWord(NamedTuple):
    """What the terms of a query token depend on (a token itself is not hashable)."""

    text: str
    pos: int
    script: str
    kind: str


@lru_cache(maxsize=256)
def _query_terms(query_toks: tuple[_QueryWord, ...]) -> tuple[tuple, tuple, frozenset[str]]:
    """The xkey terms of a query's adjacent pairs and of its words, and all of them (asked
    for the title and body of every hit of a query)."""
    pair_terms = []
    for i, (a, b) in enumerate(itertools.pairwise(query_toks)):
        if b.pos == a.pos + 1:
            # A pair whose key is a word's (ki qeemat = qeemat) explains nothing more.
            pair_terms.append((i, a, b, frozenset(crossscript.pair_query_terms(a, b))
                               - {*crossscript.word_query_terms(a),
                                  *crossscript.word_query_terms(b)}))
    word_terms = tuple((i, t, tuple(crossscript.word_query_terms(t)))
                       for i, t in enumerate(query_toks))
    terms = frozenset({x for *_, ts in pair_terms for x in ts}
                      | {x for *_, ts in word_terms for x in ts})
    return tuple(pair_terms), word_terms, terms


def _spans(forms, terms) -> list[tuple[int, int]]:
    """Where ``terms`` occur; a pair whose key equals a word's (بلنکن نے) is left out."""
    spans = sorted({span for term in terms for span in forms.get(term, ())})
    return [(s, e) for s, e in spans
            if not any(s <= s2 and e2 <= e and (s2, e2) != (s, e) for s2, e2 in spans)]
