"""Query words typed without their spaces (search/runon.py): cut into the index's words."""

import pytest

from search import runon
from search.querying import Searcher, query_tokens


def ids(result):
    return [h["id"] for h in result["results"]]


@pytest.fixture(scope="module")
def known(sample_index):
    return Searcher(sample_index, cache_size=0).engine().is_word


@pytest.mark.parametrize("spaced, joined, expected", [
    ("شہر کے حساس", "شہرکےحساس", ["s002"]),
    ("کرانے کا نظام", "کرانےکانظام", ["s003"]),
    ("بھٹو نے امریکی امداد", "بھٹونےامریکی امداد",
     ["s004", "s017", "s015", "s067", "s016", "s018", "s044", "s025", "s022", "s020"]),
], ids=["three-words", "with-a-stop-word", "beside-a-spaced-word"])
def test_run_together_query_finds_what_the_spaced_one_does(sample_index, spaced, joined,
                                                           expected):
    searcher = Searcher(sample_index)
    apart, together = searcher.search(spaced), searcher.search(joined)
    assert ids(apart) == expected
    assert (together["mode"], together["total"], ids(together)) == (
        apart["mode"], apart["total"], expected)


def test_query_tokens_are_cut_and_stay_adjacent(known):
    toks = query_tokens("بھٹونےامریکی امداد", known)
    assert [(t.text, t.pos) for t in toks] == [
        ("بھٹو", 0), ("نے", 1), ("امریکی", 2), ("امداد", 3)]
    assert [t.text for t in query_tokens("بھٹونےامریکی امداد")] == ["بھٹونےامریکی", "امداد"]


@pytest.mark.parametrize("word", ["پاکستان", "خوبصورت", "شہر", "لاہورzzz"])
def test_known_or_uncuttable_words_stay_whole(known, word):
    assert runon.cut(word, known) is None


def test_cut_takes_the_fewest_known_pieces_after_non_joining_letters():
    words = {"وضو", "کیسے", "کرتے", "تھے", "وضوکیسے", "کر", "تے"}
    assert runon.cut("وضوکیسےکرتےتھے", words.__contains__) == ["وضوکیسے", "کرتے", "تھے"]
    # کر ends in ر, but تے alone is not enough: تھے must be known too.
    assert runon.cut("کرتےتھا", words.__contains__) is None
    # A piece of one letter is never taken, even where a cut is allowed (after و).
    assert runon.cut("وضوو", {"وضو", "و"}.__contains__) is None
