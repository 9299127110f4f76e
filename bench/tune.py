"""Ranking experiments on the dev splits, over indexes built once and reused.

    python -m bench.tune [--datasets news,ahadis] [--limit N] [--set NAME=VALUE ...]

Building the title-masked news index takes about a minute, so this keeps one index per
dataset under ``bench/work/tune-*`` (named after the analyzer version and a hash of the
schema, so a change to either builds a fresh one) and only re-runs the queries. Settings are the
ranking knobs: ``fallback_below``, ``k1``, ``coord``, ``pair_weight``, ``min_share``,
``all_words_up_to``,
``b.FIELD`` (BM25F length normalization per field) and ``boost.FIELD`` (field weights).
``bench.relevance`` remains the reference run; this is for the search between its runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import time
from pathlib import Path

from bench import datasets
from bench.relevance import DEPTH, WORK_ROOT, score
from search import querying, scoring


def fingerprint() -> str:
    """The analyzer version and a hash of the schema: what decides an index's contents."""
    from search.analysis.analyzers import ANALYZER_VERSION

    digest = hashlib.sha1((datasets.REPO_ROOT / "search/schema.py").read_bytes())
    return f"a{ANALYZER_VERSION}-{digest.hexdigest()[:8]}"


def index_for(ds: datasets.Dataset) -> Path:
    """The cached index of a dataset's documents, built on first use."""
    from search.indexing import build_index

    root = WORK_ROOT / f"tune-{ds.name}-{len(ds.docs)}-{fingerprint()}"
    if not (root / "CURRENT").exists():
        print(f"building {root.name} ...", file=sys.stderr)
        build_index(root, ds.docs)
    return root


def apply(settings: dict[str, str]) -> None:
    """Set ranking knobs for this process (see the module docstring for the names)."""
    ranking = querying.RANKING
    for name, value in settings.items():
        kind, _, key = name.partition(".")
        if name == "fallback_below":
            querying.FALLBACK_BELOW = int(value)
        elif kind == "boost":
            querying.BOOSTS[key] = float(value)
        elif kind == "b":
            ranking = dataclasses.replace(ranking, b={**ranking.b, key: float(value)})
        elif name in {f.name for f in dataclasses.fields(scoring.Ranking)}:
            kind_of = type(getattr(ranking, name))
            ranking = dataclasses.replace(ranking, **{name: kind_of(float(value))})
        else:
            raise SystemExit(f"unknown setting {name!r}; see python -m bench.tune --help")
    querying.RANKING = scoring.RANKING = ranking


def ranked_ids(searcher, text: str, k: int = DEPTH) -> list[str]:
    """The top ``k`` ids as Searcher.search ranks them (without snippets)."""
    return [h["id"] for h in searcher.search(text, per_page=k, snippets=False)["results"]]


def run(name: str, limit: int | None = None) -> dict[str, float]:
    """Metrics of the current settings on one dataset's dev queries."""
    ds = datasets.load(name, limit=limit)
    searcher = querying.Searcher(index_for(ds), cache_size=0)
    started = time.perf_counter()
    run_ = {}
    for qid, text in ds.queries:
        ids = ranked_ids(searcher, text)
        run_[qid] = {d: float(DEPTH - r) for r, d in enumerate(dict.fromkeys(ids))}
    metrics = score(ds.qrels, run_)
    metrics["queries_per_s"] = len(ds.queries) / (time.perf_counter() - started)
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tune", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="news,ahadis")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    apply(dict(s.split("=", 1) for s in args.set))
    for name in args.datasets.split(","):
        m = run(name, args.limit)
        print(f"{name:7} " + "  ".join(f"{k} {v:.4f}" for k, v in m.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
