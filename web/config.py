"""Settings: declared once as data, read in layers (defaults → environment → test mapping).

Every setting is an environment variable ``TALASH_<NAME>``; the README's configuration table
lists them all (a test checks it).
"""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    kind: type
    help: str


SETTINGS = (
    Setting("INDEX_DIR", "indexes/default", str, "Index directory to serve."),
    Setting("MAX_PER_PAGE", 50, int, "Largest `per_page` a request gets; larger is clamped."),
    Setting("DEFAULT_PER_PAGE", 10, int, "Results per page when a request does not say."),
    Setting("CORS_ORIGINS", "", str,
            "Comma-separated origins allowed to call `/search` from a browser (`*` for any); "
            "empty: no CORS headers."),
    Setting("CACHE_SECONDS", 60, int, "`Cache-Control: max-age` of search responses."),
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
    config.update(overrides or {})
    return config
