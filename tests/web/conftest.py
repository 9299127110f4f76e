"""Fixtures for the web tests: an index of hostile documents, a real gunicorn with its logs
kept, and headless Chromium driven through Debian's chromedriver."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from search.documents import read_sources
from search.indexing import build_index
from tests.conftest import ROOT, free_port, wait_for, write_jsonl
from web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OUTPUT = ROOT / "test-output" / "web"

# Documents whose every field tries to inject markup or script into the page.
HOSTILE = [
    {"id": "h1", "title": "<script>alert('title')</script> لاہور",
     "body": "لاہور <script>alert('body')</script> میں <b>bold</b> & \"quotes\" "
             "<img src=x onerror=alert(1)>",
     "url": "javascript:alert('url')", "site": "\"><img src=x onerror=alert(2)>",
     "category": "<i>cat</i>", "date": "2024-01-02"},
    {"id": "h2", "title": "لاہور data link", "body": "لاہور کی خبر",
     "url": "data:text/html,<b>x</b>",
     "site": "safe.example", "category": "news", "date": "2024-01-03"},
    {"id": "h3", "title": "لاہور plain", "body": "لاہور کی ایک اور خبر",
     "url": "https://safe.example/a?b=1&c=<2>", "site": "safe.example", "category": "news",
     "date": "2024-01-04"},
]


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-index")
    source = write_jsonl(root.parent / "hostile.jsonl", HOSTILE)
    summary = build_index(root, read_sources([source]))
    assert summary.indexed == len(HOSTILE) and not summary.rejected
    return root


@pytest.fixture
def hostile_client(hostile_index):
    return create_app({"INDEX_DIR": str(hostile_index), "TESTING": True}).test_client()


def start_gunicorn(index: Path, log_dir: Path, any_status: bool = False, **env_extra):
    """gunicorn with the project's config on a free port; returns (process, base URL) once
    /healthz answers 200 (with ``any_status``: answers at all, e.g. 503)."""
    port = free_port()
    env = dict(os.environ, TALASH_INDEX_DIR=str(index), PORT=str(port),
               TALASH_ACCESS_LOG=str(log_dir / "access.log"),
               TALASH_ERROR_LOG=str(log_dir / "error.log"), **env_extra)
    env.pop("TALASH_BIND", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", any_status=any_status)
    except OSError:
        proc.kill()
        proc.wait(timeout=10)
        raise
    return proc, base


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def web_server(sample_index, tmp_path_factory):
    """Real gunicorn over the sample index; yields (base URL, folder with its logs)."""
    logs = tmp_path_factory.mktemp("gunicorn-logs")
    proc, base = start_gunicorn(sample_index, logs)
    try:
        yield base, logs
    finally:
        stop(proc)


def chrome(javascript: bool = True):
    """Headless Chromium through the system chromedriver; nothing is downloaded."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian's chromium and chromium-driver are missing: `make test` installs them"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must not fetch drivers
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="talash-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=ur",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(1280, 1000)
    quit_driver = driver.quit

    def quit_and_clean():  # the profile folder goes with the browser
        quit_driver()
        shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = chrome()
    yield driver
    driver.quit()
