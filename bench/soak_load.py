"""Load for the soak: wrk on loopback against the project's gunicorn, worker memory from /proc.

wrk rotates through search URLs with the Lua script of ``bench.http_load`` (its ``done`` hook
prints the figures as JSON); a run can be stopped early with SIGINT, after which wrk still
prints them. Worker memory is each worker's resident set (``VmRSS`` in ``/proc/<pid>/status``),
summed over the master's children.
"""

import json
import random
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.http_load import MARK, lua_script, wrk_binary

WRK_THREADS = 2
WRK_TIMEOUT = "30s"  # as long as gunicorn's own timeout: a slower answer counts as an error


def worker_pids(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children") as handle:
        return sorted(int(p) for p in handle.read().split())


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Memory(threading.Thread):
    """Samples the workers' total resident memory every ``every`` seconds."""

    def __init__(self, master: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.master, self.every, self.halt = master, every, threading.Event()
        self.samples: list[tuple[float, int]] = []  # (monotonic time, total kB)
        self.pids: set[int] = set()

    def now(self) -> int:
        pids = worker_pids(self.master)
        self.pids.update(pids)
        return sum(rss_kb(p) for p in pids)

    def run(self):
        while not self.halt.wait(self.every):
            try:
                self.samples.append((time.monotonic(), self.now()))
            except OSError:  # a worker exited between listing and reading
                continue

    def stop(self):
        self.halt.set()
        self.join(timeout=10)


def search_paths(queries: list[str], seed: int) -> list[str]:
    """A mix of what readers send: JSON searches, the page, page 2, newest first, filters."""
    rng = random.Random(seed)
    paths = []
    for text in queries:
        words = text.split()
        short = " ".join(rng.sample(words, min(2, len(words))))
        paths.append("/search?" + urlencode({"q": short}))
        paths.append("/search?" + urlencode({"q": text, "per_page": 20}))
        kind = rng.random()
        if kind < 0.3:
            paths.append("/?" + urlencode({"q": short}))
        elif kind < 0.5:
            paths.append("/search?" + urlencode({"q": short, "page": 2, "sort": "date"}))
        elif kind < 0.6:
            paths.append("/search?" + urlencode({"q": short, "lang": "ur"}))
    rng.shuffle(paths)
    return paths


@dataclass
class WrkResult:
    requests: int = 0
    seconds: float = 0.0
    errors: dict = field(default_factory=dict)  # connect, read, write, timeout, status
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Wrk:
    """One wrk run in the background: ``start``, then ``stop`` (SIGINT) or ``wait``."""

    def __init__(self, url: str, paths: list[str], work: Path, connections: int = 32):
        self.script = work / "soak.lua"
        self.script.write_text(lua_script(paths), "utf-8")
        self.url, self.connections = url, connections

    def start(self, seconds: int) -> "Wrk":
        command = [wrk_binary(), f"-t{WRK_THREADS}", f"-c{self.connections}", f"-d{seconds}s",
                   "--timeout", WRK_TIMEOUT, "-s", str(self.script), self.url]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        return self

    def stop(self) -> WrkResult:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.wait()

    def wait(self) -> WrkResult:
        out, err = self.proc.communicate(timeout=3600)
        line = next((ln for ln in out.splitlines() if ln.startswith(MARK)), None)
        if line is None:
            raise RuntimeError(f"wrk printed no figures (exit {self.proc.returncode}):\n{out}"
                               f"\n{err}")
        raw = json.loads(line[len(MARK):])
        return WrkResult(raw["requests"], raw["duration_us"] / 1e6,
                         {k: raw[k] for k in ("connect", "read", "write", "timeout", "status")},
                         raw["p50_us"] / 1e3, raw["p99_us"] / 1e3, raw["max_us"] / 1e3)


def get_json(url: str, timeout: float = 30) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())
