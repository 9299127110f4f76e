"""Indexes written before the compact term table still read and update
(tests/fixtures/old-term-table: an index in session 5's format; see tests/fixtures/README.md).

talash no longer writes Whoosh's ``.trm`` term table or stored column; the fixture is the only
index of that format the tests have, so it is copied before anything could write to it."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh.query import FuzzyTerm

from search import frequent
from search.analysis.analyzers import ANALYZER_VERSION
from search.cli import main
from search.codec import TalashCodec
from search.documents import read_sources
from search.frequent import frequencies
from search.generations import META, live_generation
from search.indexing import build_index
from search.querying import Searcher
from search.schema import build_schema
from search.scoring import _postings
from search.segments import FastSegmentWriter
from tests.conftest import SAMPLE, ranked, write_jsonl

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OLD = FIXTURES / "old-term-table"
SOURCE = FIXTURES / "old-term-table.jsonl"
QUERIES = ["لاہور", "بجلی کی قیمت", "lahore", '"وزیر اعظم"', '"اسلام آباد میں"',
           "عمران خان کی رہائی", "کراچی", '"کی قیمت"', "ایک دو تین چار پانچ چھ سات",
           "pakistan", "وزیر*", "title:لاہور", "blinken", "بلاول بھٹو", "budget 2024",
           "election results", "پولیو", "lahor"]
FIELDS = ("title", "body", "lead", "loose", "stem", "join", "xkey")


def _meta(root: Path) -> dict:
    return json.loads((live_generation(root) / META).read_text("utf-8"))


@pytest.fixture(scope="module")
def old(tmp_path_factory) -> Path:
    """A copy of the fixture (a test that fails half-way must not change the original)."""
    meta = json.loads(next(OLD.glob("gen-*/talash.json")).read_text("utf-8"))
    if meta["analyzer_version"] != ANALYZER_VERSION:
        pytest.fail(
            f"tests/fixtures/old-term-table was built by analyzer version "
            f"{meta['analyzer_version']!r} and talash now refuses it (version "
            f"{ANALYZER_VERSION!r}), as it refuses every index built before it, all those with "
            "Whoosh's term table among them: none can be opened or updated any more. Delete "
            "this test and the fixture, and with them the readers of the older formats "
            "(search.codec: the Whoosh branches of TalashCodec.terms_reader and "
            "per_document_reader, PackedLeafMatcher, long_blocks' fallback; the .trm path "
            "of search.frequent.frequencies).")
    root = tmp_path_factory.mktemp("old") / "index"
    shutil.copytree(OLD, root)
    return root


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The fixture's documents, indexed by this talash."""
    root = tmp_path_factory.mktemp("fresh") / "index"
    build_index(root, read_sources([SOURCE]))
    return root


def _leaves(root: Path) -> list:
    ix = whoosh_index.open_dir(str(live_generation(root)))
    return [leaf for leaf, _offset in ix.reader().leaf_readers()]


def _tables(root: Path) -> list[int]:
    """Each segment's term table: 2 for search.terms, 1 for Whoosh's."""
    ix = whoosh_index.open_dir(str(live_generation(root)))
    return [getattr(s.codec(), "termtable", 1) for s in ix._segments()]


def _hits(found: dict) -> dict:
    """A search's answer without what differs between two indexes of one corpus."""
    return {k: v for k, v in found.items() if k not in ("took_ms", "generation")}


def test_the_fixture_is_in_the_old_format(old):
    leaves = _leaves(old)
    assert len(leaves) == 2
    for leaf in leaves:
        codec = leaf.codec()
        assert type(codec) is TalashCodec and vars(codec) == {
            "_blocklimit": 128, "_compression": 3, "_inlinelimit": 4, "blocks": 2}
        assert type(leaf._terms).__name__ == "W3TermsReader"  # Whoosh's .trm
        assert type(leaf._perdoc).__name__ == "W3PerDocReader"  # Whoosh's stored column
    assert "index_format" not in _meta(old)


def test_it_searches_as_a_fresh_build_of_its_documents(old, fresh):
    want = ranked(fresh, QUERIES, per_page=30)
    assert [ids for _q, _total, ids in want if ids] and sum(t for _q, t, _ids in want) > 40
    assert {i for i, _score in dict((q, ids) for q, _t, ids in want)["blinken"]} == \
        {"s004", "s015", "s016"}
    assert ranked(old, QUERIES, per_page=30) == want
    # Whole hits (titles, urls, dates and snippets from the stored fields) too.
    for query in ("لاہور", '"وزیر اعظم"', "blinken"):
        hits, want_hits = (_hits(Searcher(root, cache_size=0).search(query, per_page=30))
                           for root in (old, fresh))
        assert hits == want_hits
        assert hits["results"] and all(h["title"] and h["url"] for h in hits["results"])


def test_its_terms_and_postings_are_a_fresh_builds(old, fresh):
    """Every term of every field, its document frequency and its postings."""
    with whoosh_index.open_dir(str(live_generation(old))).reader() as a, \
            whoosh_index.open_dir(str(live_generation(fresh))).reader() as b:
        for field in FIELDS:
            terms = list(b.lexicon(field))
            assert len(terms) > 50 and list(a.lexicon(field)) == terms
            for term in terms:
                text = term.decode("utf-8")
                assert a.doc_frequency(field, text) == b.doc_frequency(field, text)
                assert a.frequency(field, text) == b.frequency(field, text)
                assert list(a.postings(field, text).all_items()) == \
                    list(b.postings(field, text).all_items())  # ids, values (positions)
                assert [x.tolist() for x in _postings(a, field, text)] == \
                    [x.tolist() for x in _postings(b, field, text)]  # ids, weights


def test_document_frequencies_are_read_from_its_tables(old):
    """``frequent.frequencies`` reads a Whoosh table's infos as ``iter_field`` does."""
    for leaf in _leaves(old):
        for field in ("body", "join"):
            want = [(t, i.doc_frequency()) for t, i in leaf.iter_field(field)]
            assert len(want) > 100 and any(df > 1 for _t, df in want)
            assert list(frequencies(leaf, field)) == want


def test_a_fuzzy_term_walks_its_tables_as_a_fresh_builds(old, fresh):
    """Whoosh's fuzzy terms step a field cursor through the table (talash's parser does not
    make them; Whoosh's own does)."""
    found = []
    for root in (old, fresh):
        with whoosh_index.open_dir(str(live_generation(root))).searcher() as s:
            found.append([sorted(s.reader().terms_within("body", "لاہور", 1)),
                          [h["id"] for h in s.search(FuzzyTerm("body", "لاہوری"), limit=50)]])
    assert found[0] == found[1] and len(found[0][1]) >= 4


def _reindex(*args) -> str:
    result = CliRunner().invoke(main, ["reindex", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_update_writes_new_tables_beside_the_old_and_searches_as_a_fresh_index(
        old, fresh, tmp_path):
    """``talash reindex --update`` of a copy: changed and added documents go into segments
    with the compact table, the old segments are read beside them; a merge reads the old
    tables into a new one."""
    docs = [json.loads(line) for line in SOURCE.read_text("utf-8").splitlines()]
    with open(SAMPLE, encoding="utf-8") as handle:
        added = [json.loads(line) for line in handle][16:24]
    changed = [dict(d, body=d["body"] + " اسلام آباد میں لاہور") for d in docs[:5]]
    source = write_jsonl(tmp_path / "update.jsonl", changed + docs[5:] + added)
    copies = {name: tmp_path / name for name in ("old", "fresh")}
    for name, root in (("old", old), ("fresh", fresh)):
        shutil.copytree(root, copies[name])
        summary = _reindex(source, "--index", copies[name], "--update")
        assert "added 8, updated 5, unchanged 11, deleted 0, rejected 0" in summary
    assert _tables(copies["old"]) == [1, 1, 2] and _tables(copies["fresh"]) == [2, 2]
    assert all(leaf.codec().termtable == 2 for leaf in _leaves(copies["old"])[2:])
    want = ranked(copies["fresh"], QUERIES, per_page=30)
    assert want != ranked(fresh, QUERIES, per_page=30)  # (the update changed the results)
    assert ranked(copies["old"], QUERIES, per_page=30) == want
    for root in copies.values():  # every segment merged into one, deleted documents out
        gen = live_generation(root)
        with whoosh_index.open_dir(str(gen)).writer(codec=TalashCodec()) as writer:
            writer.optimize = True
        frequent.write(gen)  # (document numbers changed)
        assert _tables(root) == [2]
    merged = ranked(copies["fresh"], QUERIES, per_page=30)
    assert merged != want  # (the replaced documents are gone from the statistics)
    assert ranked(copies["old"], QUERIES, per_page=30) == merged


def test_its_segments_codec_refuses_to_write_a_segment(old, tmp_path):
    """talash writes only the compact table; a codec read from an old segment says so."""
    codec = _leaves(old)[0].codec()
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with pytest.raises(ValueError, match=r"no longer writes: write new segments with "
                                         r"TalashCodec\(\)"):
        FastSegmentWriter(ix, codec=codec).commit()
    assert not list(tmp_path.glob("*.tts")) and not list(tmp_path.glob("*.trm"))
