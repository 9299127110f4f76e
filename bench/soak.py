"""``make soak``: the long load and fault runs, one summary line each.

    python -m bench.soak [--seconds 60] [--connections 32] [--docs 1000] [--trials 12]
                         [--only fuzz,load,reindex,timeout,kill,faults]

- fuzz: the hostile-query and hostile-document property tests with many more examples;
- load: wrk for ``--seconds`` at ``--connections`` against the project's gunicorn over the
  first ``--docs`` news articles (``../shared/data``; the sample corpus where it is absent),
  zero failures expected, p99 and the workers' memory growth reported, measured from the end
  of a warm-up that lasts (at least ``--warmup`` seconds) until their memory levels off, that
  is until their caches are full;
- reindex: a full rebuild and an ``--update`` of that index while wrk runs;
- timeout: a request stuck on a hung index file, cut by TALASH_TIMEOUT;
- kill: ``--trials`` reindexes killed with SIGKILL at seeded random moments while a reader
  asks through gunicorn;
- faults: the damaged-index, full-disk and startup tests (tests/test_faults.py,
  tests/test_startup.py).

Everything listens on and connects to 127.0.0.1. Exit status 1 when any phase failed.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from bench import datasets, soak_fuzz, soak_kill, soak_phases
from bench.http_load import Gunicorn
from bench.soak_load import get_json
from search.documents import read_sources

PHASES = ("fuzz", "load", "reindex", "timeout", "kill", "faults")
WORK = datasets.REPO_ROOT / "bench" / "work" / "soak"


def corpus(docs: int) -> tuple[list[dict], list[str], str]:
    """Documents to serve, queries to send, and where they come from."""
    try:
        news = datasets.load_docs("news", title_masked=False)[:docs]
        queries = [text for _, text in datasets.load_queries("news", limit=200)]
        return news, queries, f"the first {len(news)} news articles, 200 dev headlines"
    except datasets.DataMissing as exc:
        lines = soak_fuzz.SAMPLE.read_text("utf-8").splitlines()
        sample = [json.loads(line) for line in lines if line.strip()]
        return sample, [d["title"] for d in sample], f"the sample corpus ({exc})"


def fuzz(args, work: Path) -> tuple[bool, str]:
    started = time.monotonic()
    counts = soak_fuzz.run(args.fuzz_examples, args.fuzz_docs, work)
    return True, (
        f"fuzz: {counts['queries']} requests with generated queries and parameters through "
        f"the app and {counts['over_http']} over gunicorn, none a 500 or off the documented "
        f"shape; {counts['documents']} hostile documents ({args.fuzz_docs} seeded + "
        f"{counts['corpora'] - 1} generated corpora) shown as text on the page, in snippets "
        f"and JSON; {time.monotonic() - started:.0f} s")


def kill(args, work: Path) -> tuple[bool, str]:
    servers = []

    def over_http(index: Path):
        server = Gunicorn(index, work / "kill-gunicorn.log").__enter__()
        servers.append(server)
        target = f"{server.url}/search?q={quote(soak_kill.WORD)}&per_page=50"

        def ask():
            body = get_json(target)
            return body["total"], [h["id"] for h in body["results"]]

        return ask

    kill_work = work / "kill"
    shutil.rmtree(kill_work, ignore_errors=True)
    kill_work.mkdir(parents=True)
    try:
        trials = soak_kill.run_trials(kill_work, args.trials, args.seed, over_http,
                                      docs=args.kill_docs, log=lambda line: print("  " + line))
    finally:
        for server in servers:
            server.__exit__()
    outcomes: dict[str, int] = {}
    for trial in trials:
        outcomes[trial.outcome] = outcomes.get(trial.outcome, 0) + 1
    bad = [t for t in trials if t.problems]
    modes = {m: sum(t.mode == m for t in trials) for m in ("rebuild", "update")}
    return not bad, (
        f"kill: {len(trials)} SIGKILL trials ({modes['rebuild']} rebuilds, {modes['update']} "
        f"updates, seed {args.seed}): "
        + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items(), key=lambda x: -x[1]))
        + f"; {sum(t.answers for t in trials)} answers over gunicorn during the trials, "
        f"trials with a problem {len(bad)} (failed reads, mixed generations, damaged live "
        f"index, rerun needing cleanup); {soak_phases.load_average()}")


def faults(args, work: Path) -> tuple[bool, str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_faults.py", "tests/test_startup.py"],
                          cwd=datasets.REPO_ROOT, capture_output=True, text=True, timeout=1800)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return done.returncode == 0, (
        f"faults: {last.strip('= ')} (13 kinds of index damage → 503 with the fix, repaired "
        "by a reindex without restart; gunicorn over a damaged index keeps its workers; full "
        "disk → exit 6, live index byte-identical; stuck request cut; 6 startup refusals, "
        "each one line, no worker booted)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15, help="least warm-up seconds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--kill-docs", type=int, default=600)
    parser.add_argument("--fuzz-examples", type=int, default=1000)
    parser.add_argument("--fuzz-docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20241129)
    parser.add_argument("--only", default=",".join(PHASES))
    args = parser.parse_args(argv)
    only = args.only.split(",")
    WORK.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    print(f"soak: work in {work}; {soak_phases.load_average()}", flush=True)
    docs, queries, source = corpus(args.docs)
    index = work / "index"
    if {"load", "reindex"} & set(only):
        seconds = soak_phases.build(index, docs)
        print(f"soak: serving {source}: indexed in {seconds:.0f} s", flush=True)
    results = []
    runs = {
        "fuzz": lambda: fuzz(args, work),
        "load": lambda: soak_phases.load(index, queries, work, args.seconds, args.connections,
                                         args.warmup, args.seed),
        "reindex": lambda: soak_phases.reindex_under_load(index, docs, queries, work,
                                                          args.connections, args.seed),
        "timeout": lambda: soak_phases.timeout_cut(_sample_index(work), work),
        "kill": lambda: kill(args, work),
        "faults": lambda: faults(args, work),
    }
    for phase in PHASES:
        if phase not in only:
            continue
        try:
            ok, line = runs[phase]()
        except Exception as exc:  # one broken phase must not hide the others' lines
            ok, line = False, f"{phase}: FAILED to run: {exc!r}"[:600]
        results.append(ok)
        print(("" if ok else "FAILED ") + line, flush=True)
    if all(results):
        shutil.rmtree(work, ignore_errors=True)  # kept when a phase failed, with its logs
        return 0
    print(f"soak: logs and indexes kept in {work}", flush=True)
    return 1


def _sample_index(work: Path) -> Path:
    from search.indexing import build_index

    index = work / "sample-index-timeout"
    if not index.exists():
        build_index(index, read_sources([soak_fuzz.SAMPLE]))
    return index


if __name__ == "__main__":
    sys.exit(main())
