"""Snippets: the best passage, matched words in <mark>, escaped, cut on word boundaries."""

import pytest

from search.querying import Searcher
from search.snippets import Highlighter

LONG = " ".join(f"w{i}" for i in range(100)) + " target " + " ".join(f"v{i}" for i in range(100))


@pytest.mark.parametrize("query, text, expected", [
    ("اسموگ", "لاہور میں اسموگ کی وجہ سے اسکول بند کر دیے گئے۔",
     "لاہور میں <mark>اسموگ</mark> کی وجہ سے اسکول بند کر دیے گئے۔"),
    ("election", "Elections were held in Pakistan on Thursday.",
     "<mark>Elections</mark> were held in Pakistan on Thursday."),
    ("aliya", "خاتون Aliyaنے بچوں کو پڑھایا", "خاتون <mark>Aliya</mark>نے بچوں کو پڑھایا"),
    ("خوبصورت", "شہر کی فضا خوب صورت ہے۔", "شہر کی فضا <mark>خوب صورت</mark> ہے۔"),
    ("خوب صورت", "شہر کی فضا خوبصورت ہے۔", "شہر کی فضا <mark>خوبصورت</mark> ہے۔"),
    ("کیجیے", "براہ کرم رابطہ کیجئے۔", "براہ کرم رابطہ <mark>کیجئے</mark>۔"),
    ("blinken", "امریکی وزیر خارجہ اینٹونی بلنکن نے کہا",
     "امریکی وزیر خارجہ اینٹونی <mark>بلنکن</mark> نے کہا"),
    ("bilawal bhutto", "وزیر خارجہ بلاول بھٹو زرداری نے",
     "وزیر خارجہ <mark>بلاول بھٹو</mark> زرداری نے"),
    ("islamabad", "وہ اسلام آباد پہنچے", "وہ <mark>اسلام آباد</mark> پہنچے"),
    ("blinken", "Tweet by @SecBlinken today", "Tweet by <mark>@SecBlinken</mark> today"),
    ("کراچی", "كراچي میں بارش", "<mark>كراچي</mark> میں بارش"),
    ("آج", "ا\u0653ج بارش ہوئی", "<mark>ا\u0653ج</mark> بارش ہوئی"),
    ("کی وجہ", "اسموگ کی وجہ سے", "اسموگ کی <mark>وجہ</mark> سے"),
    ("کے", "بچے کے لیے", "بچے <mark>کے</mark> لیے"),
    ("zzz", "پہلا دوسرا تیسرا", "پہلا دوسرا تیسرا"),
    ("target", LONG, "… w98 w99 <mark>target</mark> v0 v1 v2 v3 v4 v5 v6 v7 v8 v9 v10 v11 v12 "
                     "v13 v14 v15 …"),
    ("x", "", ""),
], ids=["urdu", "english-plural", "mixed-glued", "joined-query-split-text",
        "split-query-joined-text", "hamza-variant", "cross-script", "cross-script-pair",
        "cross-script-joined", "handle", "arabic-keyboard", "decomposed-madda",
        "stop-word-unmarked", "stop-word-only-query", "no-match-starts-at-top",
        "window-cut-on-words", "empty"])
def test_snippet(query, text, expected):
    assert Highlighter(query).snippet(text) == expected


def test_markup_in_text_is_escaped():
    text = "یہ <b>اہم خبر</b> ہے & Research & Development"
    assert Highlighter("خبر").snippet(text) == (
        "یہ &lt;b&gt;اہم <mark>خبر</mark>&lt;/b&gt; ہے &amp; Research &amp; Development")


def test_phrase_is_marked_where_it_occurs_whole():
    text = "لاہور میں اسموگ اور لاہور کی فضا"
    assert Highlighter("", ["لاہور میں"]).snippet(text) == (
        "<mark>لاہور میں</mark> اسموگ اور لاہور کی فضا")


def test_window_holds_the_most_query_words():
    text = ("بارش " * 50) + "لاہور میں اسموگ اور بارش " + ("موسم " * 50)
    snippet = Highlighter("اسموگ بارش لاہور").snippet(text, size=8)
    assert snippet == "… <mark>بارش بارش بارش بارش بارش لاہور</mark> میں <mark>اسموگ</mark> …"


def test_search_results_carry_escaped_snippets(sample_index):
    hit = Searcher(sample_index).search("اہم خبر")["results"][0]
    assert hit["id"] == "s051"
    assert "&lt;b&gt;<mark>اہم خبر</mark>&lt;/b&gt;" in hit["snippet"]
    assert "<b>" not in hit["snippet"]
