"""Documents: the record talash indexes, the readers that make them, and their validation.

A reader yields ``Document`` for every good record and ``Rejected`` (source, line, reason)
for every bad one, so one malformed line never stops the rest from being indexed.
"""

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from search.analysis.normalize import fold_digits, normalize
from search.errors import SourceError

FIELDS = ("id", "title", "body", "url", "date", "site", "category", "lang")


@dataclass
class Document:
    id: str
    body: str
    title: str = ""
    url: str = ""
    date: datetime | None = None
    site: str = ""
    category: str = ""
    lang: str = ""
    source: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def content_hash(self) -> str:
        """A hash of everything that is indexed, to tell a changed document from the same."""
        data = {k: v for k, v in asdict(self).items() if k in FIELDS}
        data["date"] = self.date.isoformat() if self.date else ""
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.blake2b(blob, digest_size=16).hexdigest()


@dataclass
class Rejected:
    source: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.source}:{self.line}: {self.reason}"


URDU_MONTHS = ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر",
               "اکتوبر", "نومبر", "دسمبر")
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december")
_MONTHS = {name: i for names in (URDU_MONTHS, ENGLISH_MONTHS)
           for i, name in enumerate(names, start=1)}
_MONTHS.update({name[:3]: i for i, name in enumerate(ENGLISH_MONTHS, start=1)})
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+(\w+)\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^(\w+)\.?\s+(\d{1,2})\s+(\d{4})$")


def parse_date(value) -> datetime | None:
    """A date in ISO 8601 or a common news form; ``None`` for empty; ``ValueError`` otherwise.

    >>> [parse_date(d).date().isoformat() for d in ("2022-05-06", "May 6, 2022",
    ...                                             "6 مئی 2022", "08 نومبر ، 2024")]
    ['2022-05-06', '2022-05-06', '2022-05-06', '2024-11-08']
    """
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"date must be a string, got {type(value).__name__}")
    text = fold_digits(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    words = " ".join(re.sub(r"[,\u060c]", " ", normalize(text)).split())
    m = _DAY_MONTH_YEAR.match(words)
    if m and m.group(2) in _MONTHS:
        return datetime(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    m = _MONTH_DAY_YEAR.match(words)
    if m and m.group(1) in _MONTHS:
        return datetime(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    raise ValueError("expected ISO 8601 (2024-11-08) or a form like 'May 6, 2022', "
                     "'6 مئی 2022'")


def from_record(record, source: str, line: int) -> Document | Rejected:
    """Validate one decoded record (a dict) into a Document."""
    if not isinstance(record, dict):
        return Rejected(source, line, "record is not a JSON object")
    doc_id = record.get("id")
    if doc_id is None or str(doc_id).strip() == "":
        return Rejected(source, line, "missing id")
    body = record.get("body")
    if not isinstance(body, str) or not body.strip():
        return Rejected(source, line, f"document {doc_id!r}: empty body")
    try:
        date = parse_date(record.get("date"))
    except ValueError as exc:
        return Rejected(source, line, f"document {doc_id!r}: unparseable date "
                                      f"{record.get('date')!r} ({exc})")
    text = {k: _text(record.get(k)) for k in ("title", "url", "site", "category", "lang")}
    return Document(id=str(doc_id).strip(), body=body, date=date, source=source, line=line,
                    **text)


def _text(value) -> str:
    return "" if value is None else str(value)


def read_jsonl(path: str | Path) -> Iterator[Document | Rejected]:
    """Read a JSON Lines file (``-`` is standard input)."""
    source = "<stdin>" if str(path) == "-" else str(path)
    try:
        handle = sys.stdin.buffer if str(path) == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise SourceError(f"cannot read {source}: {exc.strerror}. Check the path.") from exc
    with handle:
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


def read_sources(paths: Iterable[str | Path]) -> Iterator[Document | Rejected]:
    """Read every source in turn; a duplicate id (first one wins) is rejected."""
    seen: dict[str, str] = {}
    for path in paths:
        for item in read_jsonl(path):
            if isinstance(item, Document):
                first = seen.get(item.id)
                if first is not None:
                    item = Rejected(item.source, item.line,
                                    f"duplicate id {item.id!r} (first at {first})")
                else:
                    seen[item.id] = f"{item.source}:{item.line}"
            yield item
