"""Relevance regression: ranking on dev subsets of the shared data must not fall below a floor.

The floors are the figures measured when ranking was last tuned (bench/results/tuning.md),
minus a small margin, so a change that hurts ranking fails here. To keep the run short the
news index holds the articles of every twelfth dev query plus every third other article as
distractors (about 1,650 of 4,392), title-masked as in ``bench.relevance``; ahadis is whole.
The top 100 hits are asked for, through the public ``Searcher.search``.
"""

import pytest

from tests.conftest import DATA

datasets = pytest.importorskip("bench.datasets", reason="the bench package is not importable")
pytest.importorskip("ir_measures", reason="ir-measures is not installed (pip install '.[bench]')")

pytestmark = pytest.mark.skipif(
    not (DATA / "news" / "docs.jsonl").is_file() or not (DATA / "ahadis" / "docs.jsonl").is_file(),
    reason=f"evaluation data not found under {DATA} (set TALASH_DATA_DIR to ../shared/data)",
)

NEWS_QUERY_STRIDE = 12
NEWS_DISTRACTOR_STRIDE = 3
MARGIN = 0.02
# Measured on these subsets with the ranking as tuned (see bench/results/tuning.md), last
# after the two-phase ranking and the rare-word minimum-should-match (session 7).
MEASURED = {
    "news": {"RR@10": 0.927, "nDCG@10": 0.942, "R@100": 1.0},
    "ahadis": {"RR@10": 0.854, "nDCG@10": 0.873, "R@100": 0.989},
}


def _subset(name: str):
    ds = datasets.load(name)
    if name != "news":
        return ds
    ds.queries = ds.queries[::NEWS_QUERY_STRIDE]
    ds.qrels = {qid: ds.qrels[qid] for qid, _ in ds.queries}
    wanted = {doc for qid in ds.qrels for doc in ds.qrels[qid]}
    others = [d for d in ds.docs if d["id"] not in wanted]
    ds.docs = [d for d in ds.docs if d["id"] in wanted] + others[::NEWS_DISTRACTOR_STRIDE]
    return ds


@pytest.fixture(scope="module", params=["news", "ahadis"])
def measured(request, tmp_path_factory):
    from bench.relevance import DEPTH, score
    from bench.tune import ranked_ids
    from search.indexing import build_index
    from search.querying import Searcher

    ds = _subset(request.param)
    root = tmp_path_factory.mktemp(f"relevance-{request.param}")
    build_index(root, ds.docs)
    searcher = Searcher(root)
    run = {qid: {d: float(DEPTH - r) for r, d in enumerate(ranked_ids(searcher, text))}
           for qid, text in ds.queries}
    return request.param, score(ds.qrels, run)


@pytest.mark.parametrize("metric", ["RR@10", "nDCG@10", "R@100"])
def test_ranking_stays_above_its_floor(measured, metric):
    name, metrics = measured
    floor = MEASURED[name][metric] - MARGIN
    assert metrics[metric] >= floor, (
        f"{name} {metric} fell to {metrics[metric]:.4f}, below the floor {floor:.4f} "
        f"(measured {MEASURED[name][metric]:.4f} when last tuned); rerun "
        "python -m bench.relevance and see bench/results/tuning.md")


# Recall needs the whole collection: on the subset above every article is found.
NEWS_RECALL_MEASURED = 0.998  # 7 of 3,518 dev articles outside the top 100 (session 7)
NEWS_RECALL_MARGIN = 0.001  # three or four articles


def test_news_recall_over_the_whole_dev_set():
    from bench.relevance import run_one

    recall = run_one("talash", "news").metrics["R@100"]  # as python -m bench.relevance does
    floor = NEWS_RECALL_MEASURED - NEWS_RECALL_MARGIN
    assert recall >= floor, (
        f"news R@100 fell to {recall:.4f}, below the floor {floor:.4f}; rerun "
        "python -m bench.relevance and see bench/results/tuning.md")
