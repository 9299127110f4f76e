"""The fast segment writer writes the very bytes Whoosh's own writer writes (search/segments.py)."""

import hashlib
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from search.analysis.analyzers import PART_SEPARATOR, cached_tokens, terms
from search.codec import TalashCodec
from search.documents import Document, read_sources
from search.schema import LOOSE_FIELDS, build_schema, index_fields
from search.segments import FastSegmentWriter
from tests.conftest import DATA, SAMPLE


def files_written(folder: Path, writer_class, docs, boosts=None,
                  codec=None) -> dict[str, str]:
    """Digest of each file of a one-segment index, by its name without the segment's (random)
    name; compound=False keeps the files apart. Whoosh's own writer (one posting and one term
    at a time, through the codec) is the reference for the bulk path."""
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = writer_class(ix, codec=codec or TalashCodec(), compound=False)
    for number, doc in enumerate(docs):
        writer.add_document(**index_fields(doc), **(boosts(number) if boosts else {}))
    writer.commit()
    return {p.name.split(".", 1)[1]: hashlib.sha1(p.read_bytes()).hexdigest()
            for p in folder.iterdir()
            if p.is_file() and p.suffix != ".toc" and "LOCK" not in p.name}


def same_files(tmp_path, docs, boosts=None):
    (tmp_path / "stock").mkdir(), (tmp_path / "fast").mkdir()
    stock = files_written(tmp_path / "stock", SegmentWriter, docs, boosts)
    fast = files_written(tmp_path / "fast", FastSegmentWriter, docs, boosts)
    assert {"tts", "pst", "_body_len.col", "_stored.col"} <= stock.keys()
    assert fast == stock


def test_same_bytes_as_whoosh_on_the_sample_corpus(tmp_path):
    same_files(tmp_path, list(read_sources([SAMPLE])))


def test_same_bytes_with_a_block_limit_under_the_inline_limit(tmp_path):
    """Whoosh's writer cuts a block when a posting past the limit arrives: a list of exactly
    the limit (in title and body; the other fields take LONG_BLOCKS) is inlined by both."""
    docs = [Document(id=f"d{i}", title="", body=" ".join(["لاہور"] + ["بارش"] * (i < 2)))
            for i in range(7)]
    (tmp_path / "stock").mkdir(), (tmp_path / "fast").mkdir()
    stock = files_written(tmp_path / "stock", SegmentWriter, docs,
                          codec=TalashCodec(blocklimit=2))
    fast = files_written(tmp_path / "fast", FastSegmentWriter, docs,
                         codec=TalashCodec(blocklimit=2))
    assert fast == stock


def test_same_bytes_with_long_posting_lists(tmp_path):
    """Terms in more than 128 documents span several blocks of the postings file."""
    words = "لاہور کراچی بارش Lahore rain".split()
    docs = [Document(id=f"d{i}", title="خبر" if i % 3 else "",
                     body=" ".join(words[: 1 + i % len(words)] * (1 + i % 4)),
                     date=datetime(2020, 1, 1) + timedelta(days=i % 40) if i % 5 else None)
            for i in range(300)]
    same_files(tmp_path, docs)


def test_same_bytes_with_boosted_documents(tmp_path):
    """Weights that are not whole numbers: sums, maxima and per-block weights as Whoosh's."""
    words = "لاہور کراچی بارش Lahore rain".split()
    docs = [Document(id=f"d{i}", title="خبر", body=" ".join(words[: 1 + i % len(words)]))
            for i in range(300)]
    same_files(tmp_path, docs, lambda i: {"_boost": 1 + (i % 7) / 10, "_title_boost": 0.3}
               if i % 3 else {})


@pytest.mark.skipif(not (DATA / "news" / "docs.jsonl").exists(),
                    reason=f"no news corpus at {DATA} (set TALASH_DATA_DIR)")
def test_same_bytes_on_real_news(tmp_path):
    docs = [d for d in read_sources([DATA / "news" / "docs.jsonl"]) if isinstance(d, Document)]
    same_files(tmp_path, docs[:60])


def test_a_document_that_fails_leaves_no_postings(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = FastSegmentWriter(ix)
    writer.add_document(**index_fields(Document(id="a", body="لاہور")))
    bad = index_fields(Document(id="b", body="کراچی"))
    bad["title"] = 42  # not text: the title field refuses it
    with pytest.raises(ValueError, match="is not text"):
        writer.add_document(**bad)
    writer.add_document(**index_fields(Document(id="c", body="کوئٹہ")))
    writer.commit()
    with ix.searcher() as searcher:
        assert [f["id"] for f in searcher.all_stored_fields()] == ["a", "c"]
        assert list(searcher.lexicon("body")) == [t.encode() for t in sorted(
            ["لاہور", "کوئٹہ"])]


def test_loose_fields_count_the_parts_of_a_joined_text_as_the_joined_tokens_would(sample_docs):
    """``TalashText.index`` counts a title + body text part by part; the terms and counts
    are those of the whole text's tokens (no pair spans the separator)."""
    schema = build_schema()
    for record in list(sample_docs.values())[:20]:
        text = (record.get("title") or "") + PART_SEPARATOR + record["body"]
        for name in LOOSE_FIELDS:
            field = schema[name]
            whole = Counter(t[0] for t in terms(field.analyzer.rule, cached_tokens(text)))
            # The count is the weight; the value is empty (fields.Counts).
            expected = sorted((k.encode(), n, float(n), b"") for k, n in whole.items())
            assert sorted(field.index(text)) == expected
