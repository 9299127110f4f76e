"""One JSON error shape for the API, plain HTML pages for people, and no tracebacks shown."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import IndexCorrupt, IndexMissing, QueryError, ReindexNeeded


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _wants_json() -> bool:
    return request.path != "/"


def _respond(status: int, code: str, message: str):
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


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
        return _respond(503, "index_unavailable", str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = (exc.name or "error").lower().replace(" ", "_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s", request.path)
        return _respond(500, "internal_error", "Something went wrong on our side; the error "
                        "was logged. Try again, or report it with the time of the request.")
