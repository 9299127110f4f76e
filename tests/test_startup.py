"""Startup checks: the app refuses to start, with one line saying what to change, when no
request could ever be answered: a wrong index directory, an index built by another analyzer
version, a setting that does not parse. A missing or damaged index inside an existing
directory is the other case: the app starts and says 503 until a reindex (test_faults.py).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from search.analysis.analyzers import ANALYZER_VERSION
from search.generations import CURRENT, META
from tests.conftest import ROOT, free_port
from web import StartupError, create_app

FIX = "talash reindex SOURCE --index"


@pytest.fixture
def other_version(sample_index, tmp_path) -> Path:
    """A copy of the sample index that says another analyzer version built it."""
    root = tmp_path / "old-index"
    shutil.copytree(sample_index, root)
    meta_path = root / (root / CURRENT).read_text().strip() / META
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "analyzer_version": "0-old"}))
    return root


def refusals(tmp_path: Path, other_version: Path, sample_index: Path
             ) -> dict[str, tuple[dict, str]]:
    """Environment → the exact line the refusal prints."""
    aliases = tmp_path / "aliases.txt"
    aliases.write_text("US | امریکہ\nPTI\n", encoding="utf-8")
    missing = tmp_path / "no-such-dir"
    a_file = tmp_path / "a-file"
    a_file.write_text("not an index")
    return {
        "missing-dir": ({"TALASH_INDEX_DIR": str(missing)},
                        f"the index directory {missing} does not exist. Set TALASH_INDEX_DIR to "
                        f"the directory talash reindex wrote, or create it with: {FIX} {missing}"),
        "a-file": ({"TALASH_INDEX_DIR": str(a_file)},
                   f"the index directory {a_file} is a file, not a directory. Set "
                   "TALASH_INDEX_DIR to the directory talash reindex wrote, or create it with: "
                   f"{FIX} {a_file}"),
        "other-version": ({"TALASH_INDEX_DIR": str(other_version)},
                          f"the index at {other_version} was built by analyzer version '0-old', "
                          f"this talash uses {ANALYZER_VERSION!r}: reindex needed ({FIX} "
                          f"{other_version}); then start the server again"),
        "bad-workers": ({"TALASH_WORKERS": "two"},
                        "TALASH_WORKERS='two' is not a valid int; unset it or fix its value"),
        "bad-max-per-page": ({"TALASH_MAX_PER_PAGE": "0"},
                             "TALASH_MAX_PER_PAGE='0' must be 1 or more; unset it or fix its "
                             "value"),
        "bad-timeout": ({"TALASH_TIMEOUT": "30s"},
                        "TALASH_TIMEOUT='30s' is not a valid int; unset it or fix its value"),
        "malformed-alias-file": (
            {"TALASH_INDEX_DIR": str(sample_index), "TALASH_ALIASES": str(aliases)},
            f"{aliases}:2: a group needs at least two different forms separated by '|', found "
            "1 in 'PTI'; add the other forms or delete the line (TALASH_ALIASES)"),
    }


CASES = ["missing-dir", "a-file", "other-version", "bad-workers", "bad-max-per-page",
         "bad-timeout", "malformed-alias-file"]


@pytest.mark.parametrize("case", CASES)
def test_create_app_refuses(case, tmp_path, other_version, sample_index, monkeypatch):
    env, line = refusals(tmp_path, other_version, sample_index)[case]
    monkeypatch.setenv("TALASH_INDEX_DIR", str(sample_index))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if case.startswith("bad-"):  # settings are read first, and stop the process
        with pytest.raises(SystemExit) as stopped:
            create_app()
        assert str(stopped.value) == f"talash: {line}"
    else:
        with pytest.raises(StartupError) as refused:
            create_app()
        assert str(refused.value) == line


def test_an_existing_directory_without_an_index_starts(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path)}).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["error"]["message"] == (
        f"no index at {tmp_path}. Build one with: {FIX} {tmp_path}")


def gunicorn(env: dict) -> subprocess.CompletedProcess:
    """Run the project's gunicorn until it stops on its own (30 s at most: a server that
    started, or a crash loop, fails the test by the timeout)."""
    full = {"PATH": "/usr/bin:/bin", "PORT": str(free_port()), "TALASH_WORKERS": "2", **env}
    return subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                           "wsgi:app"], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=30)


@pytest.mark.parametrize("case", CASES)
def test_gunicorn_refuses_to_start_with_one_clear_line(case, tmp_path, other_version,
                                                       sample_index):
    env, line = refusals(tmp_path, other_version, sample_index)[case]
    done = gunicorn({"TALASH_INDEX_DIR": str(sample_index), **env})
    assert done.returncode == 1
    prefix = "talash: " if case.startswith("bad-") else "talash: cannot start: "
    assert done.stderr.strip().splitlines()[-1] == prefix + line
    assert "Traceback" not in done.stderr
    assert "Booting worker" not in done.stderr  # refused by the master: no worker, no loop


def test_talash_serve_refuses_a_wrong_index_too(tmp_path):
    missing = tmp_path / "nowhere"
    done = subprocess.run([sys.executable, "-m", "search.cli", "serve", "--index", str(missing),
                           "--bind", f"127.0.0.1:{free_port()}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(
        f"talash: cannot start: the index directory {missing} does not exist.")


def test_the_master_never_imports_the_engine(sample_index):
    """gunicorn's master runs the startup check in a child process: holding the engine's
    modules itself, it would fork workers with the old code on ``kill -HUP``."""
    probe = ("import runpy, sys; conf = runpy.run_path('gunicorn.conf.py'); "
             "conf['on_starting'](None); print(sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('search', 'whoosh', 'icu', 'numpy')))")
    env = {"PATH": "/usr/bin:/bin", "TALASH_INDEX_DIR": str(sample_index)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
