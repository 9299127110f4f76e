"""Cross-script keys: consonant classes on which Roman Urdu, English names and Urdu script meet.

Vowels are what Roman Urdu spells least consistently and Urdu script mostly leaves out, so both
sides are reduced to a string of consonant classes: ``blinken`` and ``بلنکن`` both become
``blnkn``. Keys only ever match across scripts: the index prefixes a key with its script
(``u`` Urdu, ``l`` Latin) and a query word takes the *other* script's prefix, as within Urdu
the key would merge words that differ (سورت, صورت).

Where one spelling has two common readings a word gets up to ``MAX_KEYS`` keys, the plain
reading first: ڑ is romanized both ``r`` and ``d`` (larki, ladki); an English ``x`` is written
کس or گز (tax ٹیکس, Alexander الیگزینڈر); English ``s`` + consonant takes a prothetic alef
in Urdu (school اسکول, smog اسموگ or سموگ); a final English ``s`` is often ز (champions
چیمپئنز). Each rule was kept only if it raised key recall on the tuning half of the
transliteration pairs (``bench/crossscript.py``) or is needed by an English name the spec lists.

Adjacent words of one script also get the key of the two joined, so ``islamabad`` meets
``اسلام آباد`` and ``bilawal bhutto`` meets ``بلاول بھٹو`` although both keys of the latter
are too short (under ``MIN_KEY_LEN``) to be looked up alone. The query side asks for
``word_query_terms``, ``pair_query_terms`` and, in longer queries, ``short_query_terms``;
``find`` tells which document form a query word matched, for the reader.
"""

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from search.analysis import filters
from search.analysis.stopwords import stopwords

MIN_KEY_LEN = 3  # shorter keys (bl, bt, xn) match too much to be looked up alone
MAX_KEYS = 4
KEY_PREFIX = {"ur": "u", "en": "l"}
QUERY_KEY_PREFIX = {"ur": "l", "en": "u"}

# --- Urdu side ---------------------------------------------------------------------------

_RH = "\ufdd0"  # ڑھ, marked with a noncharacter until it is expanded
_UR_CLASSES = {
    **dict.fromkeys("تٹطۃ", "t"), **dict.fromkeys("دڈ", "d"), **dict.fromkeys("سصث", "s"),
    **dict.fromkeys("زذضظژ", "z"), **dict.fromkeys("کق", "k"), **dict.fromkeys("گغ", "g"),
    **dict.fromkeys("حہ", "h"), "خ": "x", "ش": "S", "چ": "c", "ر": "r",
    "ڑ": "R", _RH: "Q",  # r or d, rh or d: expanded below
    **dict.fromkeys("نں", "n"), "ب": "b", "پ": "p", "ج": "j", "ف": "f", "ل": "l", "م": "m",
}
_UR_INITIAL = {"ا": "A", "آ": "A", "أ": "A", "ع": "A", "و": "w", "ی": "y"}
_UR_READINGS = {"R": ("r", "d"), "Q": ("rh", "d")}
# Roman Urdu spells کھ and خ alike (kh), and پھ and ف alike (ph); ڑھ is parh or padh, and a
# final one par(h) or pad(h); ھ after ن م ل is heard as h (انھیں = انہیں, unhen); every other
# ھ only marks aspiration, which Roman Urdu often drops.
_UR_ASPIRATES = tuple((re.compile(pattern), repl) for pattern, repl in (
    ("کھ", "خ"), ("پھ", "ف"), ("ڑھ$", "ڑ"), ("ڑھ", _RH), ("(?<=[نمل])ھ", "ہ"), ("ھ", "")))


class _Classes(dict):
    """``str.translate`` table: a letter's class, and None (deleted) for any other character,
    remembered as it is met."""

    def __missing__(self, code):
        self[code] = None
        return None


_UR_TABLE = _Classes({ord(c): cls for c, cls in _UR_CLASSES.items()})


@lru_cache(maxsize=1 << 18)
def urdu_keys(word: str) -> tuple[str, ...]:
    """The keys of a strictly normalized Urdu word, plain reading first.

    >>> urdu_keys("بلنکن"), urdu_keys("اینٹونی"), urdu_keys("بھٹو"), urdu_keys("لڑکی")
    (('blnkn',), ('Antn',), ('bt',), ('lrk', 'ldk'))
    """
    if "ھ" in word:  # every aspirate rule is about ھ
        for pattern, repl in _UR_ASPIRATES:
            word = pattern.sub(repl, word)
    # A final ح is silent in Roman Urdu (subh, sulh) like a final ہ (kah); ہ is dropped after
    # ح so that لمحہ keeps its h (lamha).
    word = word.removesuffix("ح").rstrip("ہۂ")
    if not word:
        return ()
    head = _UR_INITIAL.get(word[0])
    rest = word[1:] if head is not None else word
    key = (head or "") + rest.translate(_UR_TABLE)
    return _expand(key, _UR_READINGS)


# --- Latin side --------------------------------------------------------------------------

_NOT_LATIN = re.compile(r"[^a-z]")
_S_CLUSTER = re.compile(r"s[bcdfgjklmnpqrtvwz]")  # sh is ش, not a cluster
_ENGLISH = (
    (re.compile(r"(?:t|ss|(?<=[lnr])s)ion"), "shan"),  # election الیکشن, pension پنشن
    (re.compile(r"sch"), "sk"),  # school اسکول
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?!h)(?=[eiy])"), "s"),  # Quincy کوئنسی
    (re.compile(r"c(?!h)"), "k"),
)
_REPEATS = re.compile(r"(.)\1+")
_DIGRAPHS = re.compile(r"kh|gh|sh|ch|ph|q|v")
_DIGRAPH_KEYS = {"kh": "x", "gh": "g", "sh": "S", "ch": "c", "ph": "f", "q": "k", "v": "w"}
# h after a consonant that Urdu aspirates with ھ (bh, th, jh …) and a final h are not
# written as a letter of their own; after l m n r (tumhara, marham) it is ہ or ح.
_SILENT_H = re.compile(r"(?<=[bpdtjgkc])h|h$")
_VOWELS = re.compile(r"[aeiouwy]")
_FINAL_S = re.compile(r"(?:[^aeiouys]|e)s$")


@lru_cache(maxsize=1 << 16)
def latin_keys(word: str) -> tuple[str, ...]:
    """The keys of a lowercase Latin word, plain reading first.

    >>> latin_keys("blinken"), latin_keys("antony"), latin_keys("bhutto"), latin_keys("smog")
    (('blnkn',), ('Antn',), ('bt',), ('smg', 'Asmg'))
    """
    word = _NOT_LATIN.sub("", word.lower())
    if not word:
        return ()
    spellings = [word]
    if _S_CLUSTER.match(word):
        spellings.append("i" + word)
    if "x" in word:
        spellings = [s.replace("x", x) for s in spellings for x in ("ks", "gz")]
    keys = []
    for spelling in spellings:
        key = _latin_key(spelling)
        keys.append(key)
        if _FINAL_S.search(spelling) and key.endswith("s"):
            keys.append(key[:-1] + "z")
    return _unique(keys)


def _latin_key(word: str) -> str:
    for pattern, repl in _ENGLISH:
        word = pattern.sub(repl, word)
    word = _REPEATS.sub(r"\1", word)  # geminates first: rakkha is rakha
    word = _DIGRAPHS.sub(lambda m: _DIGRAPH_KEYS[m.group()], word)
    word = _SILENT_H.sub("", word)
    if not word:
        return ""
    head = "A" if word[0] in "aeiou" else word[0]
    return _tidy(head + _VOWELS.sub("", word[1:]))


# --- shared ------------------------------------------------------------------------------

_NASAL_LABIAL = re.compile(r"n(?=[bp])")  # ن before ب is heard m: عنبر ambar, سنبھال sambhal


def _tidy(key: str) -> str:
    if "n" in key:
        key = _NASAL_LABIAL.sub("m", key)
    return "".join(c for c, _ in itertools.groupby(key))  # runs of one symbol become one


def _expand(key: str, readings: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if not any(r in key for r in readings):  # one reading, the common case
        key = _tidy(key)
        return (key,) if key else ()
    slots = [readings.get(c, (c,)) for c in key]
    combos = itertools.islice(itertools.product(*slots), MAX_KEYS * 8)
    return _unique(_tidy("".join(c)) for c in combos)


def _unique(keys) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in keys if k))[:MAX_KEYS]


def keys(word: str, script: str) -> tuple[str, ...]:
    """The keys of a strict term by its script; numbers and other scripts have none."""
    if script == "ur":
        return urdu_keys(word)
    if script == "en":
        return latin_keys(word)
    return ()


def key(word: str, script: str) -> str:
    """The plain-reading key of a strict term ('' if none)."""
    found = keys(word, script)
    return found[0] if found else ""


def pair_keys(first: str, second: str, script: str) -> tuple[str, ...]:
    """Keys of two adjacent strict terms written as one, if long enough to use. A pair of two
    function words (کے لیے, of the) is not a name: it gets none, which keeps many pairs out of
    the field. (One function word is not enough: جو is also Joe in جو بائیڈن.)"""
    stop = stopwords()
    if first in stop and second in stop:
        return ()
    joined = filters.joined(first, second) if script == "ur" else first + second
    return tuple(k for k in keys(joined, script) if len(k) >= MIN_KEY_LEN)


# --- terms of the xkey field -------------------------------------------------------------

_KEYED_KINDS = ("word", "part", "handle", "tag")  # not URLs: a host is not a name


def _pairs(toks, script: str):
    """Adjacent words of ``script`` within one sentence (not handles, tags or URLs)."""
    prev = None
    for t in toks:
        if t.script == script and t.kind in ("word", "part"):
            if prev is not None and prev.sentence == t.sentence and t.pos == prev.pos + 1:
                yield prev, t
            prev = t
        else:
            prev = None


def xkey_terms(toks, query: bool = False):
    """Yield ``(term, pos, start, end)`` of the xkey field: every key of every word, then
    the keys of joined adjacent pairs; query mode takes the other script's prefix."""
    prefixes = QUERY_KEY_PREFIX if query else KEY_PREFIX
    for t in toks:
        if t.kind in _KEYED_KINDS and t.script in prefixes:
            for term in _word_terms(t.text, t.script, prefixes[t.script]):
                yield term, t.pos, t.start, t.end
    for script, prefix in prefixes.items():
        for a, b in _pairs(toks, script):
            for term in _pair_terms(a.text, b.text, script, prefix):
                yield term, a.pos, a.start, b.end


def xkey_term_list(toks) -> list[str]:
    """The terms of ``xkey_terms(toks)`` (index mode) without positions, as one list, in
    the same order (words, then Urdu pairs, then Latin pairs), in one pass over ``toks``."""
    out, pairs = [], {"ur": [], "en": []}
    prev = None  # the last word of a pair's script (``_pairs``), None after any other token
    for t in toks:
        script = t.script
        if script in KEY_PREFIX and t.kind in _KEYED_KINDS:
            out += _word_terms(t.text, script, KEY_PREFIX[script])
            if t.kind in ("word", "part"):
                if (prev is not None and prev.script == script and prev.sentence == t.sentence
                        and t.pos == prev.pos + 1):
                    pairs[script] += _pair_terms(prev.text, t.text, script, KEY_PREFIX[script])
                prev = t
                continue
        prev = None
    for script in KEY_PREFIX:
        out += pairs[script]
    return out


# Words and pairs repeat across documents: their prefixed keys are computed once each.
@lru_cache(maxsize=1 << 18)
def _word_terms(text: str, script: str, prefix: str) -> tuple[str, ...]:
    return tuple(prefix + k for k in keys(filters.strict(text, script), script))


@lru_cache(maxsize=1 << 18)
def _pair_terms(first: str, second: str, script: str, prefix: str) -> tuple[str, ...]:
    pair = pair_keys(filters.strict(first, script), filters.strict(second, script), script)
    return tuple(prefix + k for k in pair)


def word_query_terms(tok) -> list[str]:
    """The xkey terms a query word looks up: keys long enough to count alone."""
    return [t for t in _query_terms(tok) if len(t) > MIN_KEY_LEN]


def short_query_terms(tok) -> list[str]:
    """The word's keys of two symbols (rihai → rh): too weak to look up alone, they may count
    for a word of a longer query in a document that matched another query word otherwise."""
    return [t for t in _query_terms(tok) if len(t) == MIN_KEY_LEN]


def _query_terms(tok) -> list[str]:
    if tok.script not in QUERY_KEY_PREFIX or tok.kind not in _KEYED_KINDS:
        return []
    prefix = QUERY_KEY_PREFIX[tok.script]
    return [prefix + k for k in keys(filters.strict(tok.text, tok.script), tok.script)]


def pair_query_terms(a, b) -> list[str]:
    """The xkey terms of two adjacent query words of one script, read as one word."""
    if a.script != b.script or a.script not in QUERY_KEY_PREFIX:
        return []
    first, second = filters.strict(a.text, a.script), filters.strict(b.text, b.script)
    return [QUERY_KEY_PREFIX[a.script] + k for k in pair_keys(first, second, a.script)]


# --- explaining a match ------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One query word (or pair) and the document form it matched: ``blinken → بلنکن``."""

    query: str
    form: str
    via: str = "key"  # "key": cross-script key; "alias": the alias table
    start: int = 0  # where the form is, in the document text it was found in
    end: int = 0

    def label(self) -> str:
        return f"{self.query} → {self.form}"

    def as_dict(self) -> dict:
        return {"query": self.query, "form": self.form, "via": self.via}


def find(query_toks, text: str, doc_toks, exact: set[str] | None = None) -> list[Match]:
    """Every cross-script match of the query in one document text (title or body).

    ``doc_toks`` are the tokens of ``text``. A pair match is preferred to the matches of its
    words; a query word in ``exact`` (default: the strict terms of ``text``) is not reported,
    as the document has it as typed. Matches are in document order.
    """
    forms: dict[str, list[tuple[int, int]]] = {}
    for term, _pos, start, end in xkey_terms(doc_toks):
        forms.setdefault(term, []).append((start, end))
    if exact is None:
        exact = {filters.strict(t.text, t.script) for t in doc_toks}
    found, covered = [], set()
    for i, (a, b) in enumerate(itertools.pairwise(query_toks)):
        if b.pos != a.pos + 1:
            continue
        # A pair whose key is a word's (ki qeemat = qeemat) explains nothing more.
        terms = set(pair_query_terms(a, b)) - {*word_query_terms(a), *word_query_terms(b)}
        spans = _spans(forms, terms)
        if spans:
            covered |= {i, i + 1}
            query = f"{filters.strict(a.text, a.script)} {filters.strict(b.text, b.script)}"
            found += [Match(query, text[s:e], "key", s, e) for s, e in spans]
    for i, t in enumerate(query_toks):
        strict = filters.strict(t.text, t.script)
        if i in covered or strict in exact:
            continue
        found += [Match(strict, text[s:e], "key", s, e)
                  for s, e in _spans(forms, word_query_terms(t))]
    return sorted(found, key=lambda m: (m.start, -m.end))


def _spans(forms, terms) -> list[tuple[int, int]]:
    """Where ``terms`` occur; a pair whose key equals a word's (بلنکن نے) is left out."""
    spans = sorted({span for term in terms for span in forms.get(term, ())})
    return [(s, e) for s, e in spans
            if not any(s <= s2 and e2 <= e and (s2, e2) != (s, e) for s2, e2 in spans)]
