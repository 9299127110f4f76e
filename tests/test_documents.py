"""Reading and validating sources: every source type, every kind of bad record, and the
fields derived when a record leaves them empty."""

import doctest
import json
from datetime import datetime

import pytest

from search import documents
from search.documents import Document, detect_lang, from_record, parse_date, site_from_url
from search.errors import SourceError
from search.sources import html_record, read_sources
from tests.conftest import SAMPLE, write_jsonl

BAD_DATE = "(expected ISO 8601 (2024-11-08) or a form like 'May 6, 2022', '6 مئی 2022')"


def report(items) -> list[str]:
    """Every item as the operator sees it: an id for a document, the message for a reject."""
    return [f"ok {i.id}" if isinstance(i, Document) else str(i) for i in items]


@pytest.mark.parametrize("text, expected", [
    ("2024-11-08", "2024-11-08T00:00:00"),
    ("2024-11-08T10:30:00Z", "2024-11-08T10:30:00"),
    ("2024-11-08T10:30:00+05:00", "2024-11-08T10:30:00"),
    ("May 6, 2022", "2022-05-06T00:00:00"),
    ("Nov 8 2024", "2024-11-08T00:00:00"),
    ("6 مئی 2022", "2022-05-06T00:00:00"),
    ("08 نومبر ، 2024", "2024-11-08T00:00:00"),
    ("۰۸ نومبر ۲۰۲۴", "2024-11-08T00:00:00"),
    ("۲۰۲۴-۱۱-۰۸", "2024-11-08T00:00:00"),
], ids=["iso", "iso-utc", "iso-offset", "english", "english-short", "urdu", "urdu-comma",
        "urdu-digits", "iso-urdu-digits"])
def test_parse_date(text, expected):
    assert parse_date(text).isoformat() == expected


@pytest.mark.parametrize("text, message", [
    ("yesterday", "expected ISO 8601"), ("2024-13-01", "expected ISO 8601"),
    ("May 2022", "expected ISO 8601"), ("32 مئی 2022", "day is out of range for month"),
])
def test_unparseable_dates_raise(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)


@pytest.mark.parametrize("text, lang", [
    ("لاہور میں آج تیز بارش ہوئی۔", "ur"),
    ("Heavy rain fell in Lahore today.", "en"),
    ("وزیر اعظم نے کہا کہ Pakistan will host the summit اگلے سال", "mixed"),
    ("عمران خان نے X پر لکھا: thank you", "ur"),
    ("The Urdu word لاہور names the city of Lahore in Punjab", "en"),
    ("۲۰۲۴ — 2024!", ""),
    ("", ""),
], ids=["urdu", "english", "half-and-half", "urdu-quoting-english", "english-quoting-urdu",
        "no-letters", "empty"])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_detect_lang_agrees_with_the_hand_labelled_sample():
    with open(SAMPLE, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert {r["lang"] for r in records} == {"ur", "en", "mixed"}
    assert [r["id"] for r in records
            if detect_lang(f"{r['title']} {r['body']}") != r["lang"]] == []


@pytest.mark.parametrize("url, site", [
    ("https://www.Khabarnama.example/pakistan/1", "khabarnama.example"),
    ("http://urdu.example.pk:8080/a?b=c", "urdu.example.pk"),
    ("not a url", ""),
    ("", ""),
])
def test_site_from_url(url, site):
    assert site_from_url(url) == site


def test_lang_and_site_are_derived_only_when_absent():
    derived = from_record({"id": "a", "body": "Rain in Lahore",
                           "url": "https://www.dunya.example/x"}, "s", 1)
    given = from_record({"id": "a", "body": "Rain in Lahore", "lang": "ur", "site": "mine",
                         "url": "https://www.dunya.example/x"}, "s", 1)
    assert (derived.lang, derived.site) == ("en", "dunya.example")
    assert (given.lang, given.site) == ("ur", "mine")


def test_jsonl_every_kind_of_bad_record(tmp_path):
    source = tmp_path / "docs.jsonl"
    write_jsonl(source, [
        {"id": "d1", "body": "لاہور میں بارش"},
        "{not json",
        {"title": "no id", "body": "x"},
        {"id": "e", "body": "  "},
        {"id": "d1", "body": "again"},
        {"id": "f", "body": "ٹھیک", "date": "yesterday"},
        '["a", "list"]',
        {"id": ["x"], "body": "y"},
        {"id": "g", "body": 42},
        "",
        {"id": 7, "body": "numbers make ids too", "date": "6 مئی 2022"},
    ])
    with open(source, "ab") as handle:
        handle.write(b'{"id": "h", "body": "\xd9"}\n')
    assert report(read_sources([source])) == [
        "ok d1",
        f"{source}:2: invalid JSON: Expecting property name enclosed in double quotes "
        "(column 2)",
        f"{source}:3: missing id",
        f"{source}:4: document 'e': empty body",
        f"{source}:5: duplicate id 'd1' (first at {source}:1)",
        f"{source}:6: document 'f': unparseable date 'yesterday' {BAD_DATE}",
        f"{source}:7: record is not a JSON object",
        f"{source}:8: id must be text or a whole number, not list",
        f"{source}:9: document 'g': body must be text, not int",
        "ok 7",
        f"{source}:12: bytes are not UTF-8 (at byte 21)",
    ]


def test_csv_header_names_the_fields(tmp_path):
    source = tmp_path / "docs.csv"
    source.write_text(
        "\ufeffBody,ID,date,url,extra\n"
        '"لاہور میں بارش\nدوسری سطر",c1,08 نومبر ، 2024,https://www.khabar.example/1,x\n'
        "Rain in Lahore,c2,,,\n", "utf-8")
    docs = list(read_sources([source]))
    assert [(d.id, d.line, d.body, d.date, d.site, d.lang) for d in docs] == [
        ("c1", 2, "لاہور میں بارش\nدوسری سطر", datetime(2024, 11, 8), "khabar.example", "ur"),
        ("c2", 4, "Rain in Lahore", None, "", "en"),
    ]


def test_csv_bad_rows_have_line_numbers(tmp_path):
    source = tmp_path / "docs.csv"
    source.write_bytes(
        b"id,title,body,date\n"
        b'c1,ok,"a body that\nspans two lines",\n'
        b'c2,quote,"broken"quote,\n'
        b"c3,bytes,\xff\xfe,\n"
        b"c4,short\n"
        b",no id,body,\n"
        b"c5,,   ,\n"
        b"c6,when,body,someday\n"
        b"\n"
        b"c1,again,body,\n"
        b"c7,fine,last body,2024-01-02\n")
    assert report(read_sources([source])) == [
        "ok c1",
        f"{source}:4: malformed CSV: ',' expected after '\"'",
        f"{source}:5: bytes are not UTF-8 (in the body field)",
        f"{source}:6: row has 2 fields, the header names 4",
        f"{source}:7: missing id",
        f"{source}:8: document 'c5': empty body",
        f"{source}:9: document 'c6': unparseable date 'someday' {BAD_DATE}",
        f"{source}:11: duplicate id 'c1' (first at {source}:2)",
        "ok c7",
    ]


def test_csv_without_id_or_body_column_is_refused(tmp_path):
    source = tmp_path / "docs.csv"
    source.write_text("name,text\na,b\n", "utf-8")
    with pytest.raises(SourceError, match=r"docs.csv:1: the header row must name the columns "
                                          r"id and body \(found: name, text\)"):
        list(read_sources([source]))


def make_tree(root):
    (root / "urdu" / "2024").mkdir(parents=True)
    (root / ".drafts").mkdir()
    (root / "urdu" / "2024" / "barish.txt").write_text(
        "\n  لاہور میں بارش\n\nلاہور میں آج تیز بارش ہوئی۔\n", "utf-8")
    (root / "notes.md").write_text(
        "Some intro\n\n## Karachi weather\n\nIt was **hot** in [Karachi](https://x.example)"
        " today.\n", "utf-8")
    (root / "page.html").write_text(
        "<html><head><title>کراچی میں گرمی | خبرنامہ</title><style>p {color: red}</style>"
        '<meta property="article:published_time" content="2024-06-01T09:00:00+05:00">'
        '<link rel="canonical" href="https://www.khabarnama.example/karachi"></head>'
        "<body><nav><a href='/'>صفحہ اول</a> <a href='/sports'>کھیل</a></nav>"
        "<header>خبرنامہ</header><article><h1>کراچی میں گرمی</h1><p>کراچی میں آج "
        "<b>شدید</b> گرمی رہی۔</p><script>track('view')</script><p>Heat in Karachi.</p>"
        "</article><aside>مزید خبریں</aside><footer>© خبرنامہ</footer></body></html>",
        "utf-8")
    (root / ".drafts" / "secret.txt").write_text("not for the index", "utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")
    (root / "empty.txt").write_text(" \n", "utf-8")
    (root / "latin1.txt").write_bytes("first line\ncaf\xe9\n".encode("latin-1"))


def test_folder_tree_of_text_markdown_and_html(tmp_path):
    make_tree(tmp_path)
    items = list(read_sources([tmp_path]))
    assert report(items) == [
        f"{tmp_path / 'empty.txt'}:1: document 'empty.txt': empty body",
        f"{tmp_path / 'latin1.txt'}:2: bytes are not UTF-8 (at byte 14)",
        "ok notes.md", "ok page.html", "ok urdu/2024/barish.txt",
    ]
    notes, page, barish = items[2:]
    assert (barish.title, barish.body, barish.lang) == (
        "لاہور میں بارش", "لاہور میں بارش\n\nلاہور میں آج تیز بارش ہوئی۔", "ur")
    assert (notes.title, notes.body, notes.lang) == (
        "Karachi weather", "Some intro\nKarachi weather\nIt was hot in Karachi today.", "en")
    assert (page.title, page.body) == (
        "کراچی میں گرمی | خبرنامہ", "کراچی میں گرمی\nکراچی میں آج شدید گرمی رہی۔\n"
                                   "Heat in Karachi.")
    assert (page.date, page.url, page.site, page.lang) == (
        datetime(2024, 6, 1, 9), "https://www.khabarnama.example/karachi",
        "khabarnama.example", "ur")


@pytest.mark.parametrize("html, title, body", [
    ("<h2>سرخی</h2><p>متن</p>", "سرخی", "سرخی\nمتن"),
    ("<body>پہلی سطر<br>دوسری</body>", "پہلی سطر", "پہلی سطر\nدوسری"),
    ("<main><p>اصل</p></main><div>باقی</div>", "اصل", "اصل"),
    ("<p>one<span>word</span></p><p>two</p>", "oneword", "oneword\ntwo"),
], ids=["first-heading", "first-line", "main-only", "inline-vs-block"])
def test_html_title_and_text(html, title, body):
    record = html_record(html)
    assert (record["title"], record["body"]) == (title, body)


def test_single_text_file_is_a_source(tmp_path):
    make_tree(tmp_path)
    assert report(read_sources([tmp_path / "notes.md"])) == ["ok notes.md"]


def test_several_sources_share_the_duplicate_check(tmp_path):
    make_tree(tmp_path / "tree")
    jsonl = write_jsonl(tmp_path / "a.jsonl", [{"id": "page.html", "body": "پہلے یہ"}])
    csv_file = tmp_path / "b.csv"
    csv_file.write_text("id,body\nb1,Rain\n", "utf-8")
    got = report(read_sources([jsonl, csv_file, tmp_path / "tree"]))
    assert got == [
        "ok page.html", "ok b1",
        f"{tmp_path / 'tree' / 'empty.txt'}:1: document 'empty.txt': empty body",
        f"{tmp_path / 'tree' / 'latin1.txt'}:2: bytes are not UTF-8 (at byte 14)",
        "ok notes.md",
        f"{tmp_path / 'tree' / 'page.html'}:1: duplicate id 'page.html' (first at {jsonl}:1)",
        "ok urdu/2024/barish.txt",
    ]


@pytest.mark.parametrize("name, message", [
    ("missing.jsonl", "cannot read {path}: no such file or folder. Check the path."),
    ("docs.xml", "cannot tell what kind of source {path} is: name it *.jsonl or *.csv, or "
                 "give a folder of .txt, .md and .html files"),
])
def test_unusable_source_fails_before_reading(tmp_path, name, message):
    good = write_jsonl(tmp_path / "good.jsonl", [{"id": "a", "body": "b"}])
    path = tmp_path / name
    if name.endswith(".xml"):
        path.write_text("<docs/>", "utf-8")
    with pytest.raises(SourceError) as caught:
        read_sources([good, path])
    assert str(caught.value) == message.format(path=path)


def test_docstring_examples():
    results = doctest.testmod(documents)
    assert results.attempted >= 3 and results.failed == 0
