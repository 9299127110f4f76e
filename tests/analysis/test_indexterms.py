"""Indexing's stretch-by-stretch terms (search/analysis/indexterms.py) are the terms of the
tokens: every rule's terms, and the exact field's positions, on generated text and the corpora."""

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import indexterms
from search.analysis.analyzers import FIELDS, term_list
from search.analysis.indexterms import TextTerms
from search.analysis.tokenizers import tokenize
from search.schema import lead
from tests.analysis.test_properties import ANY_TEXT, SPACED, URDUISH
from tests.conftest import DATA


def by_tokens(text: str):
    """What indexing counted before: the terms of ``tokenize(text)``, per rule, and the
    exact terms' positions in order of first occurrence."""
    toks = tokenize(text)
    positions: dict[str, list[int]] = {}
    for term, tok in zip(term_list("strict", toks), toks, strict=True):
        positions.setdefault(term, []).append(tok.pos)
    return {rule: Counter(term_list(rule, toks)) for rule in FIELDS}, list(positions.items())


def by_stretches(text: str, order=FIELDS):
    """The same from ``TextTerms``, asking for the rules in ``order``."""
    found = TextTerms(text)
    counted = {rule: Counter(found.terms(rule)) for rule in order}
    return {rule: counted[rule] for rule in FIELDS}, list(found.positions.items())


# Words and the things between them, so that stretches, pairs across stretches, sentence
# ends inside and between stretches, handles, URLs and line breaks all meet.
PIECES = st.lists(st.sampled_from(
    ["پاکستان", "کے", "لیے", "بھٹو", "بلاول", "ہے", "۔", "؟", "،", "نے", "Blinken", "visit",
     "Imran", "Khan's", "2024", "۲۰۲۴", "3.5", "#ChampionsTrophy", "@SecBlinken", "_",
     "https://urdu.geo.tv/latest/1", "www.x.com", ".", "!", ":", "تهانه", "بهی", "ڑ", "ھ",
     "\u064e", "\u200c", "\U0001f600", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\xa0", "\r"]),
    max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(PIECES, SPACED, URDUISH, ANY_TEXT))
def test_stretches_give_the_terms_of_the_tokens(text):
    expected = by_tokens(text)
    assert by_stretches(text) == expected
    # The second time from remembered stretches; positions and pairs worked out first.
    assert by_stretches(text, FIELDS[::-1]) == expected


def test_forgetting_the_caches_changes_nothing():
    text = "بلاول بھٹو نے کہا۔ Imran Khan's visit\n@SecBlinken لاہور"
    expected = by_tokens(text)
    indexterms.clear_caches()
    assert by_stretches(text) == expected
    assert by_stretches(text) == expected


def _texts(path, limit):
    with open(path, encoding="utf-8") as handle:
        for line, _ in zip(handle, range(limit), strict=False):
            record = json.loads(line)
            body = record.get("body") or ""
            yield from (record.get("title") or "", body, lead(body))


@pytest.mark.parametrize("corpus", ["news", "ahadis", "fakenews"])
def test_same_terms_on_the_corpora(corpus):
    path = DATA / corpus / "docs.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (set TALASH_DATA_DIR to the shared data folder)")
    for text in _texts(path, 400):
        assert by_stretches(text) == by_tokens(text), text[:80]


@pytest.mark.parametrize("text", [
    "بلاول \u064eبھٹو نے", "\u064eبلاول بھٹو", " \u200cبلاول", "پاکستان\n\u0651کے لیے",
    "بلاول\u2028بھٹو", "Imran\u3000Khan", "\u064eبلاول بھٹو\u200c",
])
def test_text_that_tokenize_reads_whole(text):
    """A mark just after white space, or odd white space: the tokens' terms all the same,
    whichever rule is asked for first."""
    expected = by_tokens(text)
    assert by_stretches(text) == expected
    for first in FIELDS:
        found = TextTerms(text)
        assert Counter(found.terms(first)) == expected[0][first]
        assert {rule: Counter(found.terms(rule)) for rule in FIELDS} == expected[0]
        assert list(found.positions.items()) == expected[1]


def test_odd_space_is_the_white_space_tokenize_reads_whole():
    from search.analysis.tokenizers import ODD_SPACE_RE

    odd = {chr(c) for c in range(0x110000)
           if chr(c).isspace() and chr(c) not in "\t\n\x0b\x0c\r \xa0"}
    assert odd == {c for c in map(chr, range(0x110000)) if ODD_SPACE_RE.match(c)}
