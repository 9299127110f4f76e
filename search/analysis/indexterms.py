"""Every indexed field's terms of one text, worked out a stretch at a time: indexing's fast path.

Indexing asks for the terms of each text several times (the exact field with positions, and
the loose, join, stem and xkey fields without). Through tokens that meant a ``Tok`` per token
per text and a per-token cache lookup per field. Nearly all of it repeats: a stretch of text
without white space tokenizes the same wherever it stands (``tokenizers.tokenize``), so here
each distinct stretch is analyzed once per process into a ``_Stretch`` record holding its
tokens' terms for every field, their positions relative to the stretch and what its first and
last tokens need to pair with the neighbouring stretches. A text is then its stretches'
records, positions moved to where each stretch stands, plus the pairs across stretches (each
distinct pair of neighbouring words worked out once too).

The terms are exactly those of ``analyzers.terms`` over ``tokenizers.tokenize`` (test:
``tests/analysis/test_indexterms.py``, on generated text and the corpora); text that
``tokenize`` reads whole (a mark after a space, unusual white space) goes through the tokens.
Only positions and counts come out: no character offsets, which indexing does not keep.
"""

import threading

from search.analysis import crossscript
from search.analysis.analyzers import joined_pair, recent, term_list
from search.analysis.tokenizers import (
    GLUE_MARKS,
    ODD_SPACE_RE,
    SENTENCE_GAP,
    _Builder,
    _Recorder,
    _scan,
    tokenize,
)

RULES = ("strict", "loose", "join", "stem", "xkey")
_PAIRED = ("word", "part")  # the kinds that form cross-script pairs (crossscript._pairs)


class _Stretch:
    """The analysis of one stretch: terms by field (``join`` and ``xkey`` with the pairs
    inside the stretch), each token's position relative to the stretch's start, and what
    links it to its neighbours."""

    __slots__ = ("strict", "rel", "single", "loose", "stem", "join", "xkey", "lead_end",
                 "first", "last", "advance", "open_after", "mark_first")

    def __init__(self, chunk: str):
        b = _Builder()
        self.lead_end = False  # a sentence end before the first token (or with none)
        for event in _scan(_Recorder(), chunk).events:
            if event is None:
                self.lead_end = self.lead_end or not b.toks
                b.end_sentence()
            else:
                b.add(*event)
        toks = b.toks
        self.strict = tuple(term_list("strict", toks))
        self.rel = tuple(t.pos for t in toks)  # from -1: the stretch begins after a token
        # The common case, one token at the stretch's first position: its exact term.
        self.single = self.strict[0] if self.rel == (0,) else None
        self.loose = tuple(term_list("loose", toks))
        self.stem = tuple(term_list("stem", toks))
        self.join = tuple(term_list("join", toks))
        self.xkey = tuple(crossscript.xkey_term_list(toks))
        # The first token pairs with the token before the stretch unless it shares that
        # token's position; the key says what kind of pair each end can form.
        self.first = _key(toks[0]) if toks and toks[0].pos == 0 else None
        self.last = _key(toks[-1]) if toks else None
        self.advance = b.pos + 1  # positions the stretch takes
        self.open_after = bool(toks) and toks[-1].sentence == b.sentence
        self.mark_first = chunk[0] in GLUE_MARKS


def _key(tok) -> str | None:
    """A token that can be half of a pair as one string (its hash is kept, unlike a
    tuple's): whether its kind pairs in xkey (``p``) or not (``o``), its script's key
    prefix, its text. None for a token that pairs with nothing."""
    prefix = crossscript.KEY_PREFIX.get(tok.script)
    if prefix is None:
        return None
    return ("p" if tok.kind in _PAIRED else "o") + prefix + tok.text


_SCRIPT = {prefix: script for script, prefix in crossscript.KEY_PREFIX.items()}


_STRETCHES: dict[str, _Stretch] = {}
_STRETCHES_MAX = 400_000  # distinct stretches remembered (forgotten all at once past it)
_PAIRS: dict[tuple[str, str], tuple[tuple, tuple]] = {}
_PAIRS_MAX = 1_000_000


def _pair(a: str, b: str) -> tuple[tuple, tuple]:
    """``(join terms, xkey terms)`` of two adjacent tokens (``_key``s) in different
    stretches, remembered."""
    script = _SCRIPT[a[1]] if a[1] == b[1] else None
    join = (joined_pair(a[2:], b[2:]),) if script == "ur" else ()
    xkey = ()
    if script is not None and a[0] == b[0] == "p":
        xkey = crossscript._pair_terms(a[2:], b[2:], script, a[1])
    if len(_PAIRS) >= _PAIRS_MAX:
        _PAIRS.clear()
    found = _PAIRS[a, b] = (join, xkey)
    return found


class TextTerms:
    """The terms of one text for every rule, as indexing counts them; each part is worked
    out when first asked for (a document's lead only needs its exact terms counted)."""

    __slots__ = ("text", "_tokens", "_records", "_pairs", "_positions")

    def __init__(self, text: str):
        self.text = text
        self._tokens = self._records = self._pairs = self._positions = None
        if ODD_SPACE_RE.search(text):  # what makes tokenize read a text whole (also a
            # stretch that begins with a mark after white space: _Stretch.mark_first)
            self._by_tokens()

    def _by_tokens(self):
        """Text that ``tokenize`` reads whole goes through its tokens."""
        self._tokens = tokenize(self.text)
        self._records = self._pairs = self._positions = None

    @property
    def positions(self) -> dict[str, list[int]]:
        """Each exact term's positions, terms in order of first occurrence."""
        if self._positions is None:
            if self._tokens is not None:
                positions: dict[str, list[int]] = {}
                for term, tok in zip(term_list("strict", self._tokens), self._tokens,
                                     strict=True):
                    positions.setdefault(term, []).append(tok.pos)
                self._positions = positions
            else:
                found = _analyze(self.text)
                if found is None:
                    self._by_tokens()
                    return self.positions
                self._records, self._pairs, self._positions = found
        return self._positions

    def terms(self, rule: str) -> list[str]:
        """The terms ``analyzers.term_list(rule, tokenize(text))`` holds, in some order."""
        if self._tokens is not None:
            return term_list(rule, self._tokens)
        records = self._records
        if records is None:
            if rule == "strict":  # no positions or pairs needed
                records = [_record(c) for c in self.text.split()]
                if not any(r.mark_first for r in records[1:]) and not (
                        records and records[0].mark_first and self.text[0].isspace()):
                    return [t for r in records for t in r.strict]
                self._by_tokens()
                return self.terms(rule)
            self.positions  # noqa: B018 (works out the records and pairs)
            if self._tokens is not None:  # or found that tokenize reads the text whole
                return term_list(rule, self._tokens)
            records = self._records
        if rule == "strict":
            return [t for r in records for t in r.strict]
        if rule == "loose":
            return [t for r in records for t in r.loose]
        if rule == "stem":
            return [t for r in records for t in r.stem]
        if rule == "join":
            return [t for r in records for t in r.join] + [t for p in self._pairs for t in p[0]]
        if rule == "xkey":
            return [t for r in records for t in r.xkey] + [t for p in self._pairs for t in p[1]]
        raise ValueError(f"unknown field rule {rule!r}; expected one of {RULES}")


def _analyze(text: str):
    """The stretch records of ``text``, the pairs across stretches and the strict terms'
    positions, following ``tokenize``'s positions and sentence ends; None for a text that
    ``tokenize`` reads whole (a stretch that begins with a mark, after white space)."""
    records, pairs, positions = [], [], {}
    space_first = text[:1].isspace()
    pos = -1  # position of the last token so far
    open_ = False  # the current sentence has a token (a sentence end would close it)
    last = None  # pair key of the last token so far
    known, paired, placed = _STRETCHES.get, _PAIRS.get, positions.get
    for number, line in enumerate(text.split("\n")):
        if number and open_:  # a line break ends a sentence
            pos += SENTENCE_GAP
            open_ = False
        for chunk in line.split():
            record = known(chunk)
            if record is None:
                record = _remember(chunk)
            if record.mark_first and (records or space_first):
                return None
            records.append(record)
            if record.lead_end and open_:
                pos += SENTENCE_GAP
                open_ = False
            term = record.single
            if term is None:  # no token, or several
                if not record.rel:
                    continue
                base = pos + 1
                for term, rel in zip(record.strict, record.rel, strict=True):
                    found = placed(term)
                    if found is None:
                        positions[term] = [base + rel]
                    else:
                        found.append(base + rel)
            else:
                found = placed(term)
                if found is None:
                    positions[term] = [pos + 1]
                else:
                    found.append(pos + 1)
            if open_ and last is not None and record.first is not None:
                pair = paired((last, record.first))
                pairs.append(pair if pair is not None else _pair(last, record.first))
            pos += record.advance
            open_ = record.open_after
            last = record.last
    return records, pairs, positions


def _record(chunk: str) -> _Stretch:
    record = _STRETCHES.get(chunk)
    return _remember(chunk) if record is None else record


def _remember(chunk: str) -> _Stretch:
    record = _Stretch(chunk)
    if len(_STRETCHES) >= _STRETCHES_MAX:
        _STRETCHES.clear()
    _STRETCHES[chunk] = record
    return record


_local = threading.local()
_CACHE_SIZE = 4


def text_terms(text: str) -> TextTerms:
    """``TextTerms(text)``, remembered for the last few texts of this thread (a document's
    title and body are asked for by several fields)."""
    return recent(_local, text, TextTerms, _CACHE_SIZE)


def clear_caches():
    """Forget every remembered stretch and pair (benchmarks start cold with this)."""
    _STRETCHES.clear()
    _PAIRS.clear()
    if getattr(_local, "cache", None):
        _local.cache.clear()
