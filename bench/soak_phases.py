"""The soak's long runs, one function per phase; each returns ``(ok, summary line)``.

Every server is the project's gunicorn (``gunicorn.conf.py`` with its defaults, the
``TALASH_WORKERS`` ``gthread`` workers × ``TALASH_THREADS`` threads of ``web/config.py``) on
127.0.0.1, and every client connects to 127.0.0.1 only.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

from bench.http_load import Gunicorn
from bench.soak_load import Memory, Wrk, get_json, search_paths, worker_pids
from search.indexing import build_index

ROOT = Path(__file__).resolve().parent.parent
MARKER = "soakmarker"  # a word only the documents added during the reindex phase hold


def load_average() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


LEVEL_SECONDS, LEVEL_SHARE = 15, 0.01  # memory has levelled off: < 1% change in 15 s


def levelled(memory: Memory) -> bool:
    now = time.monotonic()
    recent = [kb for t, kb in memory.samples if t >= now - LEVEL_SECONDS]
    spanned = memory.samples and now - memory.samples[0][0] >= LEVEL_SECONDS
    return bool(spanned and recent) and (max(recent) - min(recent)) < LEVEL_SHARE * min(recent)


def warm_up(wrk: Wrk, memory: Memory, least: int, most: int) -> float:
    """Load until the workers' memory levels off (their caches are full): at least ``least``
    seconds, at most ``most``; returns the seconds it took."""
    started = time.monotonic()
    wrk.start(most + 60)
    while time.monotonic() - started < most:
        time.sleep(1)
        if time.monotonic() - started >= least and levelled(memory):
            break
    result = wrk.stop()
    if result.failed:
        raise RuntimeError(f"{result.failed} requests failed during the warm-up")
    return time.monotonic() - started


def load(index: Path, queries: list[str], work: Path, seconds: int, connections: int,
         warmup: int, seed: int, warmup_most: int = 300) -> tuple[bool, str]:
    """``seconds`` of wrk at ``connections`` connections after a warm-up that lasts until the
    workers' memory levels off; memory growth is measured from there to the end."""
    log = work / "load-gunicorn.log"
    with Gunicorn(index, log) as server:
        pids = worker_pids(server.proc.pid)
        wrk = Wrk(server.url, search_paths(queries, seed), work, connections)
        memory = Memory(server.proc.pid)
        memory.start()
        time.sleep(1.5)
        cold = memory.samples[0][1] / 1024
        warmed = warm_up(wrk, memory, warmup, warmup_most)
        start = memory.now()
        result = wrk.start(seconds).wait()
        end = memory.now()
        memory.stop()
        restarted = sorted(memory.pids - set(pids))
    grew = (end - start) / start * 100
    recycled = log.read_text("utf-8").count("Autorestarting worker")
    ok = result.failed == 0 and grew < 10 and len(restarted) <= recycled
    return ok, (
        f"load: {result.requests} requests in {result.seconds:.0f} s at {connections} "
        f"connections ({result.rate:.1f} req/s), failed {result.failed} (non-2xx "
        f"{result.errors['status']}, timeouts {result.errors['timeout']}), p50 "
        f"{result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, max {result.max_ms:.0f} ms; "
        f"worker RSS {start / 1024:.1f} → {end / 1024:.1f} MB ({grew:+.1f}%) from the end of "
        f"a {warmed:.0f} s warm-up (memory levelled off; {cold:.0f} MB idle) to the end, "
        f"{len(pids)} workers, replaced {len(restarted)} (recycled by max_requests {recycled}); "
        f"{load_average()}")


class Watcher(threading.Thread):
    """Asks /healthz and the marker query twice a second; records generations and totals."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.halt = url, threading.Event()
        self.seen: list[tuple[str, int]] = []
        self.failures: list[str] = []

    def run(self):
        while not self.halt.wait(0.5):
            try:
                generation = get_json(self.url + "/healthz")["generation"]
                total = get_json(f"{self.url}/search?q={MARKER}")["total"]
                self.seen.append((generation, total))
            except (OSError, urllib.error.URLError, ValueError) as exc:
                self.failures.append(repr(exc)[:200])

    def stop(self):
        self.halt.set()
        self.join(timeout=60)


def marker_docs(first: int, count: int) -> list[dict]:
    return [{"id": f"{MARKER}-{i:02}", "title": f"{MARKER} خبر {i}",
             "body": f"{MARKER} کی یہ خبر ری انڈیکس کے دوران آئی، نمبر {i}۔"}
            for i in range(first, first + count)]


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), "utf-8")
    return path


def talash_reindex(*args) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "search.cli", "reindex", *map(str, args)], cwd=ROOT,
                   check=True, capture_output=True, timeout=3600)
    return time.monotonic() - started


def reindex_under_load(index: Path, docs: list[dict], queries: list[str], work: Path,
                       connections: int, seed: int) -> tuple[bool, str]:
    """A full rebuild (the documents and 20 new ones) and an ``--update`` (5 more) while wrk
    runs; the results must switch, no request fail, no worker restart."""
    rebuilt = write_jsonl(work / "rebuilt.jsonl", docs + marker_docs(0, 20))
    updated = write_jsonl(work / "updated.jsonl", docs + marker_docs(0, 25))
    with Gunicorn(index, work / "reindex-gunicorn.log") as server:
        pids = worker_pids(server.proc.pid)
        watcher, wrk = Watcher(server.url), Wrk(server.url, search_paths(queries, seed), work,
                                                connections)
        memory = Memory(server.proc.pid)
        memory.start()
        wrk.start(3600)
        watcher.start()
        time.sleep(10)
        rebuild_s = talash_reindex(rebuilt, "--index", index)
        time.sleep(5)
        update_s = talash_reindex(updated, "--index", index, "--update")
        time.sleep(10)
        result = wrk.stop()
        watcher.stop()
        memory.stop()
        after = worker_pids(server.proc.pid)
    generations = list(dict.fromkeys(g for g, _ in watcher.seen))
    totals = list(dict.fromkeys(t for _, t in watcher.seen))
    in_order = [t for _, t in watcher.seen] == sorted(t for _, t in watcher.seen)
    switched = len(generations) == 3 and totals == [0, 20, 25] and in_order
    same = after == pids and memory.pids == set(pids)
    # max_requests recycles a worker now and then (gunicorn.conf.py); that is not a restart
    # the reindex needed, and gunicorn logs it.
    recycled = (work / "reindex-gunicorn.log").read_text("utf-8").count("Autorestarting worker")
    changed = len(memory.pids - set(pids))
    ok = (result.failed == 0 and not watcher.failures and switched
          and (same or changed <= recycled))
    return ok, (
        f"reindex under load: {result.requests} requests in {result.seconds:.0f} s at "
        f"{connections} connections, failed {result.failed} (non-2xx "
        f"{result.errors['status']}), p99 {result.p99_ms:.0f} ms; full rebuild of "
        f"{len(docs) + 20} docs {rebuild_s:.0f} s, --update (+5) {update_s:.0f} s; generations "
        f"served {len(generations)}, '{MARKER}' hits {' → '.join(map(str, totals))}, watcher "
        f"failures {len(watcher.failures)}; worker pids "
        f"{'unchanged' if same else f'changed {changed}, recycled by max_requests {recycled}'}"
        f" ({len(pids)} workers); {load_average()}")


def timeout_cut(sample: Path, work: Path, limit: int = 5) -> tuple[bool, str]:
    """A request stuck on a hung file (CURRENT turned into a FIFO) is cut after TALASH_TIMEOUT."""
    import http.client

    index = work / "timeout-index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(sample, index)
    os.environ["TALASH_TIMEOUT"] = str(limit)
    try:
        server = Gunicorn(index, work / "timeout-gunicorn.log").__enter__()
    finally:
        del os.environ["TALASH_TIMEOUT"]
    try:
        before = worker_pids(server.proc.pid)
        saved = (index / "CURRENT").read_bytes()
        (index / "CURRENT").unlink()
        os.mkfifo(index / "CURRENT")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        started = time.monotonic()
        try:
            connection.request("GET", "/search?q=stuck")
            outcome = f"answered {connection.getresponse().status}"
        except (http.client.RemoteDisconnected, ConnectionError) as exc:
            outcome = f"connection closed ({type(exc).__name__})"
        cut = time.monotonic() - started
        (index / "CURRENT").unlink()
        (index / "CURRENT").write_bytes(saved)
        started = time.monotonic()
        health = get_json(server.url + "/healthz")["status"]
        next_ms = (time.monotonic() - started) * 1000
        after = worker_pids(server.proc.pid)
    finally:
        server.__exit__()
    logged = "over TALASH_TIMEOUT" in (work / "timeout-gunicorn.log").read_text("utf-8")
    ok = outcome.startswith("connection closed") and health == "ok" and logged
    return ok, (
        f"timeout: a request stuck on a hung index file was cut after {cut:.1f} s "
        f"(TALASH_TIMEOUT={limit}): {outcome}; logged {logged}; workers {before} → {after}; "
        f"the next request answered '{health}' in {next_ms:.0f} ms")


def build(index: Path, docs: list[dict]) -> float:
    started = time.monotonic()
    if index.exists():
        shutil.rmtree(index)
    build_index(index, docs)
    return time.monotonic() - started
