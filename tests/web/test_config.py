"""Settings: declared once in web/config.py, documented in the README, read by gunicorn."""

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from web import config


def readme_table() -> dict[str, list[str]]:
    """The README's configuration table: variable → its other cells."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_each_setting_is_in_the_readme_table(setting):
    row = readme_table().get(config.PREFIX + setting.name)
    assert row, f"README's configuration table lacks {config.PREFIX}{setting.name}"
    default = "(empty)" if setting.default == "" else f"`{setting.default}`"
    assert row[0] == default and row[1] == setting.help


def test_the_readme_table_names_no_unknown_setting():
    declared = {config.PREFIX + s.name for s in config.SETTINGS}
    documented = {name for name in readme_table() if name.startswith(config.PREFIX)}
    assert documented == declared


def test_layers_defaults_environment_overrides(monkeypatch):
    monkeypatch.setenv("TALASH_MAX_PER_PAGE", "20")
    monkeypatch.setenv("TALASH_CORS_ORIGINS", "https://a.example")
    loaded = config.load({"MAX_PER_PAGE": 30})
    assert loaded["MAX_PER_PAGE"] == 30 and loaded["CORS_ORIGINS"] == "https://a.example"
    assert loaded["DEFAULT_PER_PAGE"] == 10


@pytest.mark.parametrize("name, value, message", [
    ("WORKERS", "two", "TALASH_WORKERS='two' is not a valid int; unset it or fix its value"),
    ("MAX_PER_PAGE", "0", "TALASH_MAX_PER_PAGE='0' must be 1 or more"),
    ("CACHE_SECONDS", "-1", "TALASH_CACHE_SECONDS='-1' must be 0 or more"),
])
def test_bad_values_stop_with_the_fix(monkeypatch, name, value, message):
    monkeypatch.setenv(config.PREFIX + name, value)
    with pytest.raises(SystemExit, match=re.escape(message)):
        config.load()


@pytest.mark.parametrize("value, origins", [
    ("", []), (" ", []), ("*", ["*"]), ("https://a.example, *", ["*"]),
    ("https://a.example/, https://b.example", ["https://a.example", "https://b.example"]),
])
def test_cors_origins(value, origins):
    assert config.cors_origins(value) == origins


def test_gunicorn_reads_the_settings():
    env = {"TALASH_WORKERS": "3", "TALASH_THREADS": "5", "TALASH_TIMEOUT": "45",
           "TALASH_BIND": "unix:/tmp/talash-test.sock", "PATH": "/usr/bin:/bin"}
    probe = ("import runpy; c = runpy.run_path('gunicorn.conf.py'); "
             "print(c['workers'], c['threads'], c['timeout'], c['bind'], c['worker_class'])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ["3", "5", "45", "unix:/tmp/talash-test.sock", "gthread"]
    env = {"PORT": "9123", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out[3] == "127.0.0.1:9123"
