"""Headers: a security policy on every response, caching keyed by index generation, CORS.

The page uses only files from ``/static`` (no inline script or style), so the content security
policy can forbid everything else. Search responses are cacheable: their weak ``ETag`` names
the index generation, the request's canonical parameters and the code's version, so a reindex
or a deploy changes it and a repeated request is answered ``304 Not Modified`` without searching.
"""

import hashlib
import json
from pathlib import Path

from flask import Flask, current_app, request
from flask_cors import CORS

from web.config import cors_origins

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
API_PATHS = r"^/(search|healthz|openapi\.json)$"


def code_version(package_dir: Path) -> str:
    """A short hash of the web package's files: changes whenever a deploy changes the page."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_tag(generation: str, args: dict) -> str:
    """The ETag of a search answer: same generation, same parameters, same code → same tag."""
    key = json.dumps([current_app.config["VERSION"], generation, request.path,
                      sorted(args.items())], ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def is_fresh(tag: str) -> bool:
    """True when the client already holds the answer tagged ``tag`` (If-None-Match)."""
    return request.if_none_match.contains_weak(tag)


def not_modified(tag: str):
    return cacheable(current_app.response_class(status=304), tag)


def cacheable(response, tag: str):
    seconds = current_app.config["CACHE_SECONDS"]
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={seconds}" if seconds else "no-cache"
    return response


def _secure(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def install(app: Flask) -> None:
    """Security headers on every response; CORS on the API when configured."""
    app.after_request(_secure)
    origins = cors_origins(app.config["CORS_ORIGINS"])
    if origins:
        CORS(app, resources={API_PATHS: {"origins": origins}}, methods=["GET", "HEAD"],
             expose_headers=["ETag"], allow_headers=["If-None-Match"], max_age=600,
             send_wildcard=origins == ["*"], vary_header=True)
