"""Settings: declared once as data, read in layers (defaults → environment → test mapping).

Every setting is an environment variable ``TALASH_<NAME>``; the README's configuration table
lists them all (a test checks it). The web app and ``gunicorn.conf.py`` both read them here.
"""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    kind: type
    help: str
    minimum: int = 1  # for whole-number settings


SETTINGS = (
    Setting("INDEX_DIR", "indexes/default", str, "Index directory to serve."),
    Setting("MAX_PER_PAGE", 50, int, "Largest `per_page` a request gets; larger is clamped."),
    Setting("DEFAULT_PER_PAGE", 10, int, "Results per page when a request does not say."),
    Setting("MAX_PAGE", 1000, int,
            "Deepest `page` a request may ask for; deeper is a 400 (bounds deep-paging work)."),
    Setting("ALIASES", "", str,
            "Alias file of names that are translations, not transliterations (US ↔ امریکہ); "
            "empty: the built-in `search/analysis/data/aliases.txt`. Read at start-up."),
    Setting("CORS_ORIGINS", "", str,
            "Comma-separated origins allowed to call the JSON API from a browser (`*` for any); "
            "empty: no CORS headers."),
    Setting("CACHE_SECONDS", 60, int,
            "`Cache-Control: max-age` of search responses (they also carry an `ETag`); "
            "0 asks caches to revalidate every time.", minimum=0),
    Setting("RESULT_CACHE", 1024, int,
            "Answers each worker process keeps, by query, page and filters, for the live "
            "generation (a new generation empties it); 0 turns the cache off.", minimum=0),
    Setting("BIND", "", str,
            "gunicorn's listen address, e.g. `0.0.0.0:8000` or `unix:/run/talash.sock`; "
            "empty: `127.0.0.1:$PORT`."),
    Setting("WORKERS", 4, int,
            "gunicorn worker processes (two per core of the 2-core machine measured best)."),
    Setting("THREADS", 1, int,
            "Threads per gunicorn worker (a second one cost CPU and tail latency, measured)."),
    Setting("TIMEOUT", 30, int, "Seconds before gunicorn restarts a worker stuck on a request."),
    Setting("ACCESS_LOG", "-", str, "Where gunicorn writes the access log (`-`: stdout)."),
    Setting("ERROR_LOG", "-", str, "Where gunicorn writes errors and app logs (`-`: stderr)."),
    Setting("LOG_LEVEL", "info", str, "gunicorn's log level (`debug`, `info`, `warning`, …)."),
)
PREFIX = "TALASH_"


def load(overrides: dict | None = None) -> dict:
    """Defaults, then ``TALASH_*`` environment variables, then ``overrides``."""
    config = {}
    for s in SETTINGS:
        raw = os.environ.get(PREFIX + s.name)
        value = s.default if raw is None else raw
        try:
            config[s.name] = s.kind(value)
        except ValueError:
            raise SystemExit(f"talash: {PREFIX}{s.name}={raw!r} is not a valid "
                             f"{s.kind.__name__}; unset it or fix its value") from None
        if s.kind is int and config[s.name] < s.minimum:
            raise SystemExit(f"talash: {PREFIX}{s.name}={raw!r} must be {s.minimum} or more; "
                             "unset it or fix its value")
    config.update(overrides or {})
    return config


def cors_origins(value: str) -> list[str]:
    """``TALASH_CORS_ORIGINS`` as a list: ``["*"]``, named origins, or none."""
    origins = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
    return ["*"] if "*" in origins else origins
