"""The talash command line, through click's runner and once as a real process."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from search.cli import main
from tests.conftest import ROOT, write_jsonl

DOCS = [
    {"id": "c1", "title": "لاہور میں بارش", "body": "لاہور میں آج تیز بارش ہوئی۔",
     "date": "2024-01-02"},
    {"id": "c2", "title": "Lahore rain", "body": "Heavy rain fell in Lahore today."},
    {"id": "c3", "title": "کراچی", "body": "کراچی میں بارش نہیں ہوئی۔"},
]


@pytest.fixture
def built(tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    index = tmp_path / "ix"
    result = CliRunner().invoke(main, ["reindex", str(source), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return index


def test_reindex_prints_a_summary(tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", [*DOCS, "{broken"])
    result = CliRunner().invoke(main, ["reindex", str(source), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0
    assert f"rejected {source}:4: invalid JSON" in result.output
    assert "indexed 3 documents, rejected 1" in result.output


def test_reindex_strict_aborts_and_keeps_live_index(built, tmp_path):
    source = write_jsonl(tmp_path / "bad.jsonl", [{"id": "x", "body": ""}])
    result = CliRunner().invoke(main, ["reindex", str(source), "--index", str(built), "--strict"])
    assert result.exit_code == 5
    assert f"Error: {source}:1: document 'x': empty body; nothing was changed" in result.output
    out = CliRunner().invoke(main, ["search", "بارش", "--index", str(built), "--json"])
    assert [h["id"] for h in json.loads(out.output)["results"]] == ["c1", "c3"]


def test_search_text_output(built):
    result = CliRunner().invoke(main, ["search", "لاہور", "--index", str(built)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("2 results (all words")
    assert [line.split()[1] for line in lines[1:]] == ["c1", "c2"]


def test_search_reads_queries_from_stdin(built):
    result = CliRunner().invoke(main, ["search", "--index", str(built), "--limit", "1"],
                                input="لاہور\nrain\n")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["query"] for r in rows] == ["لاہور", "rain"]
    assert [[h["id"] for h in r["results"]] for r in rows] == [["c1"], ["c2"]]
    assert set(rows[0]) == {"query", "total", "mode", "suggestion", "results"}


def test_search_without_index_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["search", "x", "--index", str(tmp_path / "none")])
    assert result.exit_code == 3
    assert result.output.startswith("Error: no index at ")
    assert "talash reindex SOURCE" in result.output


def test_index_dir_from_environment(built):
    result = CliRunner().invoke(main, ["search", "rain", "--json"],
                                env={"TALASH_INDEX_DIR": str(built)})
    assert [h["id"] for h in json.loads(result.output)["results"]] == ["c2"]


def test_analyze_json_lists_every_field():
    result = CliRunner().invoke(main, ["analyze", "خوب صورت Elections", "--json"])
    fields = json.loads(result.output)
    assert fields["strict"] == ["خوب", "صورت", "elections"]
    assert fields["join"] == ["خوبصورت"]
    assert fields["stem"] == ["election"]
    assert set(fields) == {"strict", "loose", "join", "stem", "xkey"}


def test_real_process_round_trip(tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    talash = [sys.executable, "-m", "search.cli"]
    build = subprocess.run([*talash, "reindex", str(source), "--index", str(tmp_path / "ix")],
                           cwd=ROOT, capture_output=True, text=True, check=True)
    assert "indexed 3 documents" in build.stdout
    found = subprocess.run([*talash, "search", "کراچی", "--index", str(tmp_path / "ix"),
                            "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert [h["id"] for h in json.loads(found.stdout)["results"]] == ["c3"]
