"""The golden cases of ANALYSIS.md: the analyzer's specification, one row per phenomenon."""

import pytest

from search.analysis.analyzers import FIELDS, TalashAnalyzer
from search.analysis.tokenizers import tokenize


def terms(text, field="strict", mode="index"):
    return [t.text for t in TalashAnalyzer(field)(text, mode=mode)]


STRICT = [
    ("arabic-kaf", "كتاب", ["کتاب"]),
    ("arabic-yeh", "پاکستاني", ["پاکستانی"]),
    ("arabic-heh", "يه هے", ["یہ", "ہے"]),
    ("presentation-forms", "ﭘﺎﮐﺴﺘﺎﻥ ﻣﯿﮟ", ["پاکستان", "میں"]),
    ("decomposed-madda", "\u0627\u0653ج", ["آج"]),
    ("hamza-above-composes", "جلو\u06c1\u0654", ["جلوۂ"]),
    ("heh-yeh-above", "جلوۀ", ["جلوۂ"]),
    ("teh-marbuta", "صلوة", ["صلوۃ"]),
    ("zer-izafat", "شیرِ پنجاب", ["شیر", "پنجاب"]),
    ("shadda", "محمّد", ["محمد"]),
    ("superscript-alef", "عیسیٰ", ["عیسی"]),
    ("alef-maksura", "عیسى", ["عیسی"]),
    ("tatweel", "پاکـــستان", ["پاکستان"]),
    ("zwj", "پاک\u200dستان", ["پاکستان"]),
    ("zwsp", "پاک\u200bستان", ["پاکستان"]),
    ("lrm", "پاک\u200eستان", ["پاکستان"]),
    ("zwnj-splits", "خوش\u200cقسمت", ["خوش", "قسمت"]),
    ("never-split", "پاکستان", ["پاکستان"]),
    ("urdu-digits", "۲۰۲۴", ["2024"]),
    ("arabic-indic-digits", "٢٠٢٤", ["2024"]),
    ("ascii-digits", "2024", ["2024"]),
    ("decimal-separator", "۳٫۵ فیصد", ["3.5", "فیصد"]),
    ("thousands-separator", "۱٬۰۰۰", ["1000"]),
    ("digits-glued", "20فیصد", ["20", "فیصد"]),
    ("urdu-digits-glued", "۱۸سالہ", ["18", "سالہ"]),
    ("scripts-glued", "خاتون Aliyaنے بچوں", ["خاتون", "aliya", "نے", "بچوں"]),
    ("scripts-glued-2", "اعترافConfession", ["اعتراف", "confession"]),
    ("urdu-punctuation", "پاکستان۔ لاہور، کراچی؟ ہاں؛", ["پاکستان", "لاہور", "کراچی", "ہاں"]),
    ("noon-ghunna-medial", "ہاںجی", ["ہانجی"]),
    ("noon-ghunna-final", "میں", ["میں"]),
    ("arabic-heh-strict", "بهی", ["بہی"]),
    ("allah-ligature", "ﷲ", ["اللہ"]),
    ("possessive", "Blinken's visit", ["blinken", "visit"]),
    ("abbreviation", "U.S.", ["u.s"]),
    ("roman-hyphens", "wazir-e-kharja", ["wazir", "e", "kharja"]),
    ("urdu-izafat", "وزیرِ خارجہ", ["وزیر", "خارجہ"]),
    ("fullwidth", "ＡＢＣ", ["abc"]),
    ("handle", "@SecBlinken", ["@secblinken", "secblinken", "sec", "blinken"]),
    ("hashtag", "#ChampionsTrophy", ["#championstrophy", "championstrophy", "champions",
                                     "trophy"]),
    ("urdu-hashtag", "#لاہور_اسموگ", ["#لاہور_اسموگ", "لاہور_اسموگ", "لاہور", "اسموگ"]),
    ("url", "https://urdu.geo.tv/latest/1", ["urdu.geo.tv", "geo.tv", "latest", "1"]),
    ("emoji-before-urdu", "🙂🙂 لاہور میں بارش", ["لاہور", "میں", "بارش"]),
    ("emoji-glued", "لاہور🙂اسموگ", ["لاہور", "اسموگ"]),
    ("empty", "", []),
    ("dot", ".", []),
    ("space", " ", []),
    ("punctuation-only", "۔،؟!", []),
]


@pytest.mark.parametrize("text, expected", [r[1:] for r in STRICT], ids=[r[0] for r in STRICT])
def test_strict(text, expected):
    assert terms(text) == expected


def test_offsets_after_characters_outside_the_bmp():
    text = "🙂 Blinken 🇵🇰 لاہور"
    assert [text[t.start:t.end] for t in tokenize(text)] == ["Blinken", "لاہور"]


def test_join_field_holds_zwnj_compound():
    assert terms("خوش\u200cقسمت", "join") == ["خوشقسمت"]


def test_no_joined_pair_crosses_a_sentence_end():
    assert terms("پاکستان۔ لاہور، کراچی؟ ہاں", "join") == ["لاہورکراچی"]


@pytest.mark.parametrize("a, b", [("ﷲ", "اللہ"), ("الله", "اللہ")], ids=["ligature", "arabic-heh"])
def test_allah_forms_meet(a, b):
    assert terms(a) == terms(b)


def test_salutation_ligature_expands_to_words():
    # Policy: ﷺ is indexed as the words it abbreviates, so either spelling finds it.
    assert terms("ﷺ") == terms("صلی اللہ علیہ وسلم")


NEVER_MATCH = [("کے", "کی"), ("ہے", "ہی"), ("بچی", "بچے"), ("بھی", "بہی"), ("کھا", "کہا"),
               ("سورت", "صورت"), ("organ", "organization"), ("مین", "میں")]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("a, b", NEVER_MATCH, ids=["-".join(p) for p in NEVER_MATCH])
def test_never_match_in_any_field(a, b, field):
    for x, y in ((a, b), (b, a)):
        assert not set(terms(x, field)) & set(terms(y, field, mode="query")), (x, y, field)


def test_arabic_heh_finds_aspirate_through_loose():
    assert "بھی" in terms("بهی", "loose")
    assert set(terms("بهی", "loose")) & set(terms("بھی", "loose", mode="query"))
    assert not set(terms("بہی", "loose")) & set(terms("بھی", "loose", mode="query"))


@pytest.mark.parametrize("a, b", [("کیجئے", "کیجیے"), ("لئے", "لیے"), ("جاۓ", "جائے")])
def test_hamza_variants_meet_in_loose_only(a, b):
    assert terms(a) != terms(b)
    assert terms(a, "loose") == terms(b, "loose")


def test_english_light_stem():
    assert terms("elections", "stem") == terms("election", "stem")
    assert terms("organization", "stem") != terms("organ", "stem")


@pytest.mark.parametrize("latin, urdu", [("blinken", "بلنکن"), ("antony", "اینٹونی"),
                                         ("trump", "ٹرمپ"), ("imran", "عمران")])
def test_cross_script_keys_meet(latin, urdu):
    assert set(terms(latin, "xkey", mode="query")) & set(terms(urdu, "xkey"))
    assert set(terms(urdu, "xkey", mode="query")) & set(terms(latin, "xkey"))


@pytest.mark.parametrize("word", ["سورت", "blinken"])
def test_cross_script_keys_never_match_same_script(word):
    assert not set(terms(word, "xkey", mode="query")) & set(terms(word, "xkey"))
