"""HTTP load on talash: the project's gunicorn over a built index, driven by wrk on 127.0.0.1.

gunicorn runs with the project's ``gunicorn.conf.py`` (``TALASH_WORKERS``/``TALASH_THREADS``
from the environment are passed through) and ``TALASH_INDEX_DIR`` pointing at the index. wrk
rotates through the benchmark's queries with a generated Lua script whose ``done`` hook prints
the figures as JSON. ``/healthz`` under the same load gives the serving stack's ceiling.
Everything listens on and connects to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import random
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from bench import datasets

WRK_THREADS = 2
WARMUP_SECONDS = 5
WARMUP_ROUNDS = 2  # once /healthz says warm: fills the caches queries fill (postings, words)
WARM_TIMEOUT = 300  # seconds for every worker to say it is warm
WARM_STREAK = 20  # warm answers in a row (each on a new connection, so from any worker)
HEALTHZ_SECONDS = 5
MARK = "WRK_JSON "

LUA = """
local paths = {%(paths)s}
local counter = 0
local n = 0
function setup(thread)
  thread:set("offset", n * 7919)
  n = n + 1
end
function init(args)
  counter = offset or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, '
    .. '"status": %%d, "timeout": %%d, "p50_us": %%f, "p90_us": %%f, "p95_us": %%f, '
    .. '"p99_us": %%f, "max_us": %%f, "mean_us": %%f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk not found: install Debian's wrk (apt-get install -y wrk); "
                           "`make bench` does this when run as root, or pass --no-http")
    return found


def wrk_version() -> str:
    try:
        out = subprocess.run([wrk_binary(), "-v"], capture_output=True, text=True).stdout
    except (OSError, RuntimeError):
        return "wrk (not installed)"
    return out.split(" [")[0].strip() or "wrk (version unknown)"


def search_paths(kinds: dict[str, list[str]], seed: int) -> list[str]:
    """``/search`` URLs for every query (phrases quoted, as a user would), in a seeded order."""
    paths = [
        "/search?" + urlencode({"q": f'"{q}"' if kind == "phrase" else q, "per_page": 10})
        for kind, texts in kinds.items() for q in texts
    ]
    random.Random(seed).shuffle(paths)
    return paths


def lua_script(paths: list[str]) -> str:
    # urlencode leaves only [A-Za-z0-9_.~%+=&/?-], so a plain Lua string literal is safe
    return LUA % {"paths": ", ".join(f'"{p}"' for p in paths), "mark": MARK}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving_config(env: dict) -> dict:
    """worker_class, workers and threads as gunicorn.conf.py sets them under ``env``."""
    saved = os.environ.copy()
    try:
        os.environ.update(env)
        conf = runpy.run_path(str(datasets.REPO_ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {k: conf.get(k) for k in ("worker_class", "workers", "threads")}


class Gunicorn:
    """The project's gunicorn serving ``index_dir`` on a free 127.0.0.1 port, while in use."""

    def __init__(self, index_dir: Path, log_path: Path):
        self.port = free_port()
        address = f"127.0.0.1:{self.port}"
        # wrk cycles through the queries: measured without the result cache unless asked.
        self.env = {"PORT": str(self.port), "TALASH_BIND": address,
                    "TALASH_INDEX_DIR": str(index_dir),
                    "TALASH_RESULT_CACHE": os.environ.get("TALASH_RESULT_CACHE", "0")}
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=datasets.REPO_ROOT, env={**os.environ, **self.env},
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready(timeout=60)
        return self

    def wait_warm(self, timeout: float = WARM_TIMEOUT) -> float:
        """Wait until /healthz says ``warm`` WARM_STREAK times in a row; returns the seconds
        waited. Each probe is a new connection, which any worker may accept, so a streak makes
        it likely, not certain, that every worker is warm: a worker that accepted none of the
        probes is not asked (every worker starts warming as it boots, and a cold one that is
        asked answers ``"warm": false`` and resets the streak)."""
        started = time.monotonic()
        streak = 0
        while streak < WARM_STREAK:
            if time.monotonic() - started > timeout:
                raise self._failed(f"gunicorn's workers were not all warm after {timeout} s")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=10) as resp:
                    warm = json.load(resp).get("warm", True)
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                warm = False
            streak = streak + 1 if warm else 0
            time.sleep(0.05 if warm else 0.5)
        return time.monotonic() - started

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the master and its live workers so far."""
        return sum(_cpu_seconds(pid) for pid in [self.proc.pid, *_children(self.proc.pid)])

    def _wait_ready(self, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise self._failed(f"gunicorn exited ({self.proc.returncode})")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.__exit__()
        raise self._failed(f"gunicorn did not answer /healthz in {timeout:.0f} s")

    def _failed(self, reason: str, lines: int = 20) -> RuntimeError:
        """An error with the last lines of the server's log (a test's log is gone once its
        run ends: the failure carries what gunicorn said)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            tail = "\n".join(text.splitlines()[-lines:])
        except OSError as exc:
            tail = f"(unreadable: {exc})"
        return RuntimeError(f"{reason}; the end of {self.log_path}:\n{tail}")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def warm_up(url: str, script: Path, connections: int):
    """WARMUP_ROUNDS of wrk on the warm-up queries, once every worker has said it is warm
    (``Gunicorn.wait_warm``): the caches that only queries fill are filled too."""
    for _ in range(WARMUP_ROUNDS):
        run_wrk(url, script, WARMUP_SECONDS, connections)


_ACCESS_PID = re.compile(r'"GET /search\?[^"]*" .* <(\d+)>$')  # gunicorn.conf.py's format


def settled_size(path: Path, quiet: float = 0.3, limit: float = 5.0) -> int:
    """The size of ``path`` once it has not grown for ``quiet`` seconds (at most ``limit``
    seconds of waiting): requests still in flight when wrk stops are answered and logged
    after it."""
    size, deadline = path.stat().st_size, time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = path.stat().st_size
        if now == size:
            break
        size = now
    return size


def worker_shares(log_path: Path, offset: int) -> list[int]:
    """The /search requests each worker answered, as the access log has them after byte
    ``offset`` (most first). A keep-alive connection stays with the worker that accepted
    it, and gthread accepts even while its thread is busy: when wrk's connections land on
    two workers of four, those answer everything and a slow request holds up the others
    queued behind it, which moves the rate and p99 from round to round."""
    with log_path.open("rb") as fh:
        fh.seek(offset)
        lines = fh.read().decode("utf-8", "replace").splitlines()
    counts = Counter(found[1] for found in map(_ACCESS_PID.search, lines) if found)
    return sorted(counts.values(), reverse=True)


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in found.split()]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # a worker that has just exited (recycled): its time is lost
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    """One wrk run; figures in ms and req/s, errors summed (non-2xx/3xx count as errors)."""
    cmd = [wrk_binary(), f"-t{min(WRK_THREADS, connections)}", f"-c{connections}",
           f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures (exit {out.returncode}):\n"
                           f"{out.stdout}\n{out.stderr}")
    raw = json.loads(line[len(MARK):])
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {"requests": raw["requests"], "req_s": raw["requests"] / seconds_run,
            "errors": errors, **{k[:-3] + "_ms": raw[k] / 1e3 for k in raw if k.endswith("_us")
                                 and k != "duration_us"}}


def measure(index_dir: Path, qs: dict, args, log) -> dict:
    """``args.repeat`` rounds, each on a freshly started server: a warm-up on queries of its
    own, then /search and /healthz under wrk. A fresh server per round and enough distinct
    queries (``qs["http"]``) keep a result cache from answering repeats of an earlier round."""
    # wrk scripts and server logs go to the git-ignored bench/work (or ``args.http_work``),
    # never beside the index (a reused index may be read-only, or shared with other jobs).
    work = Path(getattr(args, "http_work", None) or datasets.REPO_ROOT / "bench" / "work" / "http")
    work.mkdir(parents=True, exist_ok=True)
    scripts = {"warmup": work / "warmup.lua", "search": work / "search.lua",
               "healthz": work / "healthz.lua"}
    kinds = qs.get("http") or qs["kinds"]
    paths = search_paths(kinds, args.seed)
    warm: dict[str, list[str]] = {}
    for kind, text in qs.get("warmup") or []:
        warm.setdefault(kind, []).append(text)
    scripts["warmup"].write_text(lua_script(search_paths(warm, args.seed) or paths), "utf-8")
    scripts["search"].write_text(lua_script(paths), "utf-8")
    scripts["healthz"].write_text(lua_script(["/healthz"]), "utf-8")
    env = Gunicorn(index_dir, work / "gunicorn.log").env
    result = {"config": serving_config(env), "connections": args.connections,
              "warmup": f"once every worker's /healthz said warm, {WARMUP_ROUNDS} rounds of "
                        f"{WARMUP_SECONDS} s on other queries",
              "seconds": args.http_seconds, "wrk": wrk_version(), "urls": len(paths),
              "search": [], "healthz": []}
    for r in range(args.repeat):
        with Gunicorn(index_dir, work / f"gunicorn-{r + 1}.log") as server:
            waited = server.wait_warm()
            warm_up(server.url, scripts["warmup"], args.connections)
            # The warm-up's last answers are logged after wrk stops: let them land first.
            logged = settled_size(server.log_path)
            cpu = server.cpu_seconds()
            search = run_wrk(server.url, scripts["search"], args.http_seconds, args.connections)
            search["cpu_ms_per_request"] = ((server.cpu_seconds() - cpu) * 1000
                                            / max(search["requests"], 1))
            search["warm_seconds"] = waited
            settled_size(server.log_path)
            search["per_worker"] = worker_shares(server.log_path, logged)
            log(f"http round {r + 1}/{args.repeat}: warm after {waited:.0f} s; "
                f"{search['req_s']:.1f} req/s, p99 {search['p99_ms']:.0f} ms, "
                f"{search['cpu_ms_per_request']:.1f} ms server CPU a request, "
                f"errors {search['errors']}; requests by worker "
                f"{' + '.join(map(str, search['per_worker'])) or 'not logged'}")
            result["search"].append(search)
            seconds = min(HEALTHZ_SECONDS, args.http_seconds)
            result["healthz"].append(run_wrk(server.url, scripts["healthz"], seconds,
                                             args.connections))
    return result
