"""The ``talash`` command: a thin layer over the engine (reindex, search, analyze, serve)."""

import json
import os
import sys
from pathlib import Path

import click

from search.errors import BadRecords, TalashError

DEFAULT_INDEX = "indexes/default"


def _index_option(f):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
        default=lambda: os.environ.get("TALASH_INDEX_DIR", DEFAULT_INDEX),
        show_default=DEFAULT_INDEX,
        help="Index directory (env TALASH_INDEX_DIR).")(f)


class _Group(click.Group):
    """Turns engine errors into a one-line ``Error: …`` and their exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TalashError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group)
@click.version_option(package_name="talash")
def main():
    """talash: search for Urdu text with English mixed in."""


@main.command()
@click.argument("sources", nargs=-1, required=True)
@_index_option
@click.option("--strict", is_flag=True, help="Abort, leaving the live index untouched, if any "
              "record is bad.")
@click.option("--update", is_flag=True, help="Add new ids, replace changed ones and leave "
              "unchanged ones alone, instead of rebuilding.")
@click.option("--prune", is_flag=True, help="With --update: delete ids no longer in SOURCES.")
@click.option("--keep", type=click.IntRange(min=1), default=2, show_default=True,
              help="Generations to keep on disk, the live one included.")
@click.option("--procs", type=click.IntRange(min=1), default=None,
              help="Processes that analyze and write a rebuild (default: one per "
              "core, up to 4, fewer for a small corpus). An --update runs in one.")
def reindex(sources, index_dir, strict, update, prune, keep, procs):
    """Build a fresh index from SOURCES, or bring it up to date with --update.

    SOURCES are JSON Lines files (*.jsonl; - reads standard input), CSV files whose header row
    names the fields (*.csv), and folders of .txt, .md and .html files (one document each, its
    id the path inside the folder). Bad records are reported and skipped. The new index goes
    live only when complete; a running server picks it up on its next search. A rebuild
    process holds up to a share of the machine's memory in postings before it writes a
    segment; TALASH_BUILD_MEMORY_MB (256 or more) sets that amount instead.
    """
    from search.documents import read_sources
    from search.indexing import build_index, update_index
    from search.progress import Progress

    if prune and not update:
        raise click.UsageError("--prune works with --update; a full reindex already drops "
                               "the ids that are not in SOURCES.")
    items = read_sources(sources)
    with Progress("updating" if update else "indexing") as progress:
        def report(bad):
            progress.write(f"rejected {bad}")

        if strict:
            items = _strict(items, report)
        args = dict(progress=progress.update, on_reject=report, keep=keep, procs=procs)
        if update:
            summary = update_index(index_dir, items, prune=prune, **args)
        else:
            summary = build_index(index_dir, items, **args)
    click.echo(summary.line())


def _strict(items, report):
    """Pass the good records on; at the first bad one, read the rest only to list every bad
    record (reading is fast, indexing is not), then abort before anything goes live."""
    from search.documents import Rejected

    items = iter(items)
    for item in items:
        if isinstance(item, Rejected):
            report(item)
            more = 0
            for rest in items:
                if isinstance(rest, Rejected):
                    report(rest)
                    more += 1
            also = f" and {more} more (listed above)" if more else ""
            raise BadRecords(f"{item}{also}; nothing was changed (--strict). Fix the "
                             f"record{'s' if more else ''} or drop --strict to index the "
                             "good ones.")
        yield item


@main.command(name="search")
@click.argument("query", required=False)
@_index_option
@click.option("--limit", default=10, show_default=True, help="How many results.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per query.")
def search_command(query, index_dir, limit, as_json):
    """Search the index for QUERY; without QUERY, read queries from stdin, one per line, and
    print one JSON object per line."""
    from search.querying import Searcher

    searcher = Searcher(index_dir)
    if query is None:
        for line in sys.stdin:
            text = line.rstrip("\n")
            click.echo(json.dumps(_cli_result(searcher.search(text, per_page=limit)),
                                  ensure_ascii=False))
        return
    result = searcher.search(query, per_page=limit)
    if as_json:
        click.echo(json.dumps(_cli_result(result), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result['total']} results ({result['mode']} words, {result['took_ms']} ms)")
    for rank, hit in enumerate(result["results"], start=1):
        click.echo(f"{rank:>3}. {hit['id']}  {hit['score']:.3f}  {hit['title']}")


def _cli_result(result: dict) -> dict:
    keep = ("query", "total", "mode", "suggestion", "results")
    return {k: result[k] for k in keep}


@main.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analyze(text, as_json):
    """Show the terms each field gets for TEXT: the tool for a search that surprises you."""
    from search.analysis.analyzers import FIELDS, TalashAnalyzer

    fields = {f: [t.text for t in TalashAnalyzer(f)(text)] for f in FIELDS}
    if as_json:
        click.echo(json.dumps(fields, ensure_ascii=False, indent=2))
        return
    for name, terms in fields.items():
        click.echo(f"{name:>7}: {' '.join(terms)}")


@main.command()
@_index_option
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:$PORT or :8000).")
def serve(index_dir, bind):
    """Serve the search page and JSON API with gunicorn and the project's config."""
    root = Path(__file__).resolve().parent.parent
    os.environ["TALASH_INDEX_DIR"] = str(index_dir.resolve())
    args = [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py")]
    if bind:
        args += ["--bind", bind]
    os.chdir(root)
    os.execv(sys.executable, args + ["wsgi:app"])


if __name__ == "__main__":
    main()
