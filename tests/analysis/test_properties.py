"""Properties of the analysis chain that must hold on any input, and under threads."""

import pickle
from concurrent.futures import ThreadPoolExecutor

from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis.analyzers import FIELDS, TalashAnalyzer, is_stopword
from search.analysis.normalize import normalize, normalize_with_offsets
from search.analysis.tokenizers import tokenize
from search.schema import build_schema

URDUISH = st.text(alphabet=st.sampled_from(
    list("ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیےئۓۂآأؤ") +
    list("يكهةىۀ٠١۲۳٫٬٪،۔؟") + ["\u064e", "\u0651", "\u0653", "\u0654", "\u0670", "\u0640",
                              "\u200c", "\u200d", " ", ".", "A", "b", "#", "@", "_", "7"]),
    max_size=60)
ANY_TEXT = st.text(max_size=80)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, URDUISH))
def test_analysis_never_raises(text):
    for field in FIELDS:
        for mode in ("index", "query"):
            list(TalashAnalyzer(field)(text, positions=True, chars=True, mode=mode))


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, URDUISH))
def test_normalization_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, URDUISH))
def test_offsets_map_back_into_the_original(text):
    norm, starts, ends = normalize_with_offsets(text)
    assert norm == normalize(text)
    assert len(starts) == len(ends) == len(norm)
    assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends, strict=True))
    for tok in tokenize(text):
        assert 0 <= tok.start < tok.end <= len(text)


@settings(max_examples=200, deadline=None)
@given(URDUISH)
def test_index_and_query_mode_agree_without_stop_words(text):
    if any(is_stopword(t) for t in tokenize(text)):
        return
    for field in ("strict", "loose", "join", "stem"):
        index = [t.text for t in TalashAnalyzer(field)(text, mode="index")]
        query = [t.text for t in TalashAnalyzer(field)(text, mode="query")]
        assert index == query


TEXTS = [
    "پاكستاني وزیرِ خارجہ نے ۲۰۲۴ میں کہا: Blinken's visit was #ChampionsTrophy @SecBlinken",
    "خوش\u200cقسمت لوگ اسلام آباد گئے۔ تهانه بهی بند ہے؟ ہاںجی",
    "محمّد عیسیٰ ﷲ ۳٫۵ فیصد ۱٬۰۰۰ 20فیصد https://urdu.geo.tv/latest/1",
] * 20


def _analyze_all(text):
    return {f: [(t.text, t.pos) for t in TalashAnalyzer(f)(text, positions=True)]
            for f in FIELDS}


def test_threads_give_single_thread_results():
    expected = [_analyze_all(t) for t in TEXTS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(_analyze_all, TEXTS)) == expected


def test_schema_pickles_and_compares_equal():
    schema = build_schema()
    clone = pickle.loads(pickle.dumps(schema))
    assert clone.names() == schema.names()
    # Whoosh's numeric fields compare their struct objects by identity, so the date field is
    # checked by type; every other field (all the analyzed ones) compares equal.
    assert type(clone["date"]) is type(schema["date"])
    assert all(clone[n] == schema[n] for n in schema.names() if n != "date")
    assert [clone[f].analyzer for f in FIELDS[1:]] == [TalashAnalyzer(f) for f in FIELDS[1:]]


SPACED = st.lists(st.sampled_from(
    list("ابپتکگہھیے۔؟،") + ["\u0647", "\u064e", "\u0654", "\u200c", "\u200d", "\u0301",
                            "\u00a0", " ", "\n", "\r", "\t", "\u2028", ".", "!", "A", "b",
                            "#", "@", "_", "/", ":", "7", "۲", "www.", "https://", "x.com",
                            "\U0001f600", "\U0001f3fb"]),
    max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(ANY_TEXT, URDUISH, SPACED))
def test_tokens_by_stretch_are_the_tokens_of_the_whole_text(text):
    """``tokenize`` remembers each stretch without white space; the tokens, positions,
    offsets and sentences are those of tokenizing the text in one go."""
    from search.analysis.tokenizers import _tokenize_whole

    assert tokenize(text) == _tokenize_whole(text)
    assert tokenize(text) == _tokenize_whole(text)  # the second time from remembered stretches


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, URDUISH, SPACED))
def test_term_lists_are_the_terms_without_positions(text):
    """Indexing counts ``term_list``; it holds what ``terms`` yields, in the same order."""
    from search.analysis.analyzers import term_list, terms

    toks = tokenize(text)
    for field in FIELDS:
        assert term_list(field, toks) == [t[0] for t in terms(field, toks)]
