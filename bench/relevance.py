"""Relevance evaluation: every engine on every dataset, scored with ir-measures.

    python -m bench.relevance [--engines a,b] [--datasets news,ahadis] [--limit N] [--out PATH]

Writes a markdown report (default bench/results/relevance.md) and prints the same table.
Build and query timings are informational only (single run, this machine).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ir_measures
from ir_measures import RR, R, nDCG

from bench import datasets, peers

MEASURES = (RR @ 10, nDCG @ 10, R @ 100)
METRIC_NAMES = tuple(str(m) for m in MEASURES)  # "RR@10", "nDCG@10", "R@100"
DEPTH = 100  # results retrieved per query
WORK_ROOT = datasets.REPO_ROOT / "bench" / "work"  # git-ignored
DEFAULT_OUT = datasets.REPO_ROOT / "bench" / "results" / "relevance.md"


@dataclass
class Result:
    engine: str
    dataset: str
    version: str
    metrics: dict[str, float]
    n_docs: int
    n_queries: int
    build_s: float
    query_s: float
    notes: list[str]

    @property
    def docs_per_s(self) -> float:
        return self.n_docs / self.build_s if self.build_s else float("inf")

    @property
    def queries_per_s(self) -> float:
        return self.n_queries / self.query_s if self.query_s else float("inf")


@functools.lru_cache(maxsize=8)
def _dataset(name: str, limit: int | None) -> datasets.Dataset:
    return datasets.load(name, limit=limit)


def score(qrels: datasets.Qrels, run: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean of each measure over all judged queries (a query with no results scores 0)."""
    agg = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return {str(m): float(agg[m]) for m in MEASURES}


def run_one(engine_name: str, dataset_name: str, limit: int | None = None) -> Result:
    """Build a fresh index of the dataset with the engine, run its queries, score them."""
    ds = _dataset(dataset_name, limit)
    engine = peers.make(engine_name)
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{engine_name}-{dataset_name}-", dir=WORK_ROOT) as tmp:
        start = time.perf_counter()
        engine.build(ds.docs, Path(tmp))
        build_s = time.perf_counter() - start

        run: dict[str, dict[str, float]] = {}
        start = time.perf_counter()
        for qid, text in ds.queries:
            ranked = run[qid] = {}
            for rank, docid in enumerate(engine.search(text, DEPTH)):
                ranked.setdefault(docid, float(DEPTH - rank))  # strictly decreasing: no ties
        query_s = time.perf_counter() - start
        version = engine.version()
        engine.close()
    return Result(
        engine_name,
        dataset_name,
        version,
        score(ds.qrels, run),
        len(ds.docs),
        len(ds.queries),
        build_s,
        query_s,
        engine.notes,
    )


def evaluate(engine_name: str, dataset_name: str, limit: int | None = None) -> dict[str, float]:
    """Metrics for one engine on one dataset's dev queries (the first ``limit`` if given):
    "RR@10", "nDCG@10", "R@100", plus informational "docs_per_s" and "queries_per_s"."""
    res = run_one(engine_name, dataset_name, limit)
    return {**res.metrics, "docs_per_s": res.docs_per_s, "queries_per_s": res.queries_per_s}


def results_table(results: list[Result]) -> list[str]:
    head = ["engine", "dataset", "MRR@10", "nDCG@10", "R@100", "queries", "docs/s", "queries/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for r in results:
        m = r.metrics
        lines.append(
            f"| {r.engine} | {r.dataset} | {m['RR@10']:.4f} | {m['nDCG@10']:.4f} "
            f"| {m['R@100']:.4f} | {r.n_queries} | {r.docs_per_s:,.0f} | {r.queries_per_s:,.0f} |"
        )
    return lines


def delta_table(results: list[Result]) -> list[str]:
    """talash minus the best peer, per dataset and metric (the best peer may differ by metric)."""
    lines = ["| dataset | metric | talash | best peer | delta |", "|---|---|---:|---|---:|"]
    for name in dict.fromkeys(r.dataset for r in results):
        talash = [r for r in results if r.dataset == name and r.engine == "talash"]
        others = [r for r in results if r.dataset == name and r.engine != "talash"]
        if not talash or not others:
            continue
        for metric in METRIC_NAMES:
            best = max(others, key=lambda r, m=metric: r.metrics[m])
            ours, theirs = talash[0].metrics[metric], best.metrics[metric]
            lines.append(
                f"| {name} | {metric} | {ours:.4f} | {best.engine} {theirs:.4f} "
                f"| {ours - theirs:+.4f} |"
            )
    return lines if len(lines) > 2 else ["(talash and at least one peer must both run)"]


def report(results: list[Result], skipped: dict[str, str], limit: int | None) -> str:
    versions = dict.fromkeys(f"{r.engine}: {r.version}" for r in results)
    lines = [
        "# Relevance: talash vs peers",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "- engines: " + "; ".join(versions),
        "- data: dev queries only; news indexed title-masked (known-item: headline -> article)"
        + (f"; first {limit} queries per dataset" if limit else ""),
        "- metrics: ir-measures RR@10 (shown as MRR@10), nDCG@10, R@100 over the top 100",
        "- docs/s and queries/s: one sequential run, informational only",
        "",
        *results_table(results),
        "",
        "## talash vs best peer",
        "",
        *delta_table(results),
    ]
    notes = [f"- {r.engine} on {r.dataset}: {note}" for r in results for note in r.notes]
    if notes:
        lines += ["", "## Notes", "", *notes]
    if skipped:
        lines += ["", "## Not run", ""] + [f"- {name}: {why}" for name, why in skipped.items()]
    return "\n".join(lines) + "\n"


def _names(value: str, known) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {sorted(known)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__)
    parser.add_argument(
        "--engines",
        type=lambda v: _names(v, peers.ENGINES),
        default=["talash", *peers.PEERS],
        help="comma-separated (default: all)",
    )
    parser.add_argument(
        "--datasets",
        type=lambda v: _names(v, datasets.SPECS),
        default=list(datasets.SPECS),
        help="comma-separated (default: all)",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N queries per dataset")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown report path")
    args = parser.parse_args(argv)

    try:
        for name in args.datasets:
            _dataset(name, args.limit)
    except datasets.DataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    results, skipped = [], {}
    for engine in args.engines:
        for name in args.datasets:
            try:
                res = run_one(engine, name, args.limit)
            except ImportError as exc:  # the engine is not installed / not written yet
                skipped[engine] = f"{type(exc).__name__}: {exc}"
                print(f"skip {engine}: {exc}", file=sys.stderr)
                break
            results.append(res)
            for note in res.notes:
                print(f"note: {engine} on {name}: {note}", file=sys.stderr)
            print(
                f"{engine:12} {name:7} build {res.build_s:6.1f}s  queries {res.query_s:6.1f}s  "
                + "  ".join(f"{k} {v:.4f}" for k, v in res.metrics.items()),
                file=sys.stderr,
            )

    text = report(results, skipped, args.limit)
    datasets.write_report(args.out, text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
