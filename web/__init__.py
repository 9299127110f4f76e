"""The talash web app: a search page at ``/`` and a JSON API at ``/search``.

``create_app`` is the one factory; ``wsgi.py`` calls it for gunicorn. Settings come from
``web.config`` (defaults → ``TALASH_*`` environment → the mapping given here, for tests).

The app refuses to start when its settings are wrong (``startup_problem``): a bad
``TALASH_*`` value, an index directory that does not exist, an index built by another
analyzer version. A missing or damaged index inside an existing directory is not a reason:
the app starts and answers 503 with the fix until a reindex repairs it (README, Operations).
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
    problem = startup_problem(app.config["INDEX_DIR"], app.config["ALIASES"])
    if problem:
        raise StartupError(problem)
    from search.aliases import load

    app.extensions["talash.aliases"] = load(app.config["ALIASES"] or None)
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


class StartupError(Exception):
    """The app cannot serve with these settings; the message says what to change."""


def startup_problem(index_dir: str, aliases: str = "") -> str | None:
    """Why no request could ever be answered with this index directory, or None.

    A directory that does not exist is a wrong setting (a typo, a missing volume), and an
    index of another analyzer version belongs to another release of talash: both are fixed
    by the deployment, not by waiting. A directory without a (readable) index is served as
    503 until a reindex, so that a server can be started before the first reindex and never
    crash-loops over a damaged file."""
    # Imported here: gunicorn's master imports this package (for web.config) and must not
    # hold the engine's code, or ``kill -HUP`` would start workers with the old code.
    from search.aliases import AliasFileError, load
    from search.errors import IndexCorrupt, IndexMissing, ReindexNeeded
    from search.generations import live_generation

    try:
        load(aliases or None)  # a malformed alias file: file, line and the fix
    except AliasFileError as exc:
        return f"{exc} (TALASH_ALIASES)"

    root = Path(index_dir)
    if not root.is_dir():
        what = "is a file, not a directory" if root.exists() else "does not exist"
        return (f"the index directory {root} {what}. Set TALASH_INDEX_DIR to the directory "
                f"talash reindex wrote, or create it with: talash reindex SOURCE --index {root}")
    try:
        live_generation(root)
    except ReindexNeeded as exc:
        return f"{exc}; then start the server again"
    except (IndexMissing, IndexCorrupt):
        return None  # /healthz and every search answer 503 with the fix
    return None


def _log_through_gunicorn(app: Flask) -> None:
    """Under gunicorn, the app's log lines (tracebacks of 500s, index problems) go where
    gunicorn's error log goes (``TALASH_ERROR_LOG``), at its level."""
    gunicorn = logging.getLogger("gunicorn.error")
    if gunicorn.handlers:
        app.logger.handlers = gunicorn.handlers
        app.logger.setLevel(gunicorn.level)
