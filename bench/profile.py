"""Where talash spends its time, for the work of making it fast.

    python -m bench.perf --profile index [--docs 1000] [--corpus news|synthetic]
    python -m bench.perf --profile query [--docs 2000] [--kind phrase] [--per-kind 100]
                                         [--index bench/work/perf/synthetic-20000/talash]

``index`` profiles ``build_index`` over the first N documents; ``query`` profiles
``Searcher.search`` over the benchmark's query set against an N-document index (built once and
kept under ``bench/work/perf/profile/``), or against ``--index``, e.g. one a benchmark run
built (queries are then drawn from the ``--corpus`` of ``--docs`` documents). Output:
pyinstrument's call tree, then cProfile's self time summed by area (talash module, Whoosh
module, ICU, builtins) and its top functions (``--profiler`` picks one; the default shows both).
"""

from __future__ import annotations

import cProfile
import itertools
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench import corpus

DEFAULT_DOCS = {"index": 1000, "query": 2000}
TOP = 25


def area(filename: str, func: str) -> str:
    """A readable owner for a profiled function: package module, ICU, builtin or stdlib."""
    path = filename.replace("\\", "/")
    if path == "~":
        return "ICU (C)" if "icu" in func.lower() else "builtins (C)"
    for package in ("search", "whoosh", "web", "icu"):
        marker = f"/{package}/"
        if marker in path:
            rest = path.rsplit(marker, 1)[1].removesuffix(".py").split("/")
            name = package if package != "search" else "talash search"
            return f"{name}.{rest[0]}" if rest[0] != "__init__" else name
    return "stdlib/other: " + Path(path).stem


def areas(stats: pstats.Stats) -> list[tuple[str, float]]:
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        by_area[area(filename, func)] += tottime
    return sorted(by_area.items(), key=lambda kv: -kv[1])


def print_cprofile(profile: cProfile.Profile, label: str):
    stats = pstats.Stats(profile)
    total = stats.total_tt or 1e-9
    print(f"\n== cProfile: {label}: self time by area (total {total:.2f} s, with profiler "
          "overhead) ==")
    for name, secs in itertools.islice(areas(stats), TOP):
        print(f"{100 * secs / total:6.1f}%  {secs:8.3f} s  {name}")
    for key, title in (("tottime", "self time"), ("cumulative", "cumulative time")):
        print(f"\n== cProfile: {label}: top {TOP} functions by {title} ==")
        stats.sort_stats(key).print_stats(TOP)


def profiled(work, label: str, which: str):
    """Run ``work()`` under the chosen profiler(s) and print what they found."""
    if which in ("pyinstrument", "both"):
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("pyinstrument is not installed (pip install -e '.[bench]'); using cProfile")
            which = "cprofile"
        else:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            work()
            profiler.stop()
            print(f"\n== pyinstrument: {label} ==")
            # Whoosh's frames are where the next fix lands: show them instead of folding them
            # away as library code; drop nodes under 1.5% to keep the tree readable.
            options = {"show_regex": r".*/whoosh/.*", "filter_threshold": 0.015}
            print(profiler.output_text(unicode=True, color=False, processor_options=options))
    if which in ("cprofile", "both"):
        profile = cProfile.Profile()
        profile.runcall(work)
        print_cprofile(profile, label)


def corpus_path(args, n: int) -> Path:
    if args.corpus == "news":
        return corpus.news_path()
    if args.corpus == "synthetic":
        return corpus.synthetic_path(n, args.seed)
    raise SystemExit(f"unknown corpus {args.corpus!r}; choose news or synthetic")


def first_docs(path: Path, n: int) -> list[dict]:
    return list(itertools.islice(corpus.read_jsonl(path), n))


def profile_index(args, n: int):
    from search.indexing import build_index

    docs = first_docs(corpus_path(args, n), n)
    with tempfile.TemporaryDirectory(prefix="profile-index-", dir=corpus.WORK) as tmp:
        started = time.perf_counter()
        # One process: a profiler sees only its own process (the default build forks one
        # worker per core, and the parent just waits for them).
        summary = build_index(Path(tmp) / "plain", docs, procs=1)
        print(f"unprofiled: {summary.line()} ({time.perf_counter() - started:.1f} s)")
        runs = iter(range(1_000_000))
        profiled(lambda: build_index(Path(tmp) / f"run{next(runs)}", docs, procs=1),
                 f"build_index over {len(docs)} documents", args.profiler)


def query_index(args, n: int) -> Path:
    """A talash index of the first ``n`` documents, built on first use and then reused."""
    from search.indexing import build_index

    root = corpus.WORK / "profile" / f"talash-{args.corpus}-{n}"
    if not (root / "CURRENT").exists():
        print(f"building a {n}-document talash index at {root} (once) ...")
        print(build_index(root, first_docs(corpus_path(args, n), n)).line())
    return root


def profile_query(args, n: int):
    from search.querying import Searcher

    root = args.index or query_index(args, n)
    searcher = Searcher(root)
    qs = corpus.query_set(corpus_path(args, n), args.per_kind, args.seed, sample=n)
    kinds = [args.kind] if args.kind else list(corpus.KINDS)
    queries = [(k, q) for k in kinds for q in qs["kinds"][k]]
    texts = [(f'"{q}"' if k == "phrase" else q) for k, q in queries]
    for kind, text in qs["warmup"]:
        searcher.search(f'"{text}"' if kind == "phrase" else text, per_page=10)
    print(f"\nunprofiled latency on {root.name} (ms, mean / median / max):")
    for kind in kinds:
        ms = []
        for k, text in zip((k for k, _ in queries), texts, strict=True):
            if k == kind:
                t = time.perf_counter()
                searcher.search(text, per_page=10)
                ms.append((time.perf_counter() - t) * 1e3)
        print(f"  {corpus.KIND_LABELS[kind]:14} {statistics.mean(ms):7.1f} "
              f"{statistics.median(ms):7.1f} {max(ms):7.1f}  ({len(ms)} queries)")

    def work():
        for text in texts:
            searcher.search(text, per_page=10)

    profiled(work, f"{len(texts)} searches ({', '.join(kinds)}) over {n} documents",
             args.profiler)


def main(args) -> int:
    n = args.docs or DEFAULT_DOCS[args.profile]
    if args.profile == "index":
        profile_index(args, n)
    else:
        profile_query(args, n)
    return 0
