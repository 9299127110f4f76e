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
from dataclasses import replace
from importlib import resources

from whoosh.analysis import Analyzer, Token

from search.analysis import crossscript, filters
from search.analysis.normalize import normalize
from search.analysis.tokenizers import SENTENCE_GAP, Tok, tokenize

# Bump when any change alters the terms of existing text: indexes record it and refuse to
# open under another version ("reindex needed").
ANALYZER_VERSION = "2"

FIELDS = ("strict", "loose", "join", "stem", "xkey")
KEY_PREFIX = crossscript.KEY_PREFIX
QUERY_KEY_PREFIX = crossscript.QUERY_KEY_PREFIX
MIN_KEY_LEN = crossscript.MIN_KEY_LEN

# Joins the parts of a text that several fields index as one (title and body): the tokens of
# each part are reused and the parts are kept apart by a sentence gap.
PART_SEPARATOR = "\u2029"

_local = threading.local()
_CACHE_SIZE = 8


def cached_tokens(text: str) -> list[Tok]:
    """``tokenize(text)``, remembered for the last few texts of this thread."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    toks = cache.get(text)
    if toks is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        if PART_SEPARATOR in text:
            toks = _joined_parts(text.split(PART_SEPARATOR))
        else:
            toks = tokenize(text)
        cache[text] = toks
    return toks


def _joined_parts(parts: list[str]) -> list[Tok]:
    out: list[Tok] = []
    pos = sentence = chars = 0
    for part in parts:
        part_toks = cached_tokens(part)
        out.extend(replace(t, pos=t.pos + pos, start=t.start + chars, end=t.end + chars,
                           sentence=t.sentence + sentence) for t in part_toks)
        if part_toks:
            pos += part_toks[-1].pos + 1 + SENTENCE_GAP
            sentence += part_toks[-1].sentence + 1
        chars += len(part) + len(PART_SEPARATOR)
    return out


_stopwords = None


def stopwords() -> frozenset[str]:
    """The query-time stop list, normalized with the same chain as the text."""
    global _stopwords
    if _stopwords is None:
        words = set()
        for name in ("stopwords-ur.txt", "stopwords-en.txt"):
            data = resources.files("search.analysis").joinpath("data", name).read_text("utf-8")
            for line in data.splitlines():
                if not line.startswith("#"):
                    words.update(filters.strict(normalize(w), "ur") for w in line.split())
        _stopwords = frozenset(words)
    return _stopwords


def is_stopword(tok: Tok) -> bool:
    return tok.kind == "word" and filters.strict(tok.text, tok.script) in stopwords()


def terms(field: str, toks: list[Tok], query: bool = False):
    """Yield ``(term, pos, start, end)`` for ``field`` from ``toks``."""
    if field == "join":
        yield from _join_terms(toks)
        return
    if field == "xkey":
        yield from crossscript.xkey_terms(toks, query)
        return
    for t in toks:
        term = filters.strict(t.text, t.script)
        if field == "strict":
            yield term, t.pos, t.start, t.end
        elif field == "loose":
            for k in filters.loose(term, t.script, t.arabic_heh):
                yield k, t.pos, t.start, t.end
        elif field == "stem":
            if t.script == "en":
                yield filters.s_stem(term), t.pos, t.start, t.end
        else:
            raise ValueError(f"unknown field rule {field!r}; expected one of {FIELDS}")


def _join_terms(toks: list[Tok]):
    prev = None
    for t in toks:
        if t.script == "ur":
            if (prev is not None and prev.sentence == t.sentence and t.pos == prev.pos + 1):
                yield filters.joined(prev.text, t.text), prev.pos, prev.start, t.end
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
