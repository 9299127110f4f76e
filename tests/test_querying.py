"""Query language and ranking on a small corpus written for these tests."""

import pytest

from search.indexing import build_index
from search.querying import Searcher, parse

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
