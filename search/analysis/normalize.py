"""Pure ``str -> str`` normalization for Urdu and English text (the pre-pass C1-C4).

The chain, in order (see ANALYSIS.md):

1. ZWNJ becomes a space, before NFKC_Casefold would delete it and join two words.
2. ICU NFKC_Casefold: presentation forms, width, case, invisible format characters.
3. NFD; diacritics and tatweel deleted, but madda and hamza above kept for composition.
4. NFC, then the Arabic-to-Urdu letter map, then NFC again (so a mapped heh can take its
   hamza), and stray madda/hamza marks are deleted. Every decimal digit becomes ASCII.

``normalize_with_offsets`` returns the same text plus, for every output character, the span of
the original text it came from, so that highlights land on the characters the reader sees.
"""

import re
import threading
import unicodedata

import icu

from search.analysis import chars as C

_local = threading.local()


def _nfkc_cf():
    # ICU objects are created lazily, per thread, and never shared.
    inst = getattr(_local, "nfkc_cf", None)
    if inst is None:
        inst = _local.nfkc_cf = icu.Normalizer2.getNFKCCasefoldInstance()
    return inst


def _build_delete_table():
    table = {ord(C.TATWEEL): None}
    for lo, hi in C.DIACRITIC_RANGES:
        for cp in range(lo, hi + 1):
            table[cp] = None
    del table[ord(C.MADDA_ABOVE)], table[ord(C.HAMZA_ABOVE)]
    return table


_DELETE_MARKS = _build_delete_table()

_LETTER_MAP = str.maketrans({
    C.ARABIC_YEH: C.FARSI_YEH,
    C.ALEF_MAKSURA: C.FARSI_YEH,
    C.ARABIC_KAF: C.KEHEH,
    C.ARABIC_HEH: C.HEH_GOAL,
    C.AE: C.HEH_GOAL,
    C.TEH_MARBUTA: C.TEH_MARBUTA_GOAL,
    C.HEH_WITH_YEH_ABOVE: C.HEH_GOAL_WITH_HAMZA_ABOVE,
    C.ALEF_WASLA: C.ALEF,
    C.ARABIC_DECIMAL_SEPARATOR: ".",
    C.ARABIC_PERCENT_SIGN: "%",
})
_STRAY_MARKS = {ord(C.MADDA_ABOVE): None, ord(C.HAMZA_ABOVE): None}

_digits_table = None


def _digit_table():
    """Every Unicode decimal digit (Nd) to its ASCII digit; built once per process."""
    global _digits_table
    if _digits_table is None:
        table = {}
        for cp in range(0x80, 0x20000):
            d = unicodedata.decimal(chr(cp), None)
            if d is not None:
                table[cp] = str(d)
        _digits_table = table
    return _digits_table


def fold_digits(text: str) -> str:
    """Fold every decimal digit to ASCII: ``۲۰۲۴``, ``٢٠٢٤`` and ``2024`` become ``2024``."""
    if text.isascii():
        return text
    return text.translate(_digit_table())


def normalize(text: str) -> str:
    """Run the whole pre-pass over ``text``.

    >>> normalize("پاكستاني")
    'پاکستانی'
    >>> normalize("محمّد ﷲ ۲۰۲۴")
    'محمد اللہ 2024'
    """
    if not text:
        return ""
    text = text.replace(C.ZWNJ, " ")
    text = _nfkc_cf().normalize(text)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFD", text).translate(_DELETE_MARKS)
    text = unicodedata.normalize("NFC", text)
    # Mapping after composition keeps ئ (yeh + hamza) from turning into ی; the second NFC lets
    # a mapped heh (ه → ہ) take a following hamza (ہ + hamza → ۂ) before strays are deleted.
    text = unicodedata.normalize("NFC", text.translate(_LETTER_MAP))
    return fold_digits(text.translate(_STRAY_MARKS))



_CLUSTER = re.compile(r".[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
                      r"\u0640\u200b-\u200f\u2060\ufeff\u061c]*", re.S)
# Characters the chain maps one-to-one and that never combine with a neighbour; a word made
# only of these keeps its length, so its offsets need no work.
_ONE_TO_ONE = (r"\t-\r -~\u00a0\u060c\u061b\u061f\u0621-\u063a\u0641-\u064a\u0660-\u066d"
               r"\u0671-\u0674\u0679-\u06d5\u06ee-\u06ff\u200c\u2013\u2014\u2018-\u201d")


def normalize_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """Normalize ``text`` and map each output character back to the original.

    Returns ``(normalized, starts, ends)``: output character ``i`` came from
    ``text[starts[i]:ends[i]]``. Normalization never crosses white space, and most words are
    made of characters it maps one to one; only a word with another character in it is
    redone one character cluster (a base character and its marks) at a time.
    """
    out, starts, ends = [], [], []
    at = 0
    for m in _WORD_NEEDING_CARE.finditer(text):
        if m.start() > at:
            _one_to_one(text, at, m.start(), out, starts, ends)
        _by_cluster(text, m.start(), m.end(), out, starts, ends)
        at = m.end()
    if at < len(text):
        _one_to_one(text, at, len(text), out, starts, ends)
    return "".join(out), starts, ends


_WORD_NEEDING_CARE = re.compile(rf"\S*[^{_ONE_TO_ONE}]\S*")


def _one_to_one(text, lo, hi, out, starts, ends):
    norm = normalize(text[lo:hi])
    if len(norm) != hi - lo:  # not expected; stay correct if the table above is incomplete
        _by_cluster(text, lo, hi, out, starts, ends)
        return
    out.append(norm)
    starts.extend(range(lo, hi))
    ends.extend(range(lo + 1, hi + 1))


def _by_cluster(text, lo, hi, out, starts, ends):
    for cm in _CLUSTER.finditer(text, lo, hi):
        piece = normalize(cm.group())
        out.append(piece)
        starts.extend([cm.start()] * len(piece))
        ends.extend([cm.end()] * len(piece))


# The loose key (rules 5-8): variants that writers use interchangeably.
_LOOSE_MAP = str.maketrans({
    C.YEH_WITH_HAMZA_ABOVE: C.FARSI_YEH,
    C.HEH_GOAL_WITH_HAMZA_ABOVE: C.HEH_GOAL,
    C.WAW_WITH_HAMZA_ABOVE: C.WAW,
    C.ALEF_WITH_HAMZA_ABOVE: C.ALEF,
    C.ALEF_WITH_MADDA_ABOVE: C.ALEF,
    C.TEH_MARBUTA_GOAL: C.TEH,
})


def loose(term: str) -> str:
    """The loose key of an already-normalized Urdu term.

    ۓ becomes ئے first, so جاۓ and جائے meet; then ئ, ۂ, ؤ, أ, آ and ۃ lose their marks.

    >>> loose("جاۓ") == loose("جائے") == "جایے"
    True
    """
    term = term.replace(C.YEH_BARREE_WITH_HAMZA_ABOVE, C.YEH_WITH_HAMZA_ABOVE + C.YEH_BARREE)
    return term.translate(_LOOSE_MAP)


def noon_ghunna(term: str) -> str:
    """Rule 17: a non-final noon ghunna is a noon (ہاںجی → ہانجی); a final one stays (میں)."""
    if C.NOON_GHUNNA in term[:-1]:
        return term[:-1].replace(C.NOON_GHUNNA, C.NOON) + term[-1]
    return term
