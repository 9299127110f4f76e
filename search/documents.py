"""Documents: the record talash indexes, its validation, and the fields derived when absent.

``from_record`` turns one decoded record (a dict from JSON Lines, a CSV row, or a file of a
folder tree) into a ``Document``, or into a ``Rejected`` that names the source, the line and
the reason, so one malformed record never stops the rest from being indexed. The readers of
each source type are in ``search.sources``.

Derived fields: ``lang`` from the script mix (see ``detect_lang``) and ``site`` from the URL's
host, each only when the record leaves it empty.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from search.analysis.normalize import fold_digits, normalize

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
    """A bad record: where it is and why. ``id`` is set when the record named one, so that
    ``--prune`` does not delete a document whose new version is merely broken."""

    source: str
    line: int
    reason: str
    id: str = field(default="", compare=False)

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


# Letters only (no digits, punctuation or marks) of the Arabic script and of the Latin one.
_ARABIC_LETTERS = re.compile(
    "[\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\ufb50-\ufdfb\ufe70-\ufefc]")
_LATIN_LETTERS = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
URDU_SHARE = 0.6
ENGLISH_SHARE = 0.2


def detect_lang(text: str) -> str:
    """``ur``, ``en`` or ``mixed`` from the share of Arabic-script letters among the Arabic-
    and Latin-script letters of ``text``: at least 60% is ``ur``, at most 20% is ``en``, and
    between is ``mixed``; ``""`` when there is no letter of either script. (The cut-offs
    separate the sample corpus's hand-labelled records exactly: its Urdu articles that quote
    English stay above 65%, its mixed ones sit near 40-50%.)

    >>> [detect_lang(t) for t in ("لاہور میں بارش", "Rain in Lahore",
    ...                           "PSL کا میچ Lahore Qalandars نے جیت لیا", "۲۰۲۴")]
    ['ur', 'en', 'mixed', '']
    """
    arabic = len(_ARABIC_LETTERS.findall(text))
    latin = len(_LATIN_LETTERS.findall(text))
    if arabic + latin == 0:
        return ""
    share = arabic / (arabic + latin)
    if share >= URDU_SHARE:
        return "ur"
    if share <= ENGLISH_SHARE:
        return "en"
    return "mixed"


def site_from_url(url: str) -> str:
    """The URL's host in lower case, without a leading ``www.``; ``""`` when there is none.

    >>> site_from_url("https://www.Dawnnews.tv/news/1098133/")
    'dawnnews.tv'
    """
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return ""
    return host.removeprefix("www.")


def from_record(record, source: str, line: int) -> Document | Rejected:
    """Validate one decoded record (a dict) into a Document, deriving ``lang`` and ``site``
    when they are empty."""
    if not isinstance(record, dict):
        return Rejected(source, line, "record is not a JSON object")
    doc_id = record.get("id")
    if isinstance(doc_id, bool) or not isinstance(doc_id, str | int | None):
        return Rejected(source, line, f"id must be text or a whole number, not "
                                      f"{type(doc_id).__name__}")
    doc_id = "" if doc_id is None else str(doc_id).strip()
    if not doc_id:
        return Rejected(source, line, "missing id")
    body = record.get("body")
    if body is not None and not isinstance(body, str):
        return Rejected(source, line, f"document {doc_id!r}: body must be text, not "
                                      f"{type(body).__name__}", doc_id)
    if body is None or not body.strip():
        return Rejected(source, line, f"document {doc_id!r}: empty body", doc_id)
    try:
        date = parse_date(record.get("date"))
    except ValueError as exc:
        return Rejected(source, line, f"document {doc_id!r}: unparseable date "
                                      f"{record.get('date')!r} ({exc})", doc_id)
    text = {k: _text(record.get(k)) for k in ("title", "url", "site", "category", "lang")}
    text["lang"] = text["lang"] or detect_lang(f"{text['title']} {body}")
    text["site"] = text["site"] or site_from_url(text["url"])
    return Document(id=doc_id, body=body, date=date, source=source, line=line, **text)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_sources(paths):
    """Read every source in turn (see ``search.sources.read_sources``)."""
    from search.sources import read_sources as read  # that module builds on this one

    return read(paths)
