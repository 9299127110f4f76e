"""Text → tokens: the ICU word tokenizer and the pieces around it (T1-T5 of ANALYSIS.md).

``tokenize`` runs once per text and returns plain ``Tok`` records; every field's terms are
derived from that one list (see ``analyzers.py``). Each token knows its normalized text, its
position, the span of the original text it came from, its script, its kind (word, handle,
hashtag, url, or a part of one) and its sentence, so joined pairs never cross a sentence end.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import icu

from search.analysis import chars as C
from search.analysis.normalize import normalize, normalize_with_offsets

SENTENCE_GAP = 10  # positions left empty at a sentence end, so phrase slop cannot cross it

_local = threading.local()


@dataclass(slots=True)
class Tok:
    text: str
    pos: int
    start: int
    end: int
    script: str  # "ur" (Arabic script), "en" (Latin), "num", "other"
    kind: str = "word"  # "word", "handle", "tag", "url", "part"
    sentence: int = 0
    arabic_heh: bool = False  # the original spelled a heh with Arabic ه (rule 5)


def _word_breaker():
    bi = getattr(_local, "word_breaker", None)
    if bi is None:
        bi = _local.word_breaker = icu.BreakIterator.createWordInstance(icu.Locale("ur"))
    return bi


_ARABIC = r"\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# Inside one ICU word: split at script changes and between digits and letters (T2, T3).
_RUN = re.compile(
    r"(?P<num>[0-9]+(?:[.,\u066c][0-9]+)*)"
    rf"|(?P<ur>[{_ARABIC}]+)"
    rf"|(?P<let>[^\W\d_{_ARABIC}]+(?:['\u2019.][^\W\d_{_ARABIC}]+)*)"
)
# Handles, hashtags and URLs are found in the original text, before ICU would break them up.
_SPECIAL = re.compile(
    r"(?<![\w@#/])(?:(?P<url>(?:https?://|www\.)[^\s<>\"'\u200c]+)"
    r"|(?P<sigil>[@#])(?P<name>\w+))"
)
_URL_TRAIL = ".,;:!?)]}'\"\u06d4\u060c\u061f"
_CASE_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\W\d_a-zA-Z]+")
_SENTENCE_END = re.compile("[" + re.escape("".join(sorted(C.SENTENCE_ENDS))) + "\n]")


def _script(run_kind: str, text: str) -> str:
    if run_kind == "let":
        return "en" if all(ord(c) < 0x250 or 0x1E00 <= ord(c) < 0x1F00 for c in text) else "other"
    return run_kind


class _Builder:
    """Collects tokens with positions and sentence numbers."""

    def __init__(self):
        self.toks: list[Tok] = []
        self.pos = -1
        self.sentence = 0

    def end_sentence(self):
        if self.toks and self.toks[-1].sentence == self.sentence:
            self.sentence += 1
            self.pos += SENTENCE_GAP

    def add(self, text, start, end, script, kind="word", same_pos=False, heh=False):
        if not same_pos:
            self.pos += 1
        self.toks.append(Tok(text, self.pos, start, end, script, kind, self.sentence, heh))


_ARABIC_HEH = re.compile("[\u0647\ufee9-\ufeec]")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _utf16_to_str_index(text: str) -> list[int]:
    """For each UTF-16 offset into ``text`` (and its end), the ``str`` index there."""
    index = []
    for i, ch in enumerate(text):
        index.append(i)
        if ord(ch) > 0xFFFF:
            index.append(i)  # the low surrogate's offset falls inside the same character
    index.append(len(text))
    return index


def _plain(b: _Builder, text: str, lo: int, hi: int, sentences: bool = True):
    """ICU word tokens of ``text[lo:hi]``, a stretch with no handle, hashtag or URL in it."""
    if lo >= hi:
        return
    original = text[lo:hi]
    norm, starts, ends = normalize_with_offsets(original)
    heh = _ARABIC_HEH.search(original) is not None
    bi = _word_breaker()
    bi.setText(norm)
    # ICU counts in UTF-16 units: past a character outside the BMP (an emoji in a quoted
    # tweet) its boundaries are not Python string indices until mapped back.
    index = _utf16_to_str_index(norm) if _ASTRAL.search(norm) else None
    start = bi.first()
    for end in bi:
        if index is not None:
            end = index[end]
        if bi.getRuleStatus() == 0:
            if sentences and _SENTENCE_END.search(norm, start, end):
                b.end_sentence()
        else:
            for m in _RUN.finditer(norm, start, end):
                s0, e0 = lo + starts[m.start()], lo + ends[m.end() - 1]
                script = _script(m.lastgroup, m.group())
                h = heh and script == "ur" and _ARABIC_HEH.search(text, s0, e0) is not None
                b.add(m.group(), s0, e0, script, heh=h)
        start = end


def _special(b: _Builder, text: str, m: re.Match):
    """A URL, @handle or #hashtag as a few useful terms, not a shower of fragments."""
    if m.group("url"):
        url = m.group("url").rstrip(_URL_TRAIL)
        s, e = m.start(), m.start() + len(url)
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = normalize(parts.hostname or "").removeprefix("www.")
        labels = host.split(".")
        b.add(host, s, e, _script_of(host), "url")
        for i in range(1, len(labels) - 1):
            b.add(".".join(labels[i:]), s, e, _script_of(host), "url", same_pos=True)
        path_at = text.find(parts.path, s, e) if parts.path else -1
        if path_at >= 0:
            _plain(b, text, path_at, e, sentences=False)
        return
    sigil, name = m.group("sigil"), m.group("name")
    s, e = m.start(), m.end()
    bare = normalize(name)
    script = _script_of(bare)
    kind = "handle" if sigil == "@" else "tag"
    b.add(sigil + bare, s, e, script, kind)
    b.add(bare, s, e, script, kind, same_pos=True)
    pieces, at = [], m.start("name")
    for chunk in name.split("_"):
        pieces.extend((p.group(), at + p.start()) for p in _CASE_PARTS.finditer(chunk))
        at += len(chunk) + 1
    if len(pieces) > 1:
        for i, (piece, at) in enumerate(pieces):
            norm = normalize(piece)
            b.add(norm, at, at + len(piece), _script_of(norm), "part", same_pos=(i == 0))


def _script_of(text: str) -> str:
    for c in text:
        if c.isalpha():
            return "ur" if "\u0600" <= c <= "\u06ff" else "en" if ord(c) < 0x250 else "other"
        if c.isdigit():
            return "num"
    return "other"


def tokenize(text: str) -> list[Tok]:
    """All tokens of ``text``, in order, with original-text offsets.

    Text is tokenized a stretch without white space at a time, and each distinct stretch
    only once per process (``_stretch``): words repeat, and nothing of the chain looks across
    white space (normalization is per word, ICU breaks at every space, handles and URLs hold
    none) except a sentence end at a line break, which is kept here, a mark or format
    character just after a space (which ICU glues to the space) and unusual white space
    (line separators, ideographic spaces), for which the whole text is tokenized in one go."""
    if ODD_SPACE_RE.search(text):
        return _tokenize_whole(text)
    b = _Builder()
    toks = b.toks
    at = 0
    lines = "\n" in text
    remembered = _STRETCHES.get
    for m in _STRETCH.finditer(text):
        start = m.start()
        if lines and text.find("\n", at, start) >= 0:
            b.end_sentence()
        at = m.end()
        chunk = m.group()
        if start and chunk[0] in GLUE_MARKS:  # a mark after white space: read it whole
            return _tokenize_whole(text)
        events = remembered(chunk)
        if events is None:
            events = _stretch(chunk)
        for event in events:  # the tokens of the stretch, moved to where it is
            if event is _END:
                b.end_sentence()
                continue
            text_, s, e, script, kind, same_pos, heh = event
            if not same_pos:
                b.pos += 1
            toks.append(Tok(text_, b.pos, s + start, e + start, script, kind, b.sentence, heh))
    return toks


def _tokenize_whole(text: str) -> list[Tok]:
    return _scan(_Builder(), text).toks


def _scan(b, text: str):
    """Feed ``text`` to ``b`` (a ``_Builder`` or a ``_Recorder``): special tokens (URLs,
    handles, numbers …) as they are, the plain text between them word by word."""
    last = 0
    for m in _SPECIAL.finditer(text):
        _plain(b, text, last, m.start())
        _special(b, text, m)
        last = m.end()
    _plain(b, text, last, len(text))
    return b


_STRETCH = re.compile(r"\S+")
# A combining mark or format character right after white space: ICU keeps it with the space
# (word-break rule WB4; emoji modifiers and halfwidth sound marks are Extend too).
_EXTEND_TOO = "\uff9e\uff9f" + "".join(map(chr, range(0x1F3FB, 0x1F400)))
GLUE_MARKS = frozenset(
    [chr(c) for c in range(0x80, 0x110000)
     if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me", "Cf")]).union(_EXTEND_TOO)
# Also any white space but the plain kinds (tab to CR, space, no-break space): normalization
# reads the others as part of the word before them (normalize_with_offsets). Written out (as
# str.isspace and re's \s know them): searching for one is ten times faster than for
# ``[^\S\t-\r \xa0]``.
ODD_SPACE = "\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
ODD_SPACE_RE = re.compile("[" + ODD_SPACE + "]")
_END = None  # a sentence end, among a stretch's recorded tokens
_STRETCHES: dict[str, tuple] = {}
_STRETCHES_MAX = 400_000  # distinct stretches remembered (forgotten all at once past it)


def _stretch(chunk: str) -> tuple:
    """The tokens of one stretch not yet remembered, as ``(text, start, end, script, kind,
    same_pos, heh)`` tuples (offsets within the stretch) and ``_END`` markers, remembered
    now (``tokenize`` looks in ``_STRETCHES`` first)."""
    found = tuple(_scan(_Recorder(), chunk).events)
    if len(_STRETCHES) >= _STRETCHES_MAX:
        _STRETCHES.clear()
    _STRETCHES[chunk] = found
    return found


class _Recorder:
    """A ``_Builder`` stand-in that records what was added, to be replayed at any offset."""

    def __init__(self):
        self.events: list = []

    def end_sentence(self):
        self.events.append(_END)

    def add(self, text, start, end, script, kind="word", same_pos=False, heh=False):
        self.events.append((text, start, end, script, kind, same_pos, heh))
