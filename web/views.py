"""The search page (``/``), the JSON API (``/search``), ``/healthz`` and ``/openapi.json``."""

import json
import threading
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, make_response, render_template

from search.errors import TalashError
from search.querying import FILTER_FIELDS, Searcher
from web import warming
from web.errors import error_body
from web.headers import cache_tag, cacheable, is_fresh, not_modified
from web.params import search_args

bp = Blueprint("talash", __name__)

# The API's stable fields, in order; anything else the engine returns stays internal.
RESULT_FIELDS = ("query", "total", "page", "per_page", "took_ms", "mode", "suggestion",
                 "facets", "results")
HIT_FIELDS = ("id", "title", "url", "date", "site", "category", "lang", "score", "snippet")
OPTIONAL_HIT_FIELDS = ("matched",)
OPENAPI = Path(__file__).with_name("openapi.json")
_opening = threading.Lock()


def get_searcher() -> Searcher:
    """One Searcher per process, opened lazily (gunicorn forks workers before requests).
    Opened under a lock: the warm-up thread and the first requests of a starting worker ask
    at once, and a second Searcher would leave the warmed one unused."""
    searcher = current_app.extensions.get("talash.searcher")
    if searcher is None:
        with _opening:
            searcher = current_app.extensions.get("talash.searcher")
            if searcher is None:
                searcher = Searcher(current_app.config["INDEX_DIR"],
                                    aliases=current_app.extensions.get("talash.aliases"),
                                    cache_size=current_app.config["RESULT_CACHE"])
                current_app.extensions["talash.searcher"] = searcher
    return searcher


def public_hit(hit: dict) -> dict:
    out = {k: hit.get(k) for k in HIT_FIELDS}
    out.update({k: hit[k] for k in OPTIONAL_HIT_FIELDS if hit.get(k)})
    return out


def public_result(result: dict) -> dict:
    """The engine's answer cut to the documented fields, in the documented order."""
    out = {k: result.get(k) for k in RESULT_FIELDS}
    out["results"] = [public_hit(h) for h in result["results"]]
    return out


def _answer(args: dict, search_needed: bool, render):
    """Search with ``args`` unless the client's copy is current (then 304), and render."""
    searcher = get_searcher()
    tag = cache_tag(searcher.generation, args)
    if is_fresh(tag):
        return not_modified(tag)
    result = searcher.search(**args) if search_needed else None
    if result is not None and result.get("generation"):  # a reindex may have landed since
        tag = cache_tag(result["generation"], args)
    return cacheable(make_response(render(result)), tag)


@bp.get("/search")
def search_api():
    return _answer(search_args(), True, lambda result: jsonify(public_result(result)))


@bp.get("/")
def page():
    args = search_args()
    filters = {f: args[f] for f in FILTER_FIELDS if f in args}
    return _answer(args, bool(args["q"].strip() or filters), lambda result: render_template(
        "index.html", args=args, result=result, filters=filters))


@bp.get("/healthz")
def healthz():
    try:
        searcher = get_searcher()
        generation = searcher.generation
        warm = warming.is_warm(current_app, generation)
        if not warm:  # a starting worker, or a reindex since: warm it in the background
            warming.start(current_app._get_current_object())
        body = {"status": "ok", "generation": generation, "documents": searcher.doc_count(),
                "warm": warm}
    except TalashError as exc:
        current_app.logger.error("health check failed: %s", exc)
        body = {"status": "unavailable", **error_body("index_unavailable", str(exc))}
        response = jsonify(body)
        response.status_code = 503
    else:
        response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@cache
def _openapi_text() -> str:
    return OPENAPI.read_text(encoding="utf-8")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document, with this server's limits filled in."""
    spec = json.loads(_openapi_text())
    config = current_app.config
    parameters = spec["components"]["parameters"]
    parameters["per_page"]["schema"]["default"] = config["DEFAULT_PER_PAGE"]
    parameters["page"]["schema"]["maximum"] = config["MAX_PAGE"]
    spec["components"]["schemas"]["SearchResponse"]["properties"]["per_page"]["maximum"] = (
        config["MAX_PER_PAGE"])
    response = jsonify(spec)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
