"""The search page (``/``), the JSON API (``/search``) and the health check (``/healthz``)."""

from flask import Blueprint, current_app, g, jsonify, render_template, request

from search.errors import TalashError
from search.querying import FILTER_FIELDS, Searcher
from web.errors import ApiError

bp = Blueprint("talash", __name__)


def get_searcher() -> Searcher:
    """One Searcher per process, opened lazily (gunicorn forks workers before requests)."""
    searcher = current_app.extensions.get("talash.searcher")
    if searcher is None:
        searcher = Searcher(current_app.config["INDEX_DIR"])
        current_app.extensions["talash.searcher"] = searcher
    return searcher


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be a whole number, got {raw!r}") from None


def search_args() -> dict:
    """The request's search parameters, validated and clamped in one place."""
    config = current_app.config
    page = _int_arg("page", 1)
    if page < 1:
        raise ApiError(400, "bad_request", "page must be 1 or more")
    per_page = max(1, min(_int_arg("per_page", config["DEFAULT_PER_PAGE"]),
                          config["MAX_PER_PAGE"]))
    sort = request.args.get("sort", "relevance") or "relevance"
    if sort not in ("relevance", "date"):
        raise ApiError(400, "bad_request", f"sort must be 'relevance' or 'date', got {sort!r}")
    filters = {f: request.args[f] for f in FILTER_FIELDS if request.args.get(f)}
    return {"q": request.args.get("q", ""), "page": page, "per_page": per_page, "sort": sort,
            **filters}


@bp.get("/search")
def search_api():
    args = search_args()
    result = get_searcher().search(**args)
    result.pop("generation", None)
    return jsonify(result)


@bp.get("/")
def page():
    args = search_args()
    result = get_searcher().search(**args) if args["q"] else None
    return render_template("index.html", args=args, result=result)


@bp.get("/healthz")
def healthz():
    try:
        searcher = get_searcher()
        body = {"status": "ok", "generation": searcher.generation,
                "documents": searcher.doc_count()}
    except TalashError as exc:
        response = jsonify({"status": "unavailable", "error": str(exc)})
        response.status_code = 503
        return response
    g.healthy = True
    return jsonify(body)
