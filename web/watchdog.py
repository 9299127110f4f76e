"""Cut a request that runs too long, which gunicorn's own ``timeout`` cannot do with threads.

With ``gthread`` workers gunicorn's ``timeout`` only replaces a worker whose main loop stops
answering; a request stuck in one of the worker's threads (the index on a network file system
that hangs, a pathological query) would hold that thread for ever while requests queue behind
it. So ``gunicorn.conf.py`` gives each worker a ``Watchdog``: its hooks note when each request
starts and ends, and a thread looks every second. When a request has run longer than
``TALASH_TIMEOUT`` seconds, the watchdog logs it, stops the worker taking new connections, lets
the worker's other requests finish (a few seconds at most), and ends the process; gunicorn's
master starts a fresh worker at once. The stuck request's connection is closed unanswered,
so its client gets an error after the timeout instead of waiting for ever.
"""

import os
import threading
import time

GRACE_SECONDS = 3.0  # for the worker's other requests, once a request is cut
EXIT_CODE = 70  # EX_SOFTWARE; gunicorn restarts a worker that exits with anything but 3 or 4


class Watchdog:
    def __init__(self, worker, limit: float, every: float = 1.0):
        self.worker, self.limit, self.every = worker, limit, every
        self.running: dict[int, tuple[float, str]] = {}  # thread → (started, request line)
        self.lock = threading.Lock()

    def start(self) -> "Watchdog":
        threading.Thread(target=self._watch, name="talash-watchdog", daemon=True).start()
        return self

    def begin(self, method: str, uri: str):
        with self.lock:
            self.running[threading.get_ident()] = (time.monotonic(), f"{method} {uri}"[:200])

    def end(self):
        with self.lock:
            self.running.pop(threading.get_ident(), None)

    def overdue(self) -> tuple[int, float, str] | None:
        """The longest-running request if it has passed the limit: (thread, seconds, line)."""
        now = time.monotonic()
        with self.lock:
            late = [(now - started, thread, line)
                    for thread, (started, line) in self.running.items()]
        if not late:
            return None
        seconds, thread, line = max(late)
        return (thread, seconds, line) if seconds > self.limit else None

    def _watch(self):
        while True:
            time.sleep(self.every)
            late = self.overdue()
            if late:
                self._cut(*late)

    def _cut(self, thread: int, seconds: float, line: str):
        self.worker.log.error(
            "request still running after %.0f s, over TALASH_TIMEOUT=%s: %s; restarting "
            "worker %s (the request's client gets no answer)", seconds, self.limit, line,
            os.getpid())
        self.worker.alive = False  # take no new connections; the other workers do
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline:
            with self.lock:
                others = [t for t in self.running if t != thread]
            if not others:
                break
            time.sleep(0.05)
        os._exit(EXIT_CODE)  # a stuck thread cannot be stopped; only its process can
