"""The talash web app: a search page at ``/`` and a JSON API at ``/search``.

``create_app`` is the one factory; ``wsgi.py`` calls it for gunicorn. Settings come from
``web.config`` (defaults → ``TALASH_*`` environment → the mapping given here, for tests).
"""

import logging
from pathlib import Path

from flask import Flask

from web import config as settings

STATIC_MAX_AGE = 7 * 24 * 3600  # static URLs carry the code version, so a deploy busts them


def create_app(config: dict | None = None) -> Flask:
    """Application factory. ``config`` overrides the defaults and environment (for tests)."""
    app = Flask(__name__)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    app.config.update(settings.load(config))
    app.config["INDEX_DIR"] = str(Path(app.config["INDEX_DIR"]).resolve())
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    _log_through_gunicorn(app)

    from web import errors, headers, links, views

    app.config["VERSION"] = headers.code_version(Path(__file__).parent)
    app.register_blueprint(views.bp)
    errors.register(app)
    headers.install(app)
    links.install(app)
    return app


def _log_through_gunicorn(app: Flask) -> None:
    """Under gunicorn, the app's log lines (tracebacks of 500s, index problems) go where
    gunicorn's error log goes (``TALASH_ERROR_LOG``), at its level."""
    gunicorn = logging.getLogger("gunicorn.error")
    if gunicorn.handlers:
        app.logger.handlers = gunicorn.handlers
        app.logger.setLevel(gunicorn.level)
