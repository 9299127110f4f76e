"""'Did you mean': corrections from the index's own words, aware of Urdu letter confusions."""

import pytest

from search.querying import Searcher
from search.suggest import distance, skeleton


@pytest.mark.parametrize("a, b, cost", [
    ("مذاکرات", "مزاکرات", 0.3),  # ذ/ز
    ("صحت", "سہت", 0.6),  # ص/س and ح/ہ
    ("مطالبہ", "متالبہ", 0.3),  # ط/ت
    ("اعلان", "الان", 0.6),  # a dropped ع
    ("بجلی", "بجللی", 0.3),  # a doubled letter
    ("elections", "electoins", 1.0),  # two letters swapped
    ("weather", "weathr", 0.6),  # a dropped vowel
    ("بچی", "بچے", 1.0),  # ی/ے are different letters, not a confusion
], ids=["zain-thal", "two-confusions", "teh-tah", "dropped-ain", "doubled", "transposed",
        "dropped-vowel", "yeh-barree-is-an-edit"])
def test_weighted_distance(a, b, cost):
    assert distance(a, b) == pytest.approx(cost)
    assert distance(b, a) == pytest.approx(cost)


def test_skeleton_merges_confusions_and_doubles():
    assert skeleton("مذاکرات") == skeleton("مزاکرات")
    assert skeleton("صحت") == skeleton("سحت") == skeleton("ثہت")
    assert skeleton("بجللی") == skeleton("بجلی")
    assert skeleton("کے") != skeleton("کی")


@pytest.mark.parametrize("query, suggestion", [
    ("مزاکرات", "مذاکرات"),
    ("ہکومت", "حکومت"),
    ("متالبہ", "مطالبہ"),
    ("سہت", "صحت"),
    ("الان", "اعلان"),
    ("بجللی", "بجلی"),
    ("پاکستن", "پاکستان"),
    ("electoins", "elections"),
    ("organisations", "organizations"),
    ("Blinkin", "Blinken"),
    ("Karachi weathr", "Karachi weather"),
    ("electoins lang:en", "elections lang:en"),
    ('"electoins"', '"elections"'),
], ids=["zain-for-thal", "heh-for-hah", "teh-for-tah", "two-confusions", "dropped-ain",
        "doubled-letter", "dropped-alef", "english-transposed", "english-spelling",
        "english-name", "one-word-of-two", "filter-kept", "phrase"])
def test_misspelt_queries_get_a_suggestion(sample_index, query, suggestion):
    assert Searcher(sample_index).search(query)["suggestion"] == suggestion


@pytest.mark.parametrize("query", ["حکومت", "سورت", "صورت", "Blinken", "elections",
                                   "site:khabarnama.example", "xqzv", "", "2024"],
                         ids=["known-urdu", "rare-but-real", "near-miss-partner", "known-name",
                              "known-english", "filter-only", "nothing-close", "empty",
                              "number"])
def test_no_suggestion_for_good_or_hopeless_queries(sample_index, query):
    assert Searcher(sample_index).search(query)["suggestion"] is None


def test_suggestion_finds_what_the_typo_missed(sample_index):
    searcher = Searcher(sample_index)
    typo = searcher.search("electoins")
    assert (typo["total"], typo["mode"]) == (0, "any")
    fixed = searcher.search(typo["suggestion"])
    assert [h["id"] for h in fixed["results"]] == ["s008", "s019"]
