"""Analysis and indexing throughput: talash's analyzer against Whoosh's StandardAnalyzer.

Run as ``python -m bench.analysis [--docs N] [--repeat R]``. Reads the news corpus from
``../shared/data`` (see ``bench.datasets``), analyzes every document with each analyzer, then
builds an index with each, and writes ``bench/results/analysis.md``. Both sides run in this
one process, alternated, and the median of the repeats is reported; CPU time is reported
beside wall time because the machine is shared.
"""

import argparse
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import datasets

RESULTS = Path(__file__).resolve().parent / "results" / "analysis.md"


def talash_analyze(docs):
    from search.analysis.analyzers import word_forms
    from search.documents import from_record
    from search.schema import LOOSE_FIELDS, build_schema, index_fields

    word_forms.cache_clear()
    schema = build_schema()
    for number, record in enumerate(docs):
        values = index_fields(from_record(record, "bench", number))
        for name in ("title", "body", *LOOSE_FIELDS):
            for _ in schema[name].analyzer(values[name], positions=True):
                pass


def stock_analyze(docs):
    from whoosh.analysis import StandardAnalyzer

    analyzer = StandardAnalyzer()
    for d in docs:
        for text in (d.get("title") or "", d["body"]):
            for _ in analyzer(text, positions=True):
                pass


def talash_index(docs, workdir):
    from search.indexing import build_index

    build_index(workdir, docs)


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


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(docs, repeat: int) -> dict:
    megabytes = sum(len((d.get("title") or "").encode()) + len(d["body"].encode())
                    for d in docs) / 1e6
    runs = {k: [] for k in ("talash-analyze", "stock-analyze", "talash-index", "stock-index")}
    sizes = {}
    for _ in range(repeat):
        runs["talash-analyze"].append(timed(talash_analyze, docs))
        runs["stock-analyze"].append(timed(stock_analyze, docs))
        for name, build in (("stock-index", stock_index), ("talash-index", talash_index)):
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            try:
                runs[name].append(timed(build, docs, workdir))
                sizes[name] = dir_size(workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    median = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
              for k, v in runs.items()}
    return {"megabytes": megabytes, "docs": len(docs), "median": median, "sizes": sizes}


def report(m: dict, repeat: int) -> str:
    med, n, mb = m["median"], m["docs"], m["megabytes"]
    rows = [
        "| engine | analysis MB/s (wall / CPU) | indexing docs/s (wall / CPU) | index MB |",
        "|---|---|---|---|",
    ]
    for engine in ("talash", "stock"):
        (aw, ac), (iw, ic) = med[f"{engine}-analyze"], med[f"{engine}-index"]
        label = "talash (5 fields + title)" if engine == "talash" else "Whoosh StandardAnalyzer"
        rows.append(f"| {label} | {mb / aw:.2f} / {mb / ac:.2f} | {n / iw:.0f} / {n / ic:.0f} "
                    f"| {m['sizes'][engine + '-index'] / 1e6:.1f} |")
    ratio_a = med["stock-analyze"][1] / med["talash-analyze"][1]
    ratio_i = med["stock-index"][1] / med["talash-index"][1]
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
        "(1.0 = as fast as stock; the aim is at least 0.5 for indexing).",
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
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
