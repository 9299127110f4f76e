"""The speed benchmark's markdown report: machine, method, tables, ratios, targets.

Figures are medians over the query/HTTP rounds; each round's percentiles are computed first.
No corpus or query text is written here (the shared data is not ours to redistribute).
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from importlib import metadata

from bench import corpus

PERCENTILES = (50, 95, 99)
# Issue #8's targets for talash at 100,000 documents.
TARGETS = {"p50": 5.0, "p95": 25.0, "p99": 60.0, "qps": 150.0, "http_req_s": 150.0,
           "http_p99": 100.0, "docs_s": 600.0, "size_vs_tantivy": 2.0}


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (as numpy's default)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    at = (len(xs) - 1) * p / 100
    lo = int(at)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (at - lo)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float:
    try:
        with open("/proc/meminfo") as fh:
            return int(fh.readline().split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        return float("nan")


def environment() -> dict:
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory_gb": _memory_gb(),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "load_before": os.getloadavg(),
            "argv": sys.argv[1:]}


def latency_cells(rounds: list[dict], kind: str | None) -> dict[str, float]:
    """Median over rounds of each round's p50/p95/p99 (all kinds together when kind is None)."""
    per_round = []
    for rnd in rounds:
        lat = rnd["latencies_ms"]
        values = lat.get(kind, []) if kind else [v for vs in lat.values() for v in vs]
        per_round.append({f"p{p}": percentile(values, p) for p in PERCENTILES})
    return {key: statistics.median(r[key] for r in per_round) for key in per_round[0]}


def qps(rounds: list[dict], clock: str = "seconds") -> float:
    """Median queries per second (``clock`` "cpu_s": per CPU-second of the worker)."""
    if not rounds or any(clock not in r for r in rounds):
        return float("nan")
    return statistics.median(sum(map(len, r["latencies_ms"].values())) / r[clock]
                             for r in rounds)


def fmt(x: float) -> str:
    if x != x:  # NaN
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def triple(cells: dict) -> str:
    return " / ".join(fmt(cells[f"p{p}"]) for p in PERCENTILES)


def summarize(result: dict) -> dict[str, dict]:
    """Per engine: build figures, latency cells per kind, queries/s."""
    out = {}
    for engine, build in result["builds"].items():
        rounds = result["rounds"][engine]
        out[engine] = {
            "build": build, "docs_s": build["docs"] / build["seconds"],
            "docs_cpu_s": build["docs"] / build["cpu_s"] if build.get("cpu_s") else float("nan"),
            "size_mb": build["size_bytes"] / 1e6,
            "size_text_mb": build.get("size_with_text_bytes", float("nan")) / 1e6,
            "all": latency_cells(rounds, None),
            **{kind: latency_cells(rounds, kind) for kind in corpus.KINDS},
            "qps": qps(rounds), "qps_cpu": qps(rounds, "cpu_s"),
            "empty": {k: v / max(1, len(rounds[0]["latencies_ms"].get(k, [])))
                      for k, v in rounds[0]["empty"].items()},
        }
    return out


def header(results: list[dict], env: dict, args, started: datetime) -> list[str]:
    versions = {e: b["version"] for r in results for e, b in r["builds"].items()}
    synthetic = [r["name"] for r in results if r["name"].startswith("synthetic")]
    lines = [
        "# Performance: talash vs peers",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; command: `python -m bench.perf "
        f"{' '.join(env['argv'])}`".rstrip() + "",
        f"- machine: {env['cpu']}, {env['cores']} cores, {env['memory_gb']:.1f} GB RAM, "
        f"{env['os']}, Python {env['python']}; load average before "
        f"{env['load_before'][0]:.2f}, after {env['load_after'][0]:.2f} (the machine is shared; "
        "figures are noisy)",
        "- engines: " + "; ".join(f"{e}: {v}" for e, v in versions.items()),
        "- corpora: " + "; ".join(
            [*(["`news` = `../shared/data/news/docs.jsonl` (real articles, read at run time)"]
               if any(r["name"] == "news" for r in results) else []),
             *(f"`{name}` = generated at run time with seed {args.seed} by recombining the real "
               "sentences of `../shared/data/news/docs.jsonl` (`bench/corpus.py`, written to the "
               "git-ignored `bench/work/`, never committed)" for name in synthetic)]),
        f"- queries: per corpus, up to {args.per_kind} of each kind drawn (seed {args.seed}) from "
        "that corpus: 1/2/3 nearby content words; phrases of 2–3 adjacent words including a "
        "function word (کے، میں، کی …); Roman Urdu (translit word pairs) and English words; "
        "every engine gets the same queries in the same order, after the same warm-up queries; "
        "top 10 results",
        f"- method: each engine in its own process; one index build per engine; {args.repeat} "
        "query rounds with engines taking turns in a rotating order; tables show medians over "
        "rounds; latency is wall time of one call on one thread; docs/CPU-s and "
        "queries/CPU-s divide by the worker process's CPU time (all its threads), which other "
        "jobs on the machine disturb less than wall time",
        "- what a query does: talash `Searcher.search(q, per_page=10, snippets=False)` returns "
        "the top 10 hits with their stored fields, the exact total and the facet counts "
        "(all-words match with fallback, suggestion); `talash-page` is the same search with "
        "the snippets and `matched` explanations of the web page, on the same index; the peers "
        "(`bench/peers.py`) return the ids of an OR of the query's terms in title+body ranked "
        "by BM25; phrases use each engine's phrase query (talash: the query in double quotes); "
        "talash runs without its result cache",
    ]
    return lines


def corpus_section(result: dict, summary: dict) -> list[str]:
    docs = next(iter(result["builds"].values()))["docs"] if result["builds"] else 0
    kinds = ", ".join(f"{corpus.KIND_LABELS[k]} {n}" for k, n in result["queries"].items())
    lines = ["", f"## {result['name']} ({docs:,} documents)", "", f"Queries: {kinds}.", "",
             "### Indexing", "",
             "| engine | docs/s | docs/CPU-s | index MB | peak RSS MB | "
             "RSS over loaded corpus MB |",
             "|---|---:|---:|---:|---:|---:|"]
    for engine, s in summary.items():
        b = s["build"]
        lines.append(f"| {engine} | {fmt(s['docs_s'])} | {fmt(s['docs_cpu_s'])} | "
                     f"{fmt(s['size_mb'])} | "
                     f"{fmt(b['peak_rss_mb'])} | {fmt(b['peak_rss_mb'] - b['loaded_rss_mb'])} |")
    lines += [f"\n{engine}'s index is {fmt(s['size_text_mb'])} MB when it also stores title and "
              "body, as talash does for snippets and display (built once more, untimed)."
              for engine, s in summary.items() if not math.isnan(s["size_text_mb"])]
    labels = [corpus.KIND_LABELS[k] for k in corpus.KINDS]
    lines += ["", "### Query latency, in process (ms: p50 / p95 / p99)", "",
              "| engine | all | " + " | ".join(labels) +
              " | queries/s | queries/CPU-s | no hits % |",
              "|---|" + "---:|" * (len(labels) + 4)]
    for engine, s in summary.items():
        empty = sum(s["empty"].values()) / max(1, len(s["empty"]))
        cells = [triple(s["all"]), *(triple(s[k]) for k in corpus.KINDS)]
        lines.append(f"| {engine} | " + " | ".join(cells) +
                     f" | {fmt(s['qps'])} | {fmt(s['qps_cpu'])} | {100 * empty:.0f} |")
    return lines + ratio_section(summary) + http_section(result.get("http"))


def ratio_section(summary: dict) -> list[str]:
    if "talash" not in summary or len(summary) < 2:
        return []
    t = summary["talash"]
    lines = ["", "### talash ÷ peer", "",
             "docs/s and queries/s above 1: talash is faster; index size and latency below 1: "
             "talash is smaller / faster.", "",
             "| peer | docs/s | index size | p50 | p95 | p99 | phrase p99 | queries/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for engine, s in summary.items():
        if engine == "talash":
            continue
        cells = [t["docs_s"] / s["docs_s"], t["size_mb"] / s["size_mb"],
                 *(t["all"][f"p{p}"] / s["all"][f"p{p}"] for p in PERCENTILES),
                 t["phrase"]["p99"] / s["phrase"]["p99"], t["qps"] / s["qps"]]
        lines.append(f"| {engine} | " + " | ".join(f"{fmt(c)}×" for c in cells) + " |")
    return lines


def http_summary(http: dict, endpoint: str) -> dict:
    rounds = http[endpoint]
    keys = ("req_s", "p50_ms", "p90_ms", "p99_ms", "max_ms")
    out = {k: statistics.median(r[k] for r in rounds) for k in keys}
    out["errors"] = sum(r["errors"] for r in rounds)
    out["requests"] = sum(r["requests"] for r in rounds)
    cpu = [r["cpu_ms_per_request"] for r in rounds if "cpu_ms_per_request" in r]
    out["cpu_ms"] = statistics.median(cpu) if cpu else float("nan")
    return out


def repeats_note(http: dict) -> str:
    most = max((r["requests"] for r in http["search"]), default=0)
    if most <= http.get("urls", most):
        return ""
    return (f" A round served up to {most:,} requests, so queries repeated within it: a result "
            "cache would flatter these figures; raise --http-per-kind.")


def http_section(http: dict | None) -> list[str]:
    if not http:
        return []
    cfg = http["config"]
    lines = ["", "### HTTP: talash under gunicorn, loaded by wrk on 127.0.0.1", "",
             f"{http['wrk']}, {http['connections']} connections, {http['seconds']} s per round "
             "on a freshly started server (warmed up "
             + http.get("warmup", "on other queries in 5 s rounds, at least 4, until one is "
                                  "under 15% faster than the last") + "), rotating "
             f"through {http.get('urls', '?')} distinct `/search?q=…&per_page=10` URLs; "
             f"gunicorn {metadata.version('gunicorn')} with the project's "
             f"gunicorn.conf.py: {cfg['worker_class']}, {cfg['workers']} workers × "
             f"{cfg['threads']} threads. wrk shares the 2 cores with the server. `/healthz` "
             "under the same load is the serving stack's ceiling. Server CPU: user + system "
             "time of gunicorn's processes during the round, per request (the machine's other "
             "jobs disturb it less than the rates)." + repeats_note(http), "",
             "| endpoint | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/request "
             "| requests, all rounds | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for endpoint in ("search", "healthz"):
        s = http_summary(http, endpoint)
        lines.append(f"| /{endpoint} | {fmt(s['req_s'])} | {fmt(s['p50_ms'])} | "
                     f"{fmt(s['p90_ms'])} | {fmt(s['p99_ms'])} | {fmt(s['max_ms'])} | "
                     f"{fmt(s['cpu_ms'])} | {s['requests']:,} | {s['errors']} |")
    return lines


def targets_section(result: dict, summary: dict) -> list[str]:
    """Issue #8's talash targets against the largest corpus of this run."""
    if "talash" not in summary:
        return []
    t = summary["talash"]
    rows = [(f"query p{p} ≤ {TARGETS[f'p{p}']:g} ms", t["all"][f"p{p}"], TARGETS[f"p{p}"], False)
            for p in PERCENTILES]
    rows.append(("≥ 150 queries/s, one thread", t["qps"], TARGETS["qps"], True))
    rows.append(("indexing ≥ 600 docs/s", t["docs_s"], TARGETS["docs_s"], True))
    if "tantivy" in summary:
        ratio = t["size_mb"] / summary["tantivy"]["size_mb"]
        rows.append(("index ≤ 2× tantivy's size", ratio, TARGETS["size_vs_tantivy"], False))
        with_text = summary["tantivy"]["size_text_mb"]
        if not math.isnan(with_text):
            rows.append(("… tantivy storing title and body too", t["size_mb"] / with_text,
                         TARGETS["size_vs_tantivy"], False))
    if result.get("http"):
        s = http_summary(result["http"], "search")
        rows.append(("HTTP ≥ 150 req/s at 8 connections", s["req_s"], TARGETS["http_req_s"],
                     True))
        rows.append(("HTTP p99 ≤ 100 ms", s["p99_ms"], TARGETS["http_p99"], False))
    lines = ["", f"## Issue #8 targets (set for 100,000 documents; measured on {result['name']})",
             "", "| target | talash | met |", "|---|---:|---|"]
    for label, value, bound, at_least in rows:
        met = value >= bound if at_least else value <= bound
        lines.append(f"| {label} | {fmt(value)} | {'yes' if met else 'no'} |")
    return lines


def render(results: list[dict], env: dict, args, started: datetime) -> str:
    lines = header(results, env, args, started)
    summaries = [summarize(r) for r in results]
    for result, summary in zip(results, summaries, strict=True):
        lines += corpus_section(result, summary)
    if results:
        lines += targets_section(results[-1], summaries[-1])
    lines.append(f"\n_written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/perf.py`_")
    return "\n".join(lines) + "\n"
