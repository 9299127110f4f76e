"""The talash web app: a search page at ``/`` and a JSON API at ``/search``."""

from pathlib import Path

from flask import Flask

from web import config as settings


def create_app(config: dict | None = None) -> Flask:
    """Application factory. ``config`` overrides the defaults and environment (for tests)."""
    app = Flask(__name__)
    app.config.update(settings.load(config))
    app.config["INDEX_DIR"] = str(Path(app.config["INDEX_DIR"]).resolve())
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from web import errors, views

    app.register_blueprint(views.bp)
    errors.register(app)
    return app
