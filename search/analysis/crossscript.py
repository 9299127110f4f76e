"""Cross-script keys: consonant classes on which Roman Urdu, English names and Urdu script meet.

Vowels are what Roman Urdu spells least consistently and Urdu script mostly leaves out, so both
sides are reduced to a string of consonant classes: ``blinken`` and ``بلنکن`` both become
``blnkn``. Keys only ever match across scripts (the analyzer prefixes them with the script), as
within Urdu they would merge words that differ (سورت, صورت).
"""

import re

_UR_CLASSES = str.maketrans({
    **dict.fromkeys("تٹطۃ", "t"), **dict.fromkeys("دڈ", "d"), **dict.fromkeys("سصث", "s"),
    **dict.fromkeys("زذضظژ", "z"), **dict.fromkeys("کق", "k"), **dict.fromkeys("گغ", "g"),
    **dict.fromkeys("حہ", "h"), "خ": "x", "ش": "S", "چ": "c", **dict.fromkeys("رڑ", "r"),
    **dict.fromkeys("نں", "n"), "ب": "b", "پ": "p", "ج": "j", "ف": "f", "ل": "l", "م": "m",
    "ء": None, **dict.fromkeys("اآأوؤیےئۓع", None),
})
_UR_INITIAL = {"ا": "A", "آ": "A", "أ": "A", "ع": "A", "و": "w", "ی": "y"}
_UR_FINAL_HEH = "ہۂ"

_LATIN_FIRST = (
    (re.compile(r"x"), "ks"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?![h])(?=[eiy])"), "s"),
    (re.compile(r"c(?![h])"), "k"),
)
_LATIN_DIGRAPHS = re.compile(r"kh|gh|sh|ch|zh|ph|q|v")
_DIGRAPH_KEYS = {"kh": "x", "gh": "g", "sh": "S", "ch": "c", "zh": "z", "ph": "f", "q": "k",
                 "v": "w"}
_SILENT_H = re.compile(r"(?<=[bpdtjgkcrlmn])h|h$")
_NOT_LATIN = re.compile(r"[^a-z]")
_REPEATS = re.compile(r"(.)\1+")


def urdu_key(word: str) -> str:
    """The key of a strictly normalized Urdu word.

    >>> urdu_key("بلنکن"), urdu_key("اینٹونی"), urdu_key("بھٹو")
    ('blnkn', 'Antn', 'bt')
    """
    word = word.replace("ھ", "")
    if word and word[-1] in _UR_FINAL_HEH:
        word = word[:-1]
    if not word:
        return ""
    head = _UR_INITIAL.get(word[0])
    if head is None:
        head, rest = "", word
    else:
        rest = word[1:]
    key = head + rest.translate(_UR_CLASSES)
    return _REPEATS.sub(r"\1", _keep_key_chars(key))


_KEY_CHARS = re.compile(r"[^a-zA-Z]")


def _keep_key_chars(key: str) -> str:
    return _KEY_CHARS.sub("", key)


def latin_key(word: str) -> str:
    """The key of a lowercase Latin word.

    >>> latin_key("blinken"), latin_key("antony"), latin_key("bhutto")
    ('blnkn', 'Antn', 'bt')
    """
    word = _NOT_LATIN.sub("", word.lower())
    if not word:
        return ""
    for pattern, repl in _LATIN_FIRST:
        word = pattern.sub(repl, word)
    word = _LATIN_DIGRAPHS.sub(lambda m: _DIGRAPH_KEYS[m.group()], word)
    word = _SILENT_H.sub("", word)
    if not word:
        return ""
    head = "A" if word[0] in "aeiou" else word[0]
    rest = re.sub(r"[aeiouwy]", "", word[1:])
    return _REPEATS.sub(r"\1", head + rest)


def key(word: str, script: str) -> str:
    """The key of a token by its script; numbers and other scripts have none."""
    if script == "ur":
        return urdu_key(word)
    if script == "en":
        return latin_key(word)
    return ""
