"""Cross-script keys: Roman Urdu and English names meet Urdu script, and only across scripts."""

import doctest
import random

import pytest

from search.analysis import crossscript
from search.analysis.analyzers import TalashAnalyzer
from search.analysis.crossscript import (
    MAX_KEYS,
    MIN_KEY_LEN,
    Match,
    find,
    latin_keys,
    pair_query_terms,
    short_query_terms,
    urdu_keys,
    word_query_terms,
)
from search.analysis.tokenizers import tokenize


def index_terms(text):
    return {t.text for t in TalashAnalyzer("xkey")(text)}


def query_terms(text):
    """What the query side looks up: each word's usable keys and each adjacent pair's."""
    toks = [t for t in tokenize(text) if t.kind == "word"]
    terms = {term for t in toks for term in word_query_terms(t)}
    for a, b in zip(toks, toks[1:], strict=False):
        if b.pos == a.pos + 1:
            terms |= set(pair_query_terms(a, b))
    return terms


def meet(query, doc):
    return query_terms(query) & index_terms(doc)


NAMES = [
    ("blinken", "بلنکن"), ("antony", "اینٹونی"), ("trump", "ٹرمپ"), ("donald", "ڈونلڈ"),
    ("qureshi", "قریشی"), ("washington", "واشنگٹن"), ("biden", "بائیڈن"), ("imran", "عمران"),
    ("shahbaz sharif", "شہباز شریف"), ("shehbaz sharif", "شہباز شریف"),
    ("imran khan", "عمران خان"), ("bilawal bhutto", "بلاول بھٹو"), ("joe biden", "جو بائیڈن"),
    ("islamabad", "اسلام آباد"), ("islamabad", "اسلامآباد"), ("babar azam", "بابر اعظم"),
    ("karachi", "کراچی"), ("lahore", "لاہور"), ("pakistan", "پاکستان"),
    ("champions", "چیمپئنز"), ("trophy", "ٹرافی"), ("smog", "اسموگ"), ("smog", "سموگ"),
    ("school", "اسکول"), ("stadium", "اسٹیڈیم"), ("alexander", "الیگزینڈر"), ("tax", "ٹیکس"),
    ("quincy", "کوئنسی"), ("election", "الیکشن"), ("commission", "کمیشن"),
    ("mehngai", "مہنگائی"), ("bijli", "بجلی"), ("qeemat", "قیمت"), ("bijli ki", "بجلی کی"),
    ("larki", "لڑکی"), ("ladki", "لڑکی"), ("parhna", "پڑھنا"), ("padhna", "پڑھنا"),
    ("dekhna", "دیکھنا"), ("phailta", "پھیلتا"), ("tumhara", "تمہارا"), ("unhen", "انھیں"),
    ("new zealand", "نیوزی لینڈ"), ("national stadium", "نیشنل اسٹیڈیم"),
]


@pytest.mark.parametrize("latin, urdu", NAMES, ids=[f"{a}/{b}" for a, b in NAMES])
def test_names_meet_both_ways(latin, urdu):
    assert meet(latin, urdu), (query_terms(latin), index_terms(urdu))
    assert meet(urdu, latin), (query_terms(urdu), index_terms(latin))


@pytest.mark.parametrize("word", ["سورت", "صورت", "blinken", "بلنکن", "islamabad"])
def test_keys_never_match_the_same_script(word):
    assert not query_terms(word) & index_terms(word)


def test_near_misses_stay_apart_within_urdu():
    # Both keys are "srt", but an Urdu query only looks at Latin keys.
    assert urdu_keys("سورت") == urdu_keys("صورت")
    assert not query_terms("سورت") & index_terms("صورت")


@pytest.mark.parametrize("word", ["khan", "bhutto", "bilawal", "ki", "hai", "joe", "kh"])
def test_short_keys_alone_look_up_nothing(word):
    assert all(len(k) < MIN_KEY_LEN for k in latin_keys(word))
    assert query_terms(word) == set()


def test_short_keys_count_inside_a_pair():
    assert query_terms("bilawal bhutto") == {"ublbt"}
    assert not meet("bilawal", "بلاول بھٹو") and not meet("bhutto", "بلاول بھٹو")
    assert meet("bilawal bhutto", "بلاول بھٹو") == {"ublbt"}


@pytest.mark.parametrize("word, terms", [
    ("rihai", ["urh"]), ("khan", ["uxn"]), ("بھٹو", ["lbt"]), ("ki", []), ("blinken", []),
])
def test_short_query_terms_are_the_two_symbol_keys(word, terms):
    [tok] = tokenize(word)
    assert short_query_terms(tok) == terms


def test_pairs_do_not_cross_a_sentence_end():
    assert "ublbt" not in query_terms("bilawal. bhutto")
    assert "lblbt" not in index_terms("Bilawal. Bhutto")


@pytest.mark.parametrize("word, keys", [
    ("لڑکی", ("lrk", "ldk")),  # ڑ is romanized r and d
    ("پڑھنا", ("prhn", "pdn")),  # ڑھ: parhna, padhna
    ("دیکھا", ("dx",)),  # کھ is kh like خ
    ("پھول", ("fl",)),  # پھ is ph
    ("عنبر", ("Ambr",)),  # ن before ب is m
    ("صبح", ("sb",)),  # final ح silent
    ("لمحہ", ("lmh",)),  # but not before a final ہ
    ("انھیں", ("Anhn",)),  # ھ after ن is h
])
def test_urdu_readings(word, keys):
    assert urdu_keys(word) == keys


@pytest.mark.parametrize("word, keys", [
    ("smog", ("smg", "Asmg")),  # prothetic alef: اسموگ or سموگ
    ("salam", ("slm",)),  # a vowel after s: no prothesis
    ("alexander", ("Alksndr", "Algzndr")),
    ("champions", ("cmpns", "cmpnz")),
    ("bus", ("bs",)),
    ("rakkha", ("rx",)),
    ("tumhara", ("tmhr",)),
    ("election", ("AlkSn",)),
    ("", ()),
    ("123", ()),
])
def test_latin_readings(word, keys):
    assert latin_keys(word) == keys


def test_keys_are_bounded_and_never_raise():
    rng = random.Random(6)
    alphabet = "اآبپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیےئۓ abcdefghijklmnopqrstuvwxyz-'"
    for _ in range(2000):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        for script in ("ur", "en"):
            found = crossscript.keys(word, script)
            assert len(found) <= MAX_KEYS and len(set(found)) == len(found)
    assert urdu_keys("بڑکڑتڑجڑ") == ("brkrtrjr", "brkrtrjd", "brkrtdjr", "brkrtdjd")


def test_urls_get_no_keys():
    assert index_terms("https://urdu.geo.tv/latest") == index_terms("latest")


def test_plain_key_stays_first():
    assert crossscript.key("لڑکی", "ur") == "lrk"
    assert crossscript.key("smog", "en") == "smg"


def toks_of(text):
    return [t for t in tokenize(text) if t.kind == "word"]


def labels(query, *texts):
    """The cross-script matches of ``query`` in a document made of ``texts``."""
    toks = toks_of(query)
    exact = {t.text.lower() for text in texts for t in tokenize(text)}
    return [m.label() for text in texts for m in find(toks, text, tokenize(text), exact)]


def test_find_names_the_form_that_matched():
    assert labels("blinken", "وزیر خارجہ اینٹونی بلنکن نے کہا") == ["blinken → بلنکن"]
    assert labels("antony blinken", "اینٹونی بلنکن نے کہا") == ["antony blinken → اینٹونی بلنکن"]
    assert labels("imran khan rihai", "عمران خان کی رہائی") == ["imran khan → عمران خان"]
    assert labels("islamabad", "اسلام آباد میں اجلاس") == ["islamabad → اسلام آباد"]
    assert labels("بلاول بھٹو", "Bilawal Bhutto met Blinken") == ["بلاول بھٹو → Bilawal Bhutto"]


def test_find_skips_exact_matches():
    assert labels("blinken", "Blinken said", "بلنکن نے کہا") == []
    assert labels("trump", "Title", "ڈونلڈ ٹرمپ اور ٹرمپ") == ["trump → ٹرمپ", "trump → ٹرمپ"]
    found = find(toks_of("trump"), "ڈونلڈ ٹرمپ", tokenize("ڈونلڈ ٹرمپ"))
    assert found == [Match("trump", "ٹرمپ", "key", 6, 10)]
    assert found[0].as_dict() == {"query": "trump", "form": "ٹرمپ", "via": "key"}


def test_doctests():
    assert doctest.testmod(crossscript).failed == 0
