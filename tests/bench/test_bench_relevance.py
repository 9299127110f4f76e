"""Loaders and the evaluation harness on the shared data (skipped when it is absent)."""

import pytest

from bench import datasets, relevance


@pytest.fixture(scope="module", autouse=True)
def shared_data():
    try:
        datasets.load_qrels("ahadis")
        datasets.load_qrels("news")
    except datasets.DataMissing as exc:
        pytest.skip(str(exc))


def test_news_loader_masks_titles():
    docs = datasets.load_docs("news")
    assert len(docs) == 4392
    assert all(d["title"] == "" for d in docs)
    assert any(d["title"] for d in datasets.load_docs("news", title_masked=False))


def test_queries_have_qrels():
    for name, count in (("news", 3518), ("ahadis", 460)):
        ds = datasets.load(name)
        assert len(ds.queries) == count
        assert set(ds.qrels) == {qid for qid, _ in ds.queries}
        ids = {d["id"] for d in ds.docs}
        assert all(docid in ids for rels in ds.qrels.values() for docid in rels)


def test_quotes_survive_tsv_reading():
    texts = [text for _, text in datasets.load_queries("news")]
    assert sum('"' in t for t in texts) > 0


def test_missing_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TALASH_DATA_DIR", str(tmp_path))
    with pytest.raises(datasets.DataMissing, match="TALASH_DATA_DIR"):
        datasets.load_docs("news")


def test_evaluate_peer_smoke():
    scores = relevance.evaluate("sqlite-fts5", "ahadis", limit=50)
    assert set(relevance.METRIC_NAMES) <= set(scores)
    assert scores["RR@10"] > 0.5
    assert scores["R@100"] > 0.8
