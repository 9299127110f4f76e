"""Analysis and indexing throughput: talash's analyzer against Whoosh's StandardAnalyzer.

Run as ``python -m bench.analysis [--docs N] [--repeat R]``. Reads the news corpus from
``../shared/data`` (see ``bench.datasets``), analyzes every document with each analyzer, then
builds an index with each, and writes ``bench/results/analysis.md``. Both sides run in this
one process, alternated, and the median of the repeats is reported; CPU time is reported
beside wall time because the machine is shared.
"""

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import datasets
from search.building import MAX_PROCS

# The several-process row: one worker per core, whatever the load (the default would take
# fewer on a busy machine).
PROCS = max(2, min(len(os.sched_getaffinity(0)), MAX_PROCS))

RESULTS = Path(__file__).resolve().parent / "results" / "analysis.md"


def cold_caches():
    """Forget the analyzer's per-word caches, so each run starts as a fresh process would."""
    from search import fields
    from search.analysis import analyzers, crossscript, indexterms, tokenizers

    for cached in (analyzers.word_forms, analyzers.joined_pair, crossscript.urdu_keys,
                   crossscript.latin_keys, crossscript._word_terms, crossscript._pair_terms):
        cached.cache_clear()
    tokenizers._STRETCHES.clear()
    indexterms.clear_caches()
    fields._ONE_POSITION.clear()


def talash_analyze(docs):
    from search.documents import from_record
    from search.schema import LOOSE_FIELDS, build_schema, index_fields

    cold_caches()
    schema = build_schema()
    for number, record in enumerate(docs):
        values = index_fields(from_record(record, "bench", number))
        for name in ("title", "body", *LOOSE_FIELDS, "lead"):
            schema[name].index_counts(values[name])  # what indexing runs (search.fields)


def stock_analyze(docs):
    from whoosh.analysis import StandardAnalyzer

    analyzer = StandardAnalyzer()
    for d in docs:
        for text in (d.get("title") or "", d["body"]):
            for _ in analyzer(text, positions=True):
                pass


def talash_index(docs, workdir, procs=PROCS):
    from search.indexing import build_index

    cold_caches()
    build_index(workdir, docs, procs=procs)


def talash_index_one(docs, workdir):
    talash_index(docs, workdir, procs=1)


def stock_index(docs, workdir):
    from whoosh import fields, index
    from whoosh.analysis import StandardAnalyzer

    analyzer = StandardAnalyzer()
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(analyzer=analyzer, stored=True),
                           body=fields.TEXT(analyzer=analyzer, stored=True))
    ix = index.create_in(str(workdir), schema)
    with ix.writer(limitmb=256) as writer:
        for d in docs:
            writer.add_document(id=d["id"], title=d.get("title") or "", body=d["body"])


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (talash's indexing workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn, *args):
    wall, cpu = time.perf_counter(), cpu_seconds()
    fn(*args)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(docs, repeat: int) -> dict:
    megabytes = sum(len((d.get("title") or "").encode()) + len(d["body"].encode())
                    for d in docs) / 1e6
    runs = {k: [] for k in ("talash-analyze", "stock-analyze", "talash-index", "stock-index",
                            "talash1-index")}
    sizes = {}
    for _ in range(repeat):
        runs["talash-analyze"].append(timed(talash_analyze, docs))
        runs["stock-analyze"].append(timed(stock_analyze, docs))
        for name, build in (("stock-index", stock_index), ("talash-index", talash_index),
                            ("talash1-index", talash_index_one)):
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            try:
                runs[name].append(timed(build, docs, workdir))
                sizes[name] = dir_size(workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    median = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
              for k, v in runs.items()}
    median["talash1-analyze"] = median["talash-analyze"]  # one analysis, shown on both rows
    return {"megabytes": megabytes, "docs": len(docs), "median": median, "sizes": sizes}


def report(m: dict, repeat: int) -> str:
    med, n, mb = m["median"], m["docs"], m["megabytes"]
    rows = [
        "| engine | analysis MB/s (wall / CPU) | indexing docs/s (wall / CPU) | index MB |",
        "|---|---|---|---|",
    ]
    for engine, label in (
            ("talash", f"talash (5 fields + title), {PROCS} processes"),
            ("talash1", "talash, 1 process"), ("stock", "Whoosh StandardAnalyzer")):
        (aw, ac), (iw, ic) = med[f"{engine}-analyze"], med[f"{engine}-index"]
        rows.append(f"| {label} | {mb / aw:.2f} / {mb / ac:.2f} | {n / iw:.0f} / {n / ic:.0f} "
                    f"| {m['sizes'][engine + '-index'] / 1e6:.1f} |")
    ratio_a = med["stock-analyze"][1] / med["talash-analyze"][1]
    ratio_i = med["stock-index"][1] / med["talash-index"][1]
    ratio_1 = med["stock-index"][1] / med["talash1-index"][1]
    return "\n".join([
        "# Analysis and indexing throughput",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"Python {platform.python_version()}; news corpus, {n} documents ({mb:.1f} MB of "
        f"title + body text); median of {repeat} run(s), talash and stock alternated.",
        "",
        *rows,
        "",
        f"talash / stock, by CPU time: analysis {ratio_a:.2f}x, indexing {ratio_i:.2f}x "
        f"({PROCS} processes) and {ratio_1:.2f}x (1 process) "
        "(1.0 = as fast as stock; the aim is at least 0.5 for indexing). talash's analysis "
        "is what indexing runs: every analyzed field's terms and positions (TalashText."
        "index_counts, title and body each analyzed once for all fields). CPU time includes "
        "the indexing worker processes; wall time is what a user waits, and on a shared "
        "machine the workers compete with other jobs for its cores.",
        "",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=None, help="first N documents only")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    try:
        docs = datasets.load_docs("news", title_masked=False)
    except datasets.DataMissing as exc:
        print(f"skipped: {exc}")
        return 0
    docs = docs[: args.docs] if args.docs else docs
    text = report(measure(docs, args.repeat), args.repeat)
    datasets.write_report(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
