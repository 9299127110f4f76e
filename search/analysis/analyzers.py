"""The Whoosh analyzers of talash: one per field, all derived from one tokenization.

Whoosh calls a field's analyzer with the field's text. talash indexes the same text into
several fields (``strict``, ``loose``, ``join``, ``stem``, ``xkey``), so the tokens of the
last few texts are cached per thread and each analyzer only applies its field's rule
(``filters.py``). ``terms`` is the plain function behind the analyzers; the query side calls
it directly.

In query mode (``mode="query"``) cross-script keys take the *other* script's prefix, so a
Latin query word meets Urdu document words and the reverse, never its own script; and stop
words are dropped when asked (never from a query made only of stop words).
"""

import threading
from functools import lru_cache

from whoosh.analysis import Analyzer, Token

from search.analysis import crossscript, filters
from search.analysis.stopwords import stopwords
from search.analysis.tokenizers import SENTENCE_GAP, Tok, tokenize

# Bump when any change alters the terms of existing text: indexes record it and refuse to
# open under another version ("reindex needed").
ANALYZER_VERSION = "5"

FIELDS = ("strict", "loose", "join", "stem", "xkey")

# Joins the parts of a text that several fields index as one (title and body): the tokens of
# each part are reused and the parts are kept apart by a sentence gap.
PART_SEPARATOR = "\u2029"

_local = threading.local()
_CACHE_SIZE = 8


def recent(local: threading.local, text: str, make, size: int):
    """``make(text)``, remembered in ``local`` for the last ``size`` texts of this thread."""
    cache = getattr(local, "cache", None)
    if cache is None:
        cache = local.cache = {}
    found = cache.get(text)
    if found is None:
        if len(cache) >= size:
            # Forget the oldest only: clearing all would drop the texts of the document
            # being indexed (its body is asked for again by later fields).
            del cache[next(iter(cache))]
        found = cache[text] = make(text)
    return found


def cached_tokens(text: str) -> list[Tok]:
    """``tokenize(text)``, remembered for the last few texts of this thread."""
    return recent(_local, text, _tokens, _CACHE_SIZE)


def _tokens(text: str) -> list[Tok]:
    if PART_SEPARATOR in text:
        return _joined_parts(text.split(PART_SEPARATOR))
    return tokenize(text)


def _joined_parts(parts: list[str]) -> list[Tok]:
    out: list[Tok] = []
    pos = sentence = chars = 0
    for part in parts:
        part_toks = cached_tokens(part)
        out.extend(Tok(t.text, t.pos + pos, t.start + chars, t.end + chars, t.script, t.kind,
                       t.sentence + sentence, t.arabic_heh) for t in part_toks)
        if part_toks:
            pos += part_toks[-1].pos + 1 + SENTENCE_GAP
            sentence += part_toks[-1].sentence + 1
        chars += len(part) + len(PART_SEPARATOR)
    return out


def is_stopword(tok: Tok) -> bool:
    return tok.kind == "word" and word_forms(tok.text, tok.script, False)[0] in stopwords()


@lru_cache(maxsize=1 << 18)
def word_forms(text: str, script: str, arabic_heh: bool) -> tuple[str, tuple, str]:
    """``(strict, loose keys, stem)`` of one token; words repeat, so the forms are computed
    once per distinct word."""
    strict = filters.strict(text, script)
    stem = filters.s_stem(strict) if script == "en" else ""
    return strict, tuple(filters.loose(strict, script, arabic_heh)), stem


joined_pair = lru_cache(maxsize=1 << 18)(filters.joined)


def terms(field: str, toks: list[Tok], query: bool = False):
    """Yield ``(term, pos, start, end)`` for ``field`` from ``toks``."""
    if field == "strict":
        for t in toks:
            yield word_forms(t.text, t.script, t.arabic_heh)[0], t.pos, t.start, t.end
    elif field == "loose":
        for t in toks:
            for k in word_forms(t.text, t.script, t.arabic_heh)[1]:
                yield k, t.pos, t.start, t.end
    elif field == "stem":
        for t in toks:
            if t.script == "en":
                yield word_forms(t.text, t.script, t.arabic_heh)[2], t.pos, t.start, t.end
    elif field == "join":
        for a, b in _pairs(toks):
            yield joined_pair(a.text, b.text), a.pos, a.start, b.end
    elif field == "xkey":
        yield from crossscript.xkey_terms(toks, query)
    else:
        raise ValueError(f"unknown field rule {field!r}; expected one of {FIELDS}")


def term_list(field: str, toks: list[Tok]) -> list[str]:
    """The terms ``terms(field, toks)`` yields, without positions and offsets (index mode):
    what indexing a field without positions counts, made in a few list comprehensions."""
    if field == "strict":
        return [word_forms(t.text, t.script, t.arabic_heh)[0] for t in toks]
    if field == "loose":
        return [k for t in toks for k in word_forms(t.text, t.script, t.arabic_heh)[1]]
    if field == "stem":
        return [word_forms(t.text, "en", t.arabic_heh)[2] for t in toks if t.script == "en"]
    if field == "join":
        return [joined_pair(a.text, b.text) for a, b in _pairs(toks)]
    if field == "xkey":
        return crossscript.xkey_term_list(toks)
    raise ValueError(f"unknown field rule {field!r}; expected one of {FIELDS}")


def _pairs(toks: list[Tok]):
    """Adjacent Urdu tokens of one sentence (rule 16)."""
    prev = None
    for t in toks:
        if t.script == "ur":
            if prev is not None and prev.sentence == t.sentence and t.pos == prev.pos + 1:
                yield prev, t
            prev = t
        else:
            prev = None


class TalashAnalyzer(Analyzer):
    """The analyzer of one talash field; ``rule`` is one of ``FIELDS``."""

    def __init__(self, rule: str = "strict"):
        if rule not in FIELDS:
            raise ValueError(f"unknown field rule {rule!r}; expected one of {FIELDS}")
        self.rule = rule

    def __repr__(self):
        return f"{type(self).__name__}({self.rule!r})"

    def __eq__(self, other):
        return type(other) is type(self) and other.rule == self.rule

    def __hash__(self):
        return hash((type(self).__name__, self.rule))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        toks = cached_tokens(value)
        if mode == "query" and removestops:
            kept = [t for t in toks if not is_stopword(t)]
            toks = kept or toks
        for text, pos, start, end in terms(self.rule, toks, query=(mode == "query")):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token
