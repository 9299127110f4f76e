"""Readers for every kind of source ``talash reindex`` takes, chosen by the path:

- ``*.jsonl`` / ``*.ndjson``: one JSON object per line; ``-`` reads JSON Lines from stdin;
- ``*.csv``: a header row names the fields (``id`` and ``body`` are required);
- a folder: every ``.txt``, ``.md`` and ``.html`` file below it is one document whose id is
  its path relative to the folder (hidden files and folders are skipped); a single such file
  is a document too, with its file name as id.

Each reader yields ``Document`` or ``Rejected`` (source, line, reason) and never stops at a bad
record. Every source must be UTF-8.
"""

import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

from search.documents import Document, Rejected, from_record
from search.errors import SourceError

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html"}
# Boilerplate that is never article text: dropped before the text is taken.
HTML_NOISE = "script, style, noscript, template, nav, header, footer, aside, form, iframe, svg"
HTML_BLOCKS = "p, div, li, br, tr, h1, h2, h3, h4, h5, h6, pre, blockquote, section, article"
# Where a page states its date and its own URL: (selector, attribute), first found wins.
HTML_DATES = (('meta[property="article:published_time"]', "content"),
              ('meta[itemprop="datePublished"]', "content"), ('meta[name="date"]', "content"),
              ("time[datetime]", "datetime"))
HTML_URLS = (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content"))

Item = Document | Rejected


def read_sources(paths: Iterable[str | Path]) -> Iterator[Item]:
    """Read every source in turn; a duplicate id (the first one wins) is rejected.

    Every path is checked before anything is read, so a typo fails at once with
    ``SourceError`` rather than after an hour of indexing the other sources."""
    readers = [_reader(str(path)) for path in paths]
    return _deduplicated(item for read in readers for item in read())


def _reader(path: str):
    if path == "-":
        return lambda: read_jsonl("-")
    where = Path(path)
    if where.is_dir():
        return lambda: read_tree(where)
    if not where.exists():
        raise SourceError(f"cannot read {path}: no such file or folder. Check the path.")
    suffix = where.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return lambda: read_jsonl(where)
    if suffix == ".csv":
        return lambda: read_csv(where)
    if suffix in TEXT_SUFFIXES:
        return lambda: read_tree(where.parent, [where])
    raise SourceError(f"cannot tell what kind of source {path} is: name it *.jsonl or *.csv, "
                      "or give a folder of .txt, .md and .html files")


def _deduplicated(items: Iterable[Item]) -> Iterator[Item]:
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Document):
            first = seen.get(item.id)
            if first is not None:
                item = Rejected(item.source, item.line,
                                f"duplicate id {item.id!r} (first at {first})", item.id)
            else:
                seen[item.id] = f"{item.source}:{item.line}"
        yield item


def _open(path: str | Path, source: str):
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller's ``with``
    except OSError as exc:
        raise SourceError(f"cannot read {source}: {exc.strerror}. Check the path.") from exc


def read_jsonl(path: str | Path) -> Iterator[Item]:
    """Read a JSON Lines file (``-`` is standard input)."""
    source = "<stdin>" if str(path) == "-" else str(path)
    with sys.stdin.buffer if source == "<stdin>" else _open(path, source) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield Rejected(source, number, f"bytes are not UTF-8 (at byte {exc.start})")
                continue
            except json.JSONDecodeError as exc:
                yield Rejected(source, number, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            yield from_record(record, source, number)


# News bodies can be longer than the csv module's default limit of 128 KiB per field.
csv.field_size_limit(64 * 1024 * 1024)


def read_csv(path: str | Path) -> Iterator[Item]:
    """Read a CSV file whose header row names the fields (any order, any case)."""
    source = str(path)
    with _open(path, source) as handle:
        # Decoding line by line (keeping bad bytes as surrogates) lets one bad row be
        # rejected on its own instead of failing the whole file.
        lines = (raw.decode("utf-8", errors="surrogateescape") for raw in handle)
        rows = csv.reader(_drop_bom(lines), strict=True)
        header = [name.strip().lower() for name in next(rows, [])]
        if "id" not in header or "body" not in header:
            raise SourceError(f"{source}:1: the header row must name the columns id and body "
                              f"(found: {', '.join(header) or 'nothing'})")
        while True:
            start = rows.line_num + 1
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Rejected(source, start, f"malformed CSV: {exc}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            yield _csv_row(row, header, source, start)


# Undecodable bytes, as ``errors="surrogateescape"`` keeps them.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _drop_bom(lines: Iterator[str]) -> Iterator[str]:
    for number, line in enumerate(lines):
        yield line.removeprefix("\ufeff") if number == 0 else line


def _csv_row(row: list[str], header: list[str], source: str, line: int) -> Item:
    if len(row) != len(header):
        return Rejected(source, line, f"row has {len(row)} fields, the header names "
                                      f"{len(header)}")
    for name, cell in zip(header, row, strict=True):
        if _ESCAPED_BYTE.search(cell):
            return Rejected(source, line, f"bytes are not UTF-8 (in the {name} field)")
    return from_record(dict(zip(header, row, strict=True)), source, line)


def read_tree(root: Path, files: Iterable[Path] | None = None) -> Iterator[Item]:
    """Read every text, Markdown and HTML file below ``root`` (or just ``files``), sorted."""
    if files is None:
        files = sorted(p for p in root.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES
                       and p.is_file() and not _hidden(p.relative_to(root)))
    for path in files:
        yield read_file(path, path.relative_to(root).as_posix())


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def read_file(path: Path, doc_id: str) -> Item:
    """One file as one document: title, body and, for HTML, date and URL from its metadata."""
    source = str(path)
    with _open(path, source) as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return Rejected(source, line, f"bytes are not UTF-8 (at byte {exc.start})", doc_id)
    kind = TEXT_SUFFIXES[path.suffix.lower()]
    if kind == "text":
        record = {"title": _first_line(text), "body": text.strip()}
    else:
        html = MarkdownIt().render(text) if kind == "markdown" else text
        record = html_record(html)
    return from_record({"id": doc_id, **record}, source, 1)


def html_record(html: str) -> dict:
    """Title, article text, date and URL of an HTML page.

    The title is the ``<title>``, else the first heading, else the first line. The text is
    that of ``<article>`` (else ``<main>``, else ``<body>``) without navigation, headers,
    footers, scripts and styles, one line per block element."""
    tree = LexborHTMLParser(html)
    title = _node_text(tree.css_first("title")) or _node_text(tree.css_first(
        "h1, h2, h3, h4, h5, h6"))
    for node in tree.css(HTML_NOISE):
        node.decompose()
    for node in tree.css(HTML_BLOCKS):
        node.insert_after("\n")  # so that block elements do not run into each other
    main = tree.css_first("article") or tree.css_first("main") or tree.body
    lines = (" ".join(line.split()) for line in (main.text() if main else "").splitlines())
    body = "\n".join(line for line in lines if line)
    return {"title": title or _first_line(body), "body": body,
            "date": _attribute(tree, HTML_DATES), "url": _attribute(tree, HTML_URLS)}


def _node_text(node) -> str:
    return " ".join(node.text().split()) if node is not None else ""


def _attribute(tree, places: tuple[tuple[str, str], ...]) -> str:
    for selector, name in places:
        node = tree.css_first(selector)
        value = (node.attributes.get(name) or "").strip() if node is not None else ""
        if value:
            return value
    return ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
