"""Speed benchmark: talash against stock Whoosh, SQLite FTS5 and tantivy, side by side.

    python -m bench.perf [--docs N] [--repeat R] [--engines a,b] [--corpora news,synthetic]
                         [--per-kind Q] [--http-seconds S] [--connections C] [--no-http]
    python -m bench.perf --profile query|index [--docs N] [--kind KIND]   (see bench.profile)

Each engine lives in its own worker process (this module run with ``--child``): it builds its
index once (docs/s, size on disk, peak resident memory), then answers the same query
set in each of R rounds, engines taking turns in a rotating order so that a busy machine slows
them alike. Talash is then served by the project's gunicorn and loaded with wrk
(``bench.http_load``). The report goes to ``bench/results/perf-<date>.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import corpus, datasets, peers

K = 10  # results per query, as a search page asks
SEED = 20241129
DEFAULT_DOCS = 100_000


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak RSS of this process, in MB. VmHWM, not ru_maxrss: on Linux ru_maxrss carries the
    parent's RSS at fork across exec, so every worker would report at least the parent's."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux: KiB


def phrase_search(engine: peers.Engine, text: str, k: int) -> list[str]:
    """The engine's own phrase query for ``text`` in title or body (peers.py has none)."""
    if isinstance(engine, peers.Talash):
        return engine.search(f'"{text}"', k)
    if isinstance(engine, peers.SqliteFts5):
        match = '"' + peers.clean(text).replace('"', '""') + '"'
        sql = "SELECT docid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"
        return [row[0] for row in engine.db.execute(sql, (match, k))]
    if isinstance(engine, peers.StockWhoosh):
        from whoosh.query import Or, Phrase, Term

        terms = engine._terms(text)
        make = (lambda f: Phrase(f, terms)) if len(terms) > 1 else (lambda f: Term(f, terms[0]))
        query = Or([make(f) for f in peers.FIELDS]) if terms else None
        return [hit["id"] for hit in engine.searcher.search(query, limit=k)] if query else []
    if isinstance(engine, peers.Tantivy):
        from tantivy import Occur, Query

        terms = engine.analyzer.analyze(peers.clean(text))
        if len(terms) < 2:
            return engine.search(text, k)
        clauses = [(Occur.Should, Query.phrase_query(engine.schema, f, terms))
                   for f in peers.FIELDS]
        hits = engine.searcher.search(Query.boolean_query(clauses), limit=k, count=False).hits
        return [engine.searcher.doc(addr)["id"][0] for _score, addr in hits]
    raise TypeError(f"no phrase search for {engine.name}")


def run_query(engine: peers.Engine, kind: str, text: str) -> list[str]:
    return phrase_search(engine, text, K) if kind == "phrase" else engine.search(text, K)


# --- the worker process -------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a build may use workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def child_build(engine: peers.Engine, corpus_path: str, workdir: str) -> dict:
    docs = list(corpus.read_jsonl(Path(corpus_path)))
    gc.collect()
    loaded = rss_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    engine.build(docs, Path(workdir))
    seconds = time.perf_counter() - started
    build = {"docs": len(docs), "seconds": seconds, "cpu_s": cpu_seconds() - cpu,
             "size_bytes": dir_size(Path(workdir)),
             "peak_rss_mb": peak_rss_mb(), "loaded_rss_mb": loaded, "version": engine.version(),
             "notes": engine.notes}
    # Untimed: the same engine keeping the text as talash does, for a like-for-like size.
    with_text = engine.size_with_text(docs, Path(f"{workdir}-text"))
    if with_text is not None:
        build["size_with_text_bytes"] = with_text
        shutil.rmtree(f"{workdir}-text", ignore_errors=True)
    return build


def child_queries(engine: peers.Engine, order: list, warmup: list) -> dict:
    for kind, text in warmup:
        run_query(engine, kind, text)
    latencies: dict[str, list[float]] = {}
    empty: dict[str, int] = {}
    started, cpu = time.perf_counter(), time.process_time()
    for kind, text in order:
        t = time.perf_counter()
        ids = run_query(engine, kind, text)
        latencies.setdefault(kind, []).append((time.perf_counter() - t) * 1e3)
        empty[kind] = empty.get(kind, 0) + (not ids)
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
            "latencies_ms": latencies, "empty": empty, "peak_rss_mb": peak_rss_mb()}


def child_main(engine_name: str) -> int:
    """Answer JSON commands on stdin, one reply line each on the real stdout."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything an engine prints goes to stderr, not into the replies
    sys.stdout = sys.stderr
    engine, built = peers.make(engine_name), False
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["op"] == "build":
                reply = child_build(engine, cmd["corpus"], cmd["workdir"])
                built = True
            elif cmd["op"] == "open":
                engine.open(cmd["workdir"])
                reply, built = {}, True
            elif cmd["op"] == "queries":
                reply = child_queries(engine, cmd["order"], cmd["warmup"])
            else:
                break
        except Exception:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
    if built:
        engine.close()
    return 0


class Worker:
    """One engine in its own process, driven by JSON lines."""

    def __init__(self, engine: str):
        self.engine = engine
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.perf", "--child", engine], cwd=datasets.REPO_ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def call(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.engine} worker died (exit {self.proc.wait()}); "
                               "its error is above")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.engine} worker failed:\n{reply['error']}")
        return reply

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=120)
        self.proc.stdout.close()


# --- the run ------------------------------------------------------------------------------


def log(msg: str):
    print(f"[perf {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def measure_corpus(name: str, path: Path, args) -> dict:
    """Build with every engine, then R rotating query rounds; returns raw figures."""
    http_per_kind = 0 if args.no_http or "talash" not in args.engines else args.http_per_kind
    qs = corpus.query_set(path, args.per_kind, args.seed, http_per_kind=http_per_kind)
    order = [(kind, q) for kind, texts in qs["kinds"].items() for q in texts]
    random.Random(args.seed).shuffle(order)
    out = {"name": name, "path": str(path), "queries": {k: len(v) for k, v in qs["kinds"].items()},
           "builds": {}, "rounds": {e: [] for e in args.engines}, "http": None}
    work = getattr(args, "work", corpus.WORK) / name
    workers = {}
    try:
        reuse = getattr(args, "talash_index", None) if name.startswith("synthetic") else None
        for engine in args.engines:
            if engine.startswith("talash") and reuse:
                # An index built before (a 100,000-document talash build takes half an
                # hour here): searched as built, its build not measured in this run.
                workers[engine] = Worker(engine)
                workers[engine].call(op="open", workdir=str(reuse))
                out["builds"][engine] = {
                    "docs": len(list(corpus.read_jsonl(path))), "seconds": float("nan"),
                    "size_bytes": dir_size(reuse), "peak_rss_mb": float("nan"),
                    "loaded_rss_mb": float("nan"), "version": "reused index",
                    "notes": [f"index reused from {reuse}: build not measured in this run"]}
                continue
            if engine == "talash-page" and "talash" in out["builds"]:
                # The same index as talash's, searched for whole result pages.
                workers[engine] = Worker(engine)
                workers[engine].call(op="open", workdir=str(work / "talash"))
                out["builds"][engine] = dict(out["builds"]["talash"])
                continue
            workdir = work / engine
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir(parents=True)
            log(f"{name}: building {engine} ...")
            workers[engine] = Worker(engine)
            build = workers[engine].call(op="build", corpus=str(path), workdir=str(workdir))
            log(f"{name}: {engine} indexed {build['docs']} docs in {build['seconds']:.1f} s")
            out["builds"][engine] = build
        for r in range(args.repeat):
            for engine in rotated(args.engines, r):
                res = workers[engine].call(op="queries", order=order, warmup=qs["warmup"])
                log(f"{name}: round {r + 1}/{args.repeat} {engine}: "
                    f"{len(order) / res['seconds']:.1f} queries/s")
                out["rounds"][engine].append(res)
    finally:
        for worker in workers.values():
            worker.close()
    if "talash" in args.engines and not args.no_http:
        from bench import http_load

        out["http"] = http_load.measure(reuse or work / "talash", qs, args, log)
    return out


def rotated(items: list, r: int) -> list:
    r %= len(items)
    return items[r:] + items[:r]


def corpora(args) -> list[tuple[str, Path]]:
    chosen = []
    for name in args.corpora:
        if name == "news":
            chosen.append(("news", corpus.news_path()))
        elif name == "synthetic":
            log(f"preparing the synthetic corpus ({args.docs} docs, seed {args.seed}) ...")
            chosen.append((f"synthetic-{args.docs}", corpus.synthetic_path(args.docs, args.seed)))
        else:
            raise SystemExit(f"unknown corpus {name!r}; choose from news, synthetic")
    return chosen


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.perf", description=__doc__.split("\n")[0])
    p.add_argument("--docs", type=int, help="synthetic corpus size (default 100000; "
                   "--profile: index size, default 1000 for index, 2000 for query)")
    p.add_argument("--repeat", type=int, default=3, help="query and HTTP rounds (medians)")
    p.add_argument("--engines", default=",".join(["talash", "talash-page", *peers.PEERS]))
    p.add_argument("--corpora", default="news,synthetic")
    p.add_argument("--per-kind", type=int, default=100, help="queries of each kind")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--http-seconds", type=int, default=15)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--http-per-kind", type=int, default=600,
                   help="distinct HTTP queries of each kind (enough that a round rarely repeats)")
    p.add_argument("--no-http", action="store_true")
    p.add_argument("--talash-index", type=Path,
                   help="search this talash index of the synthetic corpus instead of building "
                        "one (its build is not measured)")
    p.add_argument("--out", type=Path, help="default bench/results/perf-<date>.md")
    p.add_argument("--profile", choices=("query", "index"))
    p.add_argument("--kind", choices=corpus.KINDS, help="--profile query: only this kind")
    p.add_argument("--corpus", default="news", help="--profile: news or synthetic")
    p.add_argument("--index", type=Path, help="--profile query: an existing talash index")
    p.add_argument("--profiler", choices=("pyinstrument", "cprofile", "both"), default="both")
    p.add_argument("--report-from", type=Path, metavar="RAW_JSON",
                   help="only write the report again from a run's raw figures")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in args.engines:
        peers.make(e)  # unknown names fail here, with the list of known ones
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args.child)
    if args.profile:
        from bench import profile

        return profile.main(args)
    from bench import perf_report

    args.docs = args.docs or DEFAULT_DOCS
    if args.report_from:
        return report_again(args)
    started = datetime.now(UTC)
    env = perf_report.environment()
    results = [measure_corpus(name, path, args) for name, path in corpora(args)]
    env["load_after"] = os.getloadavg()
    raw = corpus.WORK / f"perf-{started:%Y%m%dT%H%M%S}.json"
    settings = {k: getattr(args, k) for k in ("seed", "per_kind", "repeat")}
    raw.write_text(json.dumps({"env": env, "started": started.isoformat(), "args": settings,
                               "results": results}, ensure_ascii=False), "utf-8")
    write_report(results, env, args, started, raw)
    return 0


def write_report(results: list[dict], env: dict, args, started: datetime, raw: Path):
    from bench import perf_report

    out = args.out or datasets.REPO_ROOT / "bench" / "results" / f"perf-{started:%Y-%m-%d}.md"
    text = perf_report.render(results, env, args, started)
    datasets.write_report(out, text)
    log(f"wrote {out} (raw figures: {raw})")


def report_again(args) -> int:
    """Render the report of an earlier run from its raw JSON (e.g. after a report change)."""
    raw = json.loads(args.report_from.read_text("utf-8"))
    for key, value in raw.get("args", {}).items():
        setattr(args, key, value)
    started = raw.get("started") or datetime.fromtimestamp(args.report_from.stat().st_mtime, UTC)
    started = datetime.fromisoformat(started) if isinstance(started, str) else started
    write_report(raw["results"], raw["env"], args, started, args.report_from)
    return 0


if __name__ == "__main__":
    sys.exit(main())
