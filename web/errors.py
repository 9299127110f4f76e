"""One JSON error shape for the API, plain HTML pages for people, and no tracebacks shown.

Every 4xx and 5xx from the API is ``{"error": {"code": ..., "message": ...}}``; the search
page (``/``) shows the same message as HTML with the search box, so the reader can go on.
"""

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import IndexCorrupt, IndexMissing, QueryError, ReindexNeeded

PAGE_PATHS = ("/",)


class ApiError(Exception):
    """A request we refuse with ``status``; ``message`` says what to send instead."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _respond(status: int, code: str, message: str, headers=None):
    if request.path in PAGE_PATHS:
        response = make_response(render_template("error.html", status=status, message=message,
                                                 q=request.args.get("q", "")))
    else:
        response = jsonify(error_body(code, message))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers or ():
        response.headers[name] = value
    return response


HTTP_MESSAGES = {
    404: "not found: the API answers GET /search?q=…, GET /healthz and GET /openapi.json",
    405: "method not allowed: use GET",
}


def register(app):
    @app.errorhandler(ApiError)
    def api_error(exc):
        return _respond(exc.status, exc.code, exc.message)

    @app.errorhandler(QueryError)
    def query_error(exc):
        return _respond(400, "bad_request", str(exc))

    @app.errorhandler(IndexMissing)
    @app.errorhandler(IndexCorrupt)
    @app.errorhandler(ReindexNeeded)
    def index_unavailable(exc):
        app.logger.error("index unavailable: %s", exc)
        return _respond(503, "index_unavailable", str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = (exc.name or "error").lower().replace(" ", "_")
        message = HTTP_MESSAGES.get(exc.code) or exc.description or exc.name
        # 405 must say which methods are allowed; keep the header werkzeug computed.
        kept = [(k, v) for k, v in exc.get_headers() if k == "Allow"]
        return _respond(exc.code or 500, code, message, kept)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s", request.path)
        return _respond(500, "internal_error", "Something went wrong on our side; the error "
                        "was logged. Try again, or report it with the time of the request.")
