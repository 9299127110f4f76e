""""Did you mean": a corrected query built from the index's own words.

Urdu writers confuse letters that sound alike (ز ذ ض ظ, س ص ث, ت ط, ہ ح, ا ع), drop or
double letters, and English words get ordinary typos. A query word the index does not know
(or barely knows) is compared with the index's words of the title and body fields:

* candidates are found through a *skeleton* that merges the confusable letters and collapses
  doubled letters, so any number of confusions costs one dictionary lookup; one further edit
  (a letter dropped, added, changed, or two swapped) is tried on the skeleton, Norvig-style;
* candidates are ranked by a weighted edit distance in which a confusable letter, a doubled
  letter and a dropped vowel letter cost less than other edits, then by how many documents
  use the word.

The skeleton table is built once per index reader (a few hundred milliseconds for 100k words)
and only when a query finds little, so ordinary searches never pay for it.
"""

import weakref

from search.analysis import filters
from search.analysis.analyzers import is_stopword
from search.analysis.tokenizers import tokenize
from search.frequent import frequencies

# Letters Urdu writers confuse, one group per sound.
CONFUSABLE = (
    "\u0632\u0630\u0636\u0638",  # ZAIN, THAL, DAD, ZAH: z
    "\u0633\u0635\u062b",  # SEEN, SAD, THEH: s
    "\u062a\u0637",  # TEH, TAH: t
    "\u06c1\u062d",  # HEH GOAL, HAH: h
    "\u0627\u0639",  # ALEF, AIN
)
# Vowel letters that are often left out (or put in) when spelling by ear.
DROPPABLE = "\u0627\u0648\u06cc\u0639\u06c1aeiouy"  # ALEF, WAW, FARSI YEH, AIN, HEH GOAL

CONFUSION_COST = 0.3
DOUBLING_COST = 0.3
VOWEL_COST = 0.6
EDIT_COST = 1.0
RARE = 2  # words used by more documents than this are never corrected
COMMONER = 10  # a rare word is corrected only to a word this many times as common

_CLASS = {c: group[0] for group in CONFUSABLE for c in group}
_tables: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def skeleton(word: str) -> str:
    """``word`` with confusable letters merged and doubled letters collapsed."""
    out = []
    for c in word:
        c = _CLASS.get(c, c)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def distance(a: str, b: str) -> float:
    """Weighted Damerau-Levenshtein distance (optimal string alignment) from ``a`` to ``b``."""
    rows = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        rows[i][0] = rows[i - 1][0] + _indel(a, i - 1)
    for j in range(1, len(b) + 1):
        rows[0][j] = rows[0][j - 1] + _indel(b, j - 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            best = min(rows[i - 1][j] + _indel(a, i - 1), rows[i][j - 1] + _indel(b, j - 1),
                       rows[i - 1][j - 1] + _substitution(a[i - 1], b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, rows[i - 2][j - 2] + EDIT_COST)
            rows[i][j] = best
    return rows[-1][-1]


def _indel(word: str, i: int) -> float:
    """The cost of adding or dropping ``word[i]``: cheap if it doubles a neighbour."""
    c = word[i]
    if (i > 0 and word[i - 1] == c) or (i + 1 < len(word) and word[i + 1] == c):
        return DOUBLING_COST
    return VOWEL_COST if c in DROPPABLE else EDIT_COST


def _substitution(x: str, y: str) -> float:
    if x == y:
        return 0.0
    return CONFUSION_COST if _CLASS.get(x, x) == _CLASS.get(y, y) else EDIT_COST


def max_cost(word: str) -> float:
    """How far a correction of ``word`` may be: short words only by cheap edits."""
    if len(word) <= 3:
        return 0.6
    return 1.0 if len(word) <= 6 else 1.6


class SpellTable:
    """The words of an index's title and body fields, by skeleton, with document counts."""

    FIELDS = ("title", "body")

    def __init__(self, reader):
        self.freq: dict[str, int] = {}
        for fieldname in self.FIELDS:
            if fieldname not in reader.schema:
                continue
            # Segment by segment: a multi-segment reader merges every term's info across
            # segments one Python step at a time, dozens of times slower.
            for leaf, _offset in reader.leaf_readers():
                for term, df in frequencies(leaf, fieldname):  # no term info decoded
                    word = term.decode("utf-8") if isinstance(term, bytes) else term
                    if any(c.isalpha() for c in word):
                        self.freq[word] = self.freq.get(word, 0) + df
        self.by_skeleton: dict[str, list[str]] = {}
        alphabet = set()
        for word in self.freq:
            sk = skeleton(word)
            self.by_skeleton.setdefault(sk, []).append(word)
            alphabet.update(sk)
        self.alphabet = "".join(sorted(alphabet))

    def candidates(self, word: str) -> set[str]:
        """Index words whose skeleton is the word's or one edit away from it."""
        found = set()
        for sk in {skeleton(word), *_edits1(skeleton(word), self.alphabet)}:
            found.update(self.by_skeleton.get(sk, ()))
        found.discard(word)
        return found

    def correct(self, word: str) -> str | None:
        """The best correction of ``word``, or None when it is known well enough: a word the
        index has is only corrected to a far more common one (it may be a typo itself)."""
        own = self.freq.get(word, 0)
        if own > RARE:
            return None
        limit = max_cost(word)
        best = None
        for cand in self.candidates(word):
            count = self.freq[cand]
            if count < (COMMONER * own if own else 1):
                continue
            cost = distance(word, cand)
            if cost <= limit and (best is None or (cost, -count) < best[0]):
                best = ((cost, -count), cand)
        return best[1] if best else None


def _edits1(word: str, alphabet: str) -> set[str]:
    """Every string one edit from ``word`` (delete, transpose, replace, insert)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in alphabet]
    inserts = [a + c + b for a, b in splits for c in alphabet]
    return set(deletes + transposes + replaces + inserts)


def table_for(reader) -> SpellTable:
    """The spelling table of one index reader, built on first use."""
    table = _tables.get(reader)
    if table is None:
        table = _tables[reader] = SpellTable(reader)
    return table


def suggest(reader, text: str, skip=(), table: SpellTable | None = None) -> str | None:
    """``text`` with its unknown words corrected, or None if there is nothing to correct.

    ``skip`` lists ``(start, end)`` character spans to leave alone (filters such as
    ``site:...``). Stop words, numbers, handles and URLs are never corrected. ``table`` is
    the reader's spelling table when the caller keeps one (``table_for`` builds it if not).
    """
    table = table or table_for(reader)
    out, at = [], 0
    for tok in tokenize(text):
        if (tok.kind != "word" or tok.script not in ("ur", "en") or is_stopword(tok)
                or any(s <= tok.start < e for s, e in skip)):
            continue
        fix = table.correct(filters.strict(tok.text, tok.script))
        if fix:
            if text[tok.start:tok.start + 1].isupper():
                fix = fix[:1].upper() + fix[1:]
            out += [text[at:tok.start], fix]
            at = tok.end
    return "".join(out) + text[at:] if out else None
