"""Snippets: the best passage, matched words in <mark>, escaped, cut on word boundaries."""

import itertools
import json
import re

import pytest

from search import aliases, pairkeys, textwords
from search.analysis import crossscript, filters
from search.analysis.tokenizers import tokenize
from search.querying import Searcher
from search.snippets import Highlighter
from tests.conftest import DATA

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


# --- snippets and explanations from cached words (search/textwords.py) ---------------------

FILLER = "یہ ایک لمبی خبر کا جملہ ہے۔ " * 400  # about 11,000 characters before the match


def test_match_only_deep_in_a_long_body_is_found_and_marked():
    text = FILLER + "امریکی وزیر خارجہ بلنکن نے کہا۔ " + FILLER
    assert Highlighter("blinken").snippet(text) == (
        "… ہے۔ امریکی وزیر خارجہ <mark>بلنکن</mark> نے کہا۔ یہ ایک لمبی خبر کا جملہ ہے۔ یہ ایک "
        "لمبی خبر کا جملہ ہے۔ یہ ایک لمبی خبر کا جملہ ہے۔ یہ ایک لمبی خبر کا جملہ ہے۔ یہ …")
    q = "blinken"
    found = aliases.explain(tokenize(q), q, ["خبر", text])
    assert [(m.label(), m.via, text[m.start:m.end]) for m in found] == [
        ("blinken → بلنکن", "key", "بلنکن")]


@pytest.mark.parametrize("text, expected", [
    ("وہ اسلام آباد پہنچے", "وہ <mark>اسلام آباد</mark> پہنچے"),
    ("وہ اسلام۔ آباد پہنچے", "وہ اسلام۔ آباد پہنچے"),
    ("وہ اسلام\nآباد پہنچے", "وہ اسلام\nآباد پہنچے"),
    ("وہ اسلام \u2014 آباد پہنچے", "وہ <mark>اسلام</mark> \u2014 <mark>آباد</mark> پہنچے"),
], ids=["pair", "full-stop-between", "newline-between", "dash-between"])
def test_pair_across_words_stops_at_sentence_ends(text, expected):
    assert Highlighter("islamabad").snippet(text) == expected


def test_phrase_across_words_and_sentences():
    text = "لاہور میں۔ اسموگ لاہور میں اسموگ"
    assert Highlighter("", ["میں اسموگ"]).snippet(text) == (
        "لاہور میں۔ اسموگ لاہور <mark>میں اسموگ</mark>")


def test_scanned_words_give_the_tokens_of_the_whole_text():
    texts = ["", "   ", "۔ ۔", "ہے۔وہ @SecBlinken https://x.com/a/b. آج\n\nکل U.S. 3.5 v15 Aliyaنے",
             "ا\u0653ج 🇵🇰 خبر\u200cیں " * 3]
    for text in texts:
        assert textwords.scan(text).tokens() == tokenize(text), text


@pytest.mark.parametrize("text, limit", [
    ("ایک دو تین چار", None), ("ایک دو تین چار", 6), ("ایک دو تین چار", 7),
    (" ایک دو", None), ("ایک  دو\nتین\n\nچار ", None), ("ایک\tدو", None), ("ایک", None),
    ("", None), ("  ", None),
])
def test_scan_finds_where_each_word_begins(text, limit):
    # One space apart, the starts are added up from the words' lengths; otherwise found
    # by a regex. Both must give where each word of text[:limit] begins.
    expected = [m.start() for m in re.finditer(r"\S+", text[:limit])]
    assert textwords.scan(text, limit).starts == expected
    for k0 in range(len(expected)):
        for k1 in range(k0, len(expected)):
            assert textwords.scan(text, limit).starts_of(k0, k1) == expected[k0:k1 + 1]
            ks = [k1, k0, k1]  # any order, repeats
            assert textwords.scan(text, limit).starts_at(ks) == {k: expected[k] for k in ks}


def test_exact_forms_of_a_scanned_text():
    words = textwords.scan("لاہور میں اسموگ، Elections")
    forms = words.strict_forms()
    assert [t in forms for t in ("لاہور", "میں", "اسموگ", "elections", "لاہ", "smog")] == [
        True, True, True, True, False, False]
    words.sharing(Highlighter("لاہور اسموگ").probe)  # asked again within that probe
    assert ["لاہور" in forms, "اسموگ" in forms, "میں" in forms] == [True, True, True]


@pytest.mark.skipif(not (DATA / "news" / "docs.jsonl").exists(),
                    reason="needs ../shared/data/news (set TALASH_DATA_DIR)")
def test_scanned_words_give_the_tokens_of_real_articles():
    with open(DATA / "news" / "docs.jsonl", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in itertools.islice(fh, 300)]
    for doc in docs:
        for text in (doc["title"], doc["body"]):
            assert textwords.scan(text).tokens() == tokenize(text), doc["id"]


@pytest.mark.parametrize("query, text, snippet, matched", [
    ("kiran", "وہ کی ران پر گئے", "وہ <mark>کی ران</mark> پر گئے", ["kiran → کی ران"]),
    ("kiran", "کی بات ران پر", "کی بات ران پر", []),
    ("karan", "وہ کی ران پر گئے اور کرن", "وہ <mark>کی ران</mark> پر گئے اور <mark>کرن</mark>",
     ["karan → کی ران"]),
], ids=["short-word-pair", "not-adjacent", "pair-and-word"])
def test_roman_word_marks_a_pair_that_starts_with_a_short_word(query, text, snippet, matched):
    # کی has a one-symbol key, so any pair it starts is looked at: the second word decides
    # (pairkeys.pair_tails), and must not lose the match.
    assert Highlighter(query).snippet(text) == snippet
    assert [m.label() for m in aliases.explain(tokenize(query), query, ["", text])] == matched


@pytest.mark.parametrize("query, text, snippet, matched", [
    ("sumbul", "یہ سن بل ہے", "یہ <mark>سن بل</mark> ہے", ["sumbul → سن بل"]),
    ("khanam", "وہ ک ھانم ہے", "وہ <mark>ک ھانم</mark> ہے", ["khanam → ک ھانم"]),
    ("sanfi", "وہ سانپ ھی تھا", "وہ <mark>سانپ ھی</mark> تھا", ["sanfi → سانپ ھی"]),
], ids=["noon-read-m", "kaf-aspirated", "pe-aspirated-noon-back"])
def test_pair_whose_first_word_changes_its_last_symbol_when_joined(query, text, snippet,
                                                                   matched):
    # Joined, سن ends in m (before ب), ک in x and سانپ in nf (before ھ): the pair's key does
    # not begin with the first word's own key, and the pair must still be looked at
    # (pairkeys.key_heads).
    assert Highlighter(query).snippet(text) == snippet
    assert [m.label() for m in aliases.explain(tokenize(query), query, ["", text])] == matched


@pytest.mark.skipif(not (DATA / "news" / "docs.jsonl").exists(),
                    reason="needs ../shared/data/news (set TALASH_DATA_DIR)")
def test_pair_keys_begin_with_a_head_of_their_first_word():
    """What lets snippets and ``matched`` skip most pairs (pairkeys.key_heads): the key of
    two Urdu words written as one begins with one of the first word's heads, for pairs of
    real words, side by side or not, and before every word that begins with ھ."""
    with open(DATA / "news" / "docs.jsonl", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in itertools.islice(fh, 300)]
    words = sorted({t.text for doc in docs for t in tokenize(doc["body"])
                    if t.script == "ur" and t.kind == "word"})
    seconds = words[::211] + [w for w in words if w.startswith("ھ")] + ["ھی", "ھانا"]
    checked = 0
    for first in words:
        heads = pairkeys.key_heads(first, "ur")
        for second in seconds:
            for key in crossscript.pair_keys(filters.strict(first, "ur"),
                                             filters.strict(second, "ur"), "ur"):
                assert any(("u" + key).startswith(h) for h in heads), (first, second, key)
                checked += 1
    assert checked > 50_000


@pytest.mark.skipif(not (DATA / "news" / "docs.jsonl").exists(),
                    reason="needs ../shared/data/news (set TALASH_DATA_DIR)")
def test_pair_keys_end_with_a_tail_of_their_second_word():
    """What lets snippets and ``matched`` skip most pairs (pairkeys.pair_tails): the key of
    two Urdu words written as one ends with one of the second word's tails, for pairs of
    real words, side by side or not."""
    with open(DATA / "news" / "docs.jsonl", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in itertools.islice(fh, 100)]
    toks = {t.text: t for doc in docs for t in tokenize(doc["body"])
            if t.script == "ur" and t.kind == "word"}
    words = sorted(toks)
    firsts = words[::97]
    checked = 0
    for second in words:
        tails = pairkeys.pair_tails(toks[second])
        for first in firsts:
            for key in crossscript.pair_keys(filters.strict(first, "ur"),
                                             filters.strict(second, "ur"), "ur"):
                assert any(("u" + key).endswith(t[1:]) for t in tails), (first, second, key)
                checked += 1
    assert checked > 10_000
