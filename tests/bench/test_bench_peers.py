"""The comparison engines: build on a tiny corpus, rank sensibly, never raise on query text."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench import peers

# Written for these tests (not from the shared data).
DOCS = [
    {"id": "d1", "title": "موسم", "body": "لاہور میں آج بارش ہوئی اور موسم خوشگوار ہو گیا۔"},
    {"id": "d2", "title": "کرکٹ", "body": "پاکستان نے کرکٹ میچ جیت لیا، شائقین خوش ہیں۔"},
    {"id": "d3", "title": "", "body": "کراچی میں بجلی کی قیمت بڑھ گئی۔ Prices rose in Karachi."},
]
ENGINE_NAMES = [*peers.PEERS, "talash"]


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def engine(request, tmp_path_factory):
    if request.param == "talash":
        pytest.importorskip("search.indexing", reason="talash indexing API not available yet")
        pytest.importorskip("search.querying", reason="talash querying API not available yet")
    eng = peers.make(request.param)
    eng.build(DOCS, tmp_path_factory.mktemp(request.param))
    yield eng
    eng.close()


def test_ranks_the_matching_doc_first(engine):
    assert engine.search("کرکٹ میچ", 10)[0] == "d2"
    assert engine.search("بارش لاہور", 10)[0] == "d1"
    assert engine.search("karachi prices", 10)[0] == "d3"


def test_respects_k(engine):
    assert len(engine.search("میں", 1)) <= 1


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
@example(text='"')
@example(text='"کرکٹ" OR NOT AND (')
@example(text="title:x body: * ? ~2 ^3 [a TO b] {c} \\ -")
@example(text="NEAR(a b) a* 'x")
@example(text="کرکٹ\0میچ")
@example(text="کرکٹ\ud800")
@example(text="  \t\n")
@example(text="؟ ۔ ، \u200c\u200d")
@example(text="ا" * 300)
def test_never_raises(engine, text):
    ids = engine.search(text, 5)
    assert isinstance(ids, list)
    assert len(ids) <= 5
    assert all(isinstance(i, str) for i in ids)


def test_fts5_match_escapes_quotes():
    assert peers.SqliteFts5.to_match('a "b"  ') == '"a" OR """b"""'
    assert peers.SqliteFts5.to_match(" \0 ") == ""


def test_unknown_engine():
    with pytest.raises(ValueError, match="unknown engine"):
        peers.make("nope")


def test_tantivy_size_with_text_stores_title_and_body(tmp_path):
    import tantivy

    eng = peers.make("tantivy")
    (tmp_path / "ids").mkdir()
    eng.build(DOCS, tmp_path / "ids")
    size = sum(p.stat().st_size for p in (tmp_path / "ids").rglob("*") if p.is_file())
    with_text = eng.size_with_text(DOCS, tmp_path / "text")
    assert with_text > size
    index = tantivy.Index.open(str(tmp_path / "text"))
    searcher = index.searcher()
    stored = [searcher.doc(addr).to_dict() for _score, addr in
              searcher.search(index.parse_query("id:d2"), limit=1).hits]
    assert stored == [{"id": ["d2"], "title": [DOCS[1]["title"]], "body": [DOCS[1]["body"]]}]
    eng.close()

