"""``talash reindex`` as an operator runs it: every source type in one run, stdin, --strict,
--update/--prune summaries, --keep, and the errors that say what to do next."""

import io
import json
import re

import pytest
from click.testing import CliRunner

from search.cli import main
from search.indexing import live_generation
from search.progress import Progress
from tests.conftest import write_jsonl

JSONL = [
    {"id": "j1", "title": "لاہور میں بارش", "body": "لاہور میں آج تیز بارش ہوئی۔",
     "date": "08 نومبر ، 2024", "url": "https://www.khabarnama.example/j1"},
    {"id": "j2", "title": "Lahore rain", "body": "Heavy rain fell in Lahore today."},
]


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def search(index, query, *filters) -> list[dict]:
    """Every hit for ``query``. Tests here compare sorted ids: they check what got indexed,
    and ranking is tested elsewhere."""
    result = run("search", f"{query} {' '.join(filters)}".strip(), "--index", index, "--json",
                 "--limit", 50)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"]


def summary_line(result) -> str:
    return result.output.strip().splitlines()[-1]


@pytest.fixture
def sources(tmp_path):
    jsonl = write_jsonl(tmp_path / "news.jsonl", JSONL)
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("id,title,body,site,lang\n"
                        "c1,کراچی,کراچی میں بارش نہیں ہوئی۔,,\n"
                        "c2,Karachi,No rain in Karachi today.,karachi.example,\n", "utf-8")
    tree = tmp_path / "pages"
    (tree / "2024").mkdir(parents=True)
    (tree / "2024" / "quetta.html").write_text(
        "<title>کوئٹہ میں برف باری</title><nav>بارش کی خبریں</nav>"
        "<article><p>کوئٹہ میں برف باری ہوئی۔</p></article>", "utf-8")
    (tree / "readme.md").write_text("# Murree\n\nSnow in Murree.\n", "utf-8")
    (tree / "note.txt").write_text("پشاور\nپشاور میں بارش۔\n", "utf-8")
    return jsonl, csv_file, tree


def test_every_source_type_in_one_run(sources, tmp_path):
    index = tmp_path / "ix"
    result = run("reindex", *sources, "--index", index)
    assert result.exit_code == 0, result.output
    assert summary_line(result).startswith("indexed 7 documents, rejected 0, in ")
    assert sorted(h["id"] for h in search(index, "بارش")) == ["c1", "j1", "note.txt"]
    assert [h["id"] for h in search(index, "برف")] == ["2024/quetta.html"]
    assert sorted((h["id"], h["lang"], h["site"]) for h in search(index, "rain")) == [
        ("c2", "en", "karachi.example"), ("j2", "en", "")]
    hits = search(index, "لاہور", "site:khabarnama.example")
    assert [(h["id"], h["site"], h["date"]) for h in hits] == [
        ("j1", "khabarnama.example", "2024-11-08")]
    assert [h["title"] for h in search(index, "Murree")] == ["Murree"]


def test_stdin_is_jsonl(tmp_path):
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in JSONL) + "{oops\n"
    result = run("reindex", "-", "--index", tmp_path / "ix", input=lines)
    assert result.exit_code == 0, result.output
    assert "rejected <stdin>:3: invalid JSON: Expecting property name enclosed in double " \
           "quotes (column 2)" in result.output
    assert summary_line(result).startswith("indexed 2 documents, rejected 1, in ")
    assert sorted(h["id"] for h in search(tmp_path / "ix", "Lahore")) == ["j1", "j2"]


def test_strict_lists_every_bad_record_and_changes_nothing(sources, tmp_path):
    index = tmp_path / "ix"
    assert run("reindex", sources[0], "--index", index).exit_code == 0
    live = live_generation(index).name
    bad = write_jsonl(tmp_path / "bad.jsonl", [
        {"id": "b1", "body": "اچھا"}, {"id": "b2", "body": ""}, {"id": "b3", "body": "ٹھیک"},
        {"id": "b4", "body": "x", "date": "kal"}])
    result = run("reindex", bad, "--index", index, "--strict")
    assert result.exit_code == 5
    assert result.output.splitlines() == [
        f"rejected {bad}:2: document 'b2': empty body",
        f"rejected {bad}:4: document 'b4': unparseable date 'kal' (expected ISO 8601 "
        "(2024-11-08) or a form like 'May 6, 2022', '6 مئی 2022')",
        f"Error: {bad}:2: document 'b2': empty body and 1 more (listed above); nothing was "
        "changed (--strict). Fix the records or drop --strict to index the good ones.",
    ]
    assert live_generation(index).name == live
    assert [p.name for p in index.glob("gen-*")] == [live]
    assert sorted(h["id"] for h in search(index, "Lahore")) == ["j1", "j2"]


def test_update_and_prune_report_their_counts(sources, tmp_path):
    jsonl, csv_file, tree = sources
    index = tmp_path / "ix"
    assert run("reindex", jsonl, csv_file, "--index", index).exit_code == 0
    write_jsonl(jsonl, [{**JSONL[0], "body": "لاہور میں آج ہلکی بارش ہوئی۔"},
                        {"id": "j3", "body": "ملتان میں آندھی"}, {"id": "j4", "body": ""}])
    result = run("reindex", jsonl, csv_file, tree, "--index", index, "--update")
    assert result.exit_code == 0, result.output
    assert f"rejected {jsonl}:3: document 'j4': empty body" in result.output
    assert summary_line(result).startswith(
        "added 4, updated 1, unchanged 2, deleted 0, rejected 1, in ")
    assert [h["id"] for h in search(index, "ہلکی")] == ["j1"]
    assert [h["id"] for h in search(index, "Heavy")] == ["j2"]

    result = run("reindex", jsonl, tree, "--index", index, "--update", "--prune")
    assert result.exit_code == 0, result.output
    assert summary_line(result).startswith(
        "added 0, updated 0, unchanged 5, deleted 3, rejected 1, in ")
    assert sorted(h["id"] for h in search(index, "بارش")) == ["j1", "note.txt"]
    assert search(index, "Karachi") == [] and search(index, "Heavy") == []

    again = run("reindex", jsonl, tree, "--index", index, "--update", "--prune")
    assert summary_line(again).startswith("added 0, updated 0, unchanged 5, deleted 0, ")
    assert summary_line(again).endswith("(nothing changed, still live)")


def test_prune_needs_update(sources, tmp_path):
    result = run("reindex", sources[0], "--index", tmp_path / "ix", "--prune")
    assert result.exit_code == 2
    assert "--prune works with --update; a full reindex already drops the ids that are not " \
           "in SOURCES." in result.output
    assert not (tmp_path / "ix").exists()


def test_keep_option(sources, tmp_path):
    index = tmp_path / "ix"
    for _ in range(3):
        assert run("reindex", sources[0], "--index", index, "--keep", 3).exit_code == 0
    assert len(list(index.glob("gen-*"))) == 3
    assert run("reindex", sources[0], "--index", index, "--keep", 1).exit_code == 0
    assert [p.name for p in index.glob("gen-*")] == [live_generation(index).name]
    assert run("reindex", sources[0], "--index", index, "--keep", 0).exit_code == 2


def test_missing_source_is_an_error_before_anything_happens(sources, tmp_path):
    result = run("reindex", sources[0], tmp_path / "nope.jsonl", "--index", tmp_path / "ix")
    assert result.exit_code == 2
    assert result.output == (f"Error: cannot read {tmp_path / 'nope.jsonl'}: no such file or "
                             "folder. Check the path.\n")
    assert not (tmp_path / "ix").exists()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_plain_lines_off_a_terminal():
    stream = io.StringIO()
    with Progress("indexing", every_seconds=0, stream=stream) as progress:
        progress.update(1)
        progress.write("rejected x:1: missing id")
        progress.update(2)
    lines = stream.getvalue().splitlines()
    assert [re.sub(r"\(\d+ docs/s\)", "(N docs/s)", line) for line in lines] == [
        "indexing: 1 docs (N docs/s)", "rejected x:1: missing id", "indexing: 2 docs (N docs/s)"]


def test_progress_is_a_bar_on_a_terminal():
    stream = Terminal()
    with Progress("indexing", stream=stream) as progress:
        for done in range(1, 4):
            progress.update(done)
        progress.write("rejected x:1: missing id")
    screen = stream.getvalue()
    assert "rejected x:1: missing id\n" in screen
    assert re.search(r"indexing: 3 docs \[[0-9:]+, [0-9.?]+ docs/s\]", screen), screen
