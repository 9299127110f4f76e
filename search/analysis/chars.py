"""Named code points used by the Urdu normalizer, after the Unicode character names.

Only characters that a rule treats specially are named here; the rules themselves live in
``normalize.py`` and ``crossscript.py``.
"""

ZWNJ = "\u200c"
ZWJ = "\u200d"
TATWEEL = "\u0640"
MADDA_ABOVE = "\u0653"
HAMZA_ABOVE = "\u0654"

ALEF = "\u0627"
ALEF_WITH_MADDA_ABOVE = "\u0622"
ALEF_WITH_HAMZA_ABOVE = "\u0623"
ALEF_WASLA = "\u0671"
WAW = "\u0648"
WAW_WITH_HAMZA_ABOVE = "\u0624"
HAMZA = "\u0621"
AIN = "\u0639"

ARABIC_YEH = "\u064a"
ALEF_MAKSURA = "\u0649"
FARSI_YEH = "\u06cc"  # the Urdu choti yeh
YEH_WITH_HAMZA_ABOVE = "\u0626"
YEH_BARREE = "\u06d2"
YEH_BARREE_WITH_HAMZA_ABOVE = "\u06d3"

ARABIC_KAF = "\u0643"
KEHEH = "\u06a9"  # the Urdu kaf

ARABIC_HEH = "\u0647"
AE = "\u06d5"
HEH_GOAL = "\u06c1"  # the Urdu choti heh
HEH_GOAL_WITH_HAMZA_ABOVE = "\u06c2"
HEH_WITH_YEH_ABOVE = "\u06c0"
HEH_DOACHASHMEE = "\u06be"  # the aspiration mark of بھ, پھ, کھ …
TEH_MARBUTA = "\u0629"
TEH_MARBUTA_GOAL = "\u06c3"
TEH = "\u062a"

NOON = "\u0646"
NOON_GHUNNA = "\u06ba"

ARABIC_DECIMAL_SEPARATOR = "\u066b"
ARABIC_THOUSANDS_SEPARATOR = "\u066c"
ARABIC_PERCENT_SIGN = "\u066a"

# Marks deleted before tokenizing (rule 10). MADDA_ABOVE and HAMZA_ABOVE are in the range but
# are kept until composition has had its chance to use them.
DIACRITIC_RANGES = (
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),
)

# Letters after which an Arabic-keyboard heh can stand for the aspiration mark (rule 5).
ASPIRABLE = "بپتٹجچدڈڑکگ"

# Sentence-ending punctuation (rule 15): no joined pair or phrase crosses these.
SENTENCE_ENDS = frozenset("۔؟!?.")
