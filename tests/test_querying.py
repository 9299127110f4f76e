"""Query language and ranking on a small corpus written for these tests."""

import numpy as np
import pytest

from search.indexing import build_index
from search.querying import Searcher, inflection_stems, min_match, parse
from search.scoring import _second_phase

DOCS = [
    {"id": "q1", "title": "لاہور میں اسموگ", "date": "2024-11-08", "site": "a.example",
     "lang": "ur", "category": "weather",
     "body": "لاہور میں اسموگ کی وجہ سے اسکول بند کر دیے گئے۔ شہر کی فضا خوب صورت نہیں رہی۔"},
    {"id": "q2", "title": "کراچی میں بارش", "date": "2023-07-02", "site": "b.example",
     "lang": "ur", "category": "weather",
     "body": "کراچی میں تیز بارش کے بعد سڑکیں ڈوب گئیں۔ لاہور میں موسم خشک رہا۔"},
    {"id": "q3", "title": "Blinken visits Islamabad", "date": "2022-05-06", "site": "c.example",
     "lang": "en", "category": "world",
     "body": "Antony Blinken held talks in Islamabad on elections and trade."},
    {"id": "q4", "title": "بلنکن کا دورہ", "date": "2022-05-07", "site": "a.example",
     "lang": "ur", "category": "world",
     "body": "امریکی وزیر خارجہ اینٹونی بلنکن نے اسلام آباد میں خوبصورت ملاقات کی۔"},
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    root = tmp_path_factory.mktemp("q")
    build_index(root, DOCS)
    return Searcher(root)


def ids(result):
    return [h["id"] for h in result["results"]]


@pytest.mark.parametrize("query, expected", [
    ("لاہور", ["q1", "q2"]),
    ("اسموگ لاہور", ["q1"]),
    ("کراچی", ["q2"]),
    ("blinken", ["q3", "q4"]),
    ("بلنکن", ["q4", "q3"]),
    ("election", ["q3"]),
    ('"لاہور میں اسموگ"', ["q1"]),
    ("لاہور -اسموگ", ["q2"]),
    ("site:a.example", ["q1", "q4"]),
    ("بلنکن lang:en", ["q3"]),
    ("date:2022-01-01..2022-12-31 اسلام آباد", ["q4", "q3"]),
], ids=["urdu-word", "two-words", "single", "english-finds-both", "urdu-first",
        "plural-stem", "phrase", "exclusion", "site-filter-only", "lang-filter", "date-range"])
def test_golden_queries(searcher, query, expected):
    assert ids(searcher.search(query)) == expected


def test_joined_and_split_compounds_meet(searcher):
    assert ids(searcher.search("خوبصورت")) == ["q4", "q1"]
    assert ids(searcher.search("خوب صورت")) == ["q1", "q4"]


def test_any_word_fallback_is_reported(searcher):
    result = searcher.search("کراچی اسموگ")
    assert result["mode"] == "any"
    assert set(ids(result)) == {"q1", "q2"}


def test_sort_by_date_and_paging(searcher):
    pages = [searcher.search("لاہور بلنکن", sort="date", per_page=3, page=n) for n in (1, 2)]
    assert [p["mode"] for p in pages] == ["any", "any"]
    assert [p["total"] for p in pages] == [4, 4]
    assert [ids(p) for p in pages] == [["q1", "q2", "q4"], ["q3"]]


def test_facets_count_the_current_query(searcher):
    facets = searcher.search("لاہور")["facets"]
    assert facets["site"] == [{"value": "a.example", "count": 1},
                              {"value": "b.example", "count": 1}]
    assert facets["year"] == [{"value": "2023", "count": 1}, {"value": "2024", "count": 1}]


def test_snippet_marks_and_escapes(searcher):
    hit = searcher.search("اسموگ")["results"][0]
    assert hit["snippet"].startswith("لاہور میں <mark>اسموگ</mark> کی وجہ")


@pytest.mark.parametrize("text", ["", " ", '"', '"unclosed', "-", "site:", "date:nonsense",
                                  "((a OR b", "*", "\x00", "a" * 5000, "؟؟", "-لاہور"])
def test_no_input_raises(searcher, text):
    result = searcher.search(text)
    assert result["total"] >= 0


def test_parse_keeps_unknown_syntax_as_words():
    parsed = parse('foo:bar "a b" -c site:X.example year:2024 AND')
    assert parsed.text == "foo:bar AND"
    assert parsed.phrases == ["a b"] and parsed.excluded == ["c"]
    assert parsed.filters == {"site": "x.example", "year": "2024"}


# --- Golden queries on the shipped sample corpus (search/samples/FEATURES.md) ------------


def sample_ids(sample_index, query, **kw):
    return [h["id"] for h in Searcher(sample_index).search(query, **kw)["results"]]


@pytest.mark.parametrize("query, kw, expected", [
    ('"بجلی کی قیمت"', {}, ["s039", "s040", "s001"]),
    ('"اہم خبر"', {}, ["s051"]),
    ('"کم آمدنی"', {}, ["s047"]),
    ("elections -trump", {}, ["s008"]),
    ("بلنکن -واشنگٹن", {}, ["s015", "s016", "s021"]),
    ("-کراچی site:khabarnama.example", {"per_page": 30},
     ["s001", "s005", "s013", "s017", "s021", "s025", "s031", "s035", "s039", "s043", "s047",
      "s050", "s052", "s057", "s062", "s066"]),
    ("site:khabarnama.example بجلی", {}, ["s039", "s001"]),
    ("بجلی", {"site": "khabarnama.example"}, ["s039", "s001"]),
    ("lang:en Karachi", {}, ["s029", "s069", "s043"]),
    ("lang:mixed", {}, ["s013", "s021", "s030", "s044", "s054", "s070"]),
    ("category:weather اسموگ", {}, ["s062", "s063"]),
    ("مہنگائی", {"category": "business"}, ["s041", "s045", "s050"]),
    ("year:2023 مہنگائی", {}, ["s041", "s045"]),
    ("مہنگائی", {"lang": "ur", "year": "2023"}, ["s041", "s045"]),
    ("date:2024-01-01..2024-12-31 کراچی", {}, ["s064", "s053", "s030", "s043"]),
    ("date:2022 elections", {}, ["s008", "s019"]),
    ("category:weather year:2024", {}, ["s063", "s064"]),
    ("Trump tariffs", {}, ["s044"]),
    ("Babar Azam", {}, ["s029", "s030", "s036", "s035", "s028", "s027"]),
    ("خوبصورت", {}, ["s072", "s006", "s055"]),
], ids=["phrase-with-stop-word", "phrase-in-markup", "phrase-across-zwnj", "exclusion-english",
        "exclusion-urdu", "exclusion-with-filter-only", "site-inline", "site-argument",
        "lang-inline", "lang-only", "category-inline", "category-argument", "year-inline",
        "lang-and-year-arguments", "date-range", "date-year", "filters-only", "two-english-words",
        "cross-script-name", "joined-and-split-compound"])
def test_sample_golden_queries(sample_index, query, kw, expected):
    assert sample_ids(sample_index, query, **kw) == expected


def test_sample_any_word_fallback(sample_index):
    result = Searcher(sample_index).search("کراچی اسموگ", per_page=5)
    assert (result["mode"], result["total"]) == ("any", 21)
    # No record has both words; the rarer word's records come first.
    assert [h["id"] for h in result["results"]] == ["s062", "s063", "s064", "s003", "s071"]


def test_sample_phrase_not_found_falls_back_to_its_words(sample_index):
    result = Searcher(sample_index).search('"خبر اہم"')
    assert result["mode"] == "any"
    assert [h["id"] for h in result["results"]] == ["s051", "s052", "s024", "s004"]


def test_sample_sort_by_date_pages_through_all_hits(sample_index):
    searcher = Searcher(sample_index)
    pages = [searcher.search("بجلی", sort="date", per_page=3, page=n) for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [6, 6, 6]
    assert [[h["id"] for h in p["results"]] for p in pages] == [
        ["s064", "s001", "s040"], ["s039", "s070", "s068"], []]
    dates = [h["date"] for p in pages for h in p["results"]]
    assert dates == sorted(dates, reverse=True)
    assert sample_ids(sample_index, "بجلی") == ["s039", "s040", "s068", "s070", "s064", "s001"]


def test_sample_facets_count_the_query_and_follow_filters(sample_index):
    searcher = Searcher(sample_index)
    facets = searcher.search("مہنگائی")["facets"]
    assert facets == {
        "site": [{"value": "khabarnama.example", "count": 3},
                 {"value": "urdu-times.example", "count": 2}],
        "category": [{"value": "business", "count": 3}, {"value": "pakistan", "count": 2}],
        "lang": [{"value": "ur", "count": 4}, {"value": "mixed", "count": 1}],
        "year": [{"value": "2023", "count": 2}, {"value": "2024", "count": 2},
                 {"value": "2025", "count": 1}],
    }
    narrowed = searcher.search("مہنگائی", site="khabarnama.example")
    assert narrowed["total"] == 3
    assert narrowed["facets"]["site"] == [{"value": "khabarnama.example", "count": 3}]


def test_min_match_rule():
    assert [min_match(n) for n in range(1, 11)] == [1, 2, 2, 2, 2, 2, 2, 2, 3, 3]


def test_inflection_stem():
    assert inflection_stems("پڑھنی") == ["پڑھ", "پڑھن"]
    assert inflection_stems("کتابیں") == ["کتاب"]
    assert inflection_stems("کرنا") == ["کرن"]  # only endings that leave three letters


def test_inflection_stems_try_every_ending():
    # An ending can hide a shorter one: the -ی of حکومتی and پاکستانی, not -تی or -نی.
    assert inflection_stems("حکومتی") == ["حکوم", "حکومت"]
    assert inflection_stems("پاکستانی") == ["پاکستا", "پاکستان"]
    assert inflection_stems("اضافہ") == ["اضاف"]  # -ہ nouns: اضافے, اضافوں
    assert inflection_stems("کیا") == ["کیا"]


def test_query_words_find_their_inflected_forms(tmp_path):
    build_index(tmp_path, [
        {"id": "i1", "title": "", "body": "حکومت نے نیا بجٹ پیش کر دیا"},
        {"id": "i2", "title": "", "body": "بجلی کی قیمتوں میں اضافے کا اعلان"},
        {"id": "i3", "title": "", "body": "پاکستان اور ایران کے درمیان بات چیت"},
        {"id": "i4", "title": "", "body": "حکومتی ترجمان نے اضافوں پر بات کی"},
    ])
    searcher = Searcher(tmp_path)
    assert ids(searcher.search("حکومتی")) == ["i4", "i1"]  # the word as typed first
    assert ids(searcher.search("اضافہ")) == ["i2", "i4"]
    assert ids(searcher.search("پاکستانی")) == ["i3"]


def test_a_long_querys_rare_word_can_stand_for_its_common_ones(tmp_path):
    docs = [{"id": "r1", "title": "", "body": "اداکارہ فتیحی نے نیا گانا گایا"}]
    docs += [{"id": f"c{i:02}", "title": "", "body": "شہر میں بارش ہوئی"} for i in range(30)]
    docs += [{"id": f"s{i:02}", "title": "", "body": "سردی بڑھ گئی"} for i in range(12)]
    build_index(tmp_path, docs)
    searcher = Searcher(tmp_path)
    # Four words, two needed: the rare name alone carries most of the query's idf weight and
    # is let in (first); سردی alone carries a fifth of it and is not.
    found = searcher.search("فتیحی شہر بارش سردی", per_page=100)
    assert (found["mode"], found["total"]) == ("all", 31)
    assert ids(found)[0] == "r1"
    assert sorted(ids(found)[1:]) == [f"c{i:02}" for i in range(30)]
    # Three words still need two of them.
    found = searcher.search("فتیحی شہر بارش", per_page=100)
    assert (found["mode"], found["total"]) == ("all", 30)
    assert "r1" not in ids(found)


def test_second_phase_puts_the_first_phases_best_first():
    first = np.array([5.0, 1.0, 4.0, 3.0, 2.0])
    scores = np.array([1.0, 10.0, 2.0, 3.0, 9.0])
    _second_phase(first, scores, 2)
    # Documents 0 and 2 lead, in their own order; the rest keep theirs after them.
    assert np.argsort(-scores, kind="stable").tolist() == [2, 0, 1, 4, 3]
    assert scores[[0, 2]].tolist() == [1.0, 2.0]
    tied = np.array([1.0, 2.0, 3.0, 4.0])
    _second_phase(np.array([3.0, 3.0, 3.0, 1.0]), tied, 2)  # ties: the lower numbers
    assert np.argsort(-tied, kind="stable").tolist() == [1, 0, 3, 2]
