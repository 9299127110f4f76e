"""Progress for long runs: a tqdm bar with docs/s on a terminal, plain periodic lines
otherwise (logs, CI)."""

import sys
import time

from tqdm import tqdm


class Progress:
    """``with Progress("indexing") as p: p.update(done)``, where ``done`` is a running count."""

    def __init__(self, label: str, every_seconds: float = 5.0, stream=None):
        self.label = label
        self.every = every_seconds
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.bar = None
        self.done = 0
        self.started = self.last = time.monotonic()

    def __enter__(self):
        if self.tty:
            self.bar = tqdm(desc=self.label, unit=" docs", file=self.stream, smoothing=0.1)
        return self

    def update(self, done: int):
        if self.bar is not None:
            self.bar.update(done - self.done)
        else:
            now = time.monotonic()
            if now - self.last >= self.every:
                rate = done / (now - self.started)
                print(f"{self.label}: {done} docs ({rate:.0f} docs/s)", file=self.stream,
                      flush=True)
                self.last = now
        self.done = done

    def write(self, message: str):
        """Print a message (a rejected record, say) without breaking the bar."""
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
