"""Warming a worker's searcher in the background, and saying when it is done (``/healthz``).

A fresh worker on a large index has tables to read before its searches are fast (term sets,
the spelling table, segment arrays, 20,000 stored texts for the word table: about 8 s of CPU
at 100,000 documents), and so does every worker after a reindex switches generations. ``start`` does
that in a background thread, one at a time per process, for the generation live when it
runs; ``is_warm`` says whether the live generation has been warmed. gunicorn starts it as a
worker boots (``gunicorn.conf.py``) and ``/healthz`` starts it again whenever it finds the
live generation cold, so a reindex is warmed as soon as the balancer next asks.
"""

import gc
import threading

from flask import Flask

KEY = "talash.warming"


class Warming:
    """One process's warm-up: which generation is warm, whether one is running."""

    def __init__(self):
        self.lock = threading.Lock()
        self.warm: str | None = None  # the generation last warmed completely
        self.running = False


def _state(app: Flask) -> Warming:
    return app.extensions.setdefault(KEY, Warming())


def is_warm(app: Flask, generation: str) -> bool:
    return _state(app).warm == generation


def start(app: Flask) -> bool:
    """Warm the live generation in a background thread unless one is warming already;
    returns whether a thread was started."""
    state = _state(app)
    with state.lock:
        if state.running:
            return False
        state.running = True
    threading.Thread(target=_warm, args=(app, state), name="talash-warm", daemon=True).start()
    return True


def _freeze():
    """Leave the warmed tables out of Python's full garbage collections. They are hundreds of
    thousands of long-lived objects (term sets, word caches) that every full collection
    scanned: one such pause took 341 ms at 100,000 documents, 50 ms with them frozen, and
    a request caught in it waits that long. Thawed and collected first, so what a previous
    generation left behind is freed (once per warm-up, in this background thread)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _warm(app: Flask, state: Warming):
    from web.views import get_searcher

    try:
        with app.app_context():
            searcher = get_searcher()
            generation = searcher.generation
            if state.warm != generation:
                searcher.warm()
                _freeze()
                state.warm = generation
    except Exception as exc:  # noqa: BLE001 - optional: requests still answer (or 503 and why)
        app.logger.warning("talash: index not warmed: %s", exc)
    finally:
        state.running = False
