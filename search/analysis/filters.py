"""Per-field term rules: one small function per field, over the tokens of ``tokenizers.py``.

Each function takes a token (or a pair) and returns the term(s) that field indexes; the
Whoosh plumbing that calls them is in ``analyzers.py``.
"""

import re
import unicodedata

from search.analysis import chars as C
from search.analysis.normalize import loose as loose_key
from search.analysis.normalize import noon_ghunna

_POSSESSIVE = re.compile(r"['\u2019]s?$")
_NUMBER_SEPARATORS = re.compile(r"(?<=\d)[,\u066c](?=\d)")


def strict(text: str, script: str) -> str:
    """The exact form: Urdu after rule 17, Latin without its possessive, numbers unseparated."""
    if script == "ur":
        return noon_ghunna(text)
    if script == "num":
        return _NUMBER_SEPARATORS.sub("", text)
    if script == "en":
        return _POSSESSIVE.sub("", text) or text
    return text


def loose(strict_term: str, script: str, arabic_heh: bool = False) -> list[str]:
    """Loose keys: hamza/madda/teh variants folded (rules 6-8); Latin accents removed.

    A word typed with Arabic ه (ambiguous between ہ and ھ) also gets its readings with ھ for
    every ہ after an aspirable consonant (rule 5); properly written words are never merged.
    """
    if script == "en":
        return [_strip_accents(strict_term)]
    if script != "ur":
        return []
    key = loose_key(strict_term)
    if not arabic_heh:
        return [key]
    return [key] + [r for r in _aspirate_readings(key) if r != key]


def _aspirate_readings(key: str, limit: int = 4) -> list[str]:
    readings = [""]
    for i, ch in enumerate(key):
        options = [ch]
        if ch == C.HEH_GOAL and i > 0 and key[i - 1] in C.ASPIRABLE:
            options.append(C.HEH_DOACHASHMEE)
        readings = [r + o for r in readings for o in options][: limit * 2]
    return readings[:limit]


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def joined(first: str, second: str) -> str:
    """Two adjacent Urdu words as one (rule 16): خوب + صورت → خوبصورت."""
    return noon_ghunna(first + second)


def s_stem(word: str) -> str:
    """Harman's minimal S-stemmer: plurals only, so organization never becomes organ.

    >>> [s_stem(w) for w in ["elections", "policies", "boxes", "news", "bus", "glass"]]
    ['election', 'policy', 'boxe', 'news', 'bus', 'glass']
    """
    if len(word) < 4 or not word.endswith("s") or word in _S_STEM_KEEP:
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if not word.endswith(("us", "ss")):
        return word[:-1]
    return word


# Words the S-stemmer would mangle and a news reader types often.
_S_STEM_KEEP = frozenset({"news", "this", "has", "was", "is", "its", "his", "yes", "does"})
