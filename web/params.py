"""A request's search parameters, read, validated and clamped in one place (page and API alike)."""

from flask import current_app, request

from search.querying import FILTER_FIELDS, MAX_QUERY_CHARS
from web.errors import ApiError

SORTS = ("relevance", "date")
# Every query parameter /search and / understand; /openapi.json documents exactly these.
PARAMS = ("q", "page", "per_page", "sort", *FILTER_FIELDS)


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    # ASCII digits only: int() would also take "١٢" or "1_000", which no form sends.
    sign, digits = (raw[0], raw[1:]) if raw[:1] in ("+", "-") else ("", raw)
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 100):
        raise ApiError(400, "bad_request",
                       f"{name} must be a whole number such as 1 or 20, got {raw[:40]!r}")
    return int(sign + digits)


def search_args() -> dict:
    """The request's search parameters: ``page`` checked, ``per_page`` clamped, filters kept.

    Raises ApiError (400) with a message that says what to send instead.
    """
    config = current_app.config
    page = _int_arg("page", 1)
    if page < 1:
        raise ApiError(400, "bad_request", "page must be 1 or more; the first page is 1")
    per_page = max(1, min(_int_arg("per_page", config["DEFAULT_PER_PAGE"]),
                          config["MAX_PER_PAGE"]))
    if page > config["MAX_PAGE"]:
        raise ApiError(400, "bad_request",
                       f"page must be {config['MAX_PAGE']} or less; to reach results that deep, "
                       "narrow the query or add a filter instead")
    sort = request.args.get("sort", "relevance").strip()
    if sort not in SORTS:
        raise ApiError(400, "bad_request",
                       f"sort must be 'relevance' or 'date', got {sort[:40]!r}")
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise ApiError(400, "bad_request",
                       f"q must be {MAX_QUERY_CHARS} characters or fewer, got {len(q)}; "
                       "search for the key words instead")
    filters = {f: request.args[f].strip() for f in FILTER_FIELDS if request.args.get(f, "").strip()}
    return {"q": q, "page": page, "per_page": per_page, "sort": sort, **filters}
