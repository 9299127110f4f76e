"""Where the CPU of a ``/search`` request goes, in process, over the HTTP benchmark's URLs.

    python -m bench.http_profile --index /work/idx/s100k3 [--urls bench/work/http/search.lua]
                                 [--rounds 2] [--slowest 10]

The app is made as gunicorn makes it (``create_app``, result cache off), warmed as a worker
warms itself (``web.warming``), then asked for every URL of the wrk script ``bench.http_load``
wrote (``/search?q=…``) through Flask's test client, ``--rounds`` times. Each part of the
request path (engine, snippets, ``matched``, stored fields, suggestion, JSON) is timed by
wrapping it with a clock of this thread's CPU time, without a profiler's overhead. The parts
nest, so they do not add up: ``Searcher.search`` holds all but ``public_result`` and the JSON
response, and the suggestion holds a ``build_query`` of its own. The first round meets words
and queries the warm-up did not; later ones are warm.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

from bench import datasets

# (owner module, class or None, attribute, label): the parts of a request that are timed.
PARTS = (
    ("search.querying", "Searcher", "search", "Searcher.search (holds all but web parts)"),
    ("search.querying", "Searcher", "_run", "engine: ranked hits, total, facets"),
    ("search.snippets", "Highlighter", "snippet", "snippets"),
    ("search.querying", "Searcher", "_matched", "matched"),
    ("whoosh.reading", "SegmentReader", "stored_fields", "stored fields"),
    ("search.querying", "Searcher", "_suggestion", "suggestion"),
    ("search.querying", None, "build_query", "build_query"),
    ("search.snippets", "Highlighter", "__init__", "Highlighter()"),
    ("web.views", None, "public_result", "public_result"),
    ("flask.json.provider", "DefaultJSONProvider", "response", "JSON response"),
)


class Clock:
    """CPU seconds and calls per part, for the current round."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner, name: str, label: str):
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[label] += time.thread_time() - started
                self.calls[label] += 1

        setattr(owner, name, timed)


def urls(script: Path) -> list[str]:
    return re.findall(r'"(/search\?[^"]+)"', script.read_text("utf-8"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    work = datasets.REPO_ROOT / "bench" / "work" / "http"
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--urls", type=Path, default=work / "search.lua")
    p.add_argument("--warmup", type=Path, default=work / "warmup.lua")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--slowest", type=int, default=10, help="slowest requests to list")
    args = p.parse_args(argv)
    if not args.urls.exists():
        raise SystemExit(f"{args.urls} not found: run the HTTP benchmark once (python -m "
                         "bench.perf ... ) to write it, or pass --urls")
    import importlib

    from web import create_app, warming

    clock = Clock()
    for module, cls, name, label in PARTS:
        owner = importlib.import_module(module)
        clock.wrap(getattr(owner, cls) if cls else owner, name, label)
    app = create_app({"INDEX_DIR": str(args.index.resolve()), "RESULT_CACHE": 0})
    started = time.thread_time()
    warming._warm(app, warming._state(app))
    print(f"warm-up: {time.thread_time() - started:.1f} s CPU")
    client = app.test_client()
    for path in urls(args.warmup) if args.warmup.exists() else []:
        client.get(path)
    paths = urls(args.urls)
    for r in range(args.rounds):
        clock.seconds.clear()
        clock.calls.clear()
        each = []
        for path in paths:
            started = time.thread_time()
            status = client.get(path).status_code
            each.append((time.thread_time() - started, path))
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
        total = sum(s for s, _ in each)
        n = len(paths)
        print(f"\nround {r + 1}: {1000 * total / n:.2f} ms CPU a request over {n} URLs")
        for label, secs in sorted(clock.seconds.items(), key=lambda kv: -kv[1]):
            calls = clock.calls[label]
            print(f"  {label:42} {1000 * secs / n:7.3f} ms a request "
                  f"({calls} calls, {1e6 * secs / calls:.0f} us each)")
        each.sort(reverse=True)
        print(f"  slowest {args.slowest} (ms CPU):")
        for secs, path in each[:args.slowest]:
            print(f"    {1000 * secs:7.1f}  {unquote_plus(parse_qs(urlsplit(path).query)['q'][0])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
