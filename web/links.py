"""Helpers the page's templates use: links that keep the search's state, safe hrefs, labels.

Every facet, sort and page link is a plain ``/?…`` URL built from the current parameters, so
the page works without JavaScript and each state of a search can be shared.
"""

from datetime import date
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, url_for

from search.querying import FILTER_FIELDS

FACET_LABELS = {"site": "ویب سائٹ", "category": "زمرہ", "lang": "زبان", "year": "سال"}
LANG_LABELS = {"ur": "اردو", "en": "انگریزی", "mixed": "اردو و انگریزی"}
SORT_LABELS = {"relevance": "موزونیت", "date": "تازہ ترین"}
URDU_MONTHS = ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر",
               "اکتوبر", "نومبر", "دسمبر")
FACET_LIMIT = 8  # values shown per facet; the rest are reachable by typing site:… etc.


def url_with(args: dict, **changes) -> str:
    """``/?…`` for the current search with ``changes`` (None removes a parameter).

    Any change other than ``page`` starts again from page 1.
    """
    merged = {**args, **changes}
    if "page" not in changes:
        merged["page"] = 1
    if merged.get("per_page") == current_app.config["DEFAULT_PER_PAGE"]:
        merged["per_page"] = None
    if merged.get("sort") == "relevance":
        merged["sort"] = None
    if merged.get("page") == 1:
        merged["page"] = None
    order = ("q", *FILTER_FIELDS, "sort", "per_page", "page")
    query = urlencode([(k, merged[k]) for k in order if merged.get(k) not in (None, "")])
    return url_for("talash.page") + ("?" + query if query else "")


def safe_href(url: str | None) -> str | None:
    """``url`` if it is a web address; None for anything else (``javascript:``, ``data:``…)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def facet_value_label(name: str, value) -> str:
    return LANG_LABELS.get(str(value), str(value)) if name == "lang" else str(value)


def explain(matched) -> str:
    """A short text for a hit's optional ``matched`` field, whatever shape the engine gives."""
    if matched is None or matched == "" or matched == [] or matched == {}:
        return ""
    if isinstance(matched, dict):
        if "query" in matched and "form" in matched:  # the engine's {query, form, via}
            return f"{matched['query']} → {matched['form']}"
        return " → ".join(explain(v) for v in matched.values() if explain(v))
    if isinstance(matched, list | tuple | set):
        return "، ".join(part for part in map(explain, matched) if part)
    return str(matched)


def urdu_date(iso: str) -> str:
    """``2024-03-04`` → ``4 مارچ 2024``; anything unexpected is shown as given."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{day.day} {URDU_MONTHS[day.month - 1]} {day.year}"


def page_numbers(page: int, total: int, per_page: int) -> list[int | None]:
    """Pages to link around ``page``: first, last, two either side; None marks a gap."""
    last = max(1, min(-(-total // per_page), current_app.config["MAX_PAGE"]))
    shown = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def static_url(filename: str) -> str:
    return url_for("static", filename=filename, v=current_app.config["VERSION"])


def install(app: Flask) -> None:
    app.jinja_env.globals.update(
        url_with=url_with, safe_href=safe_href, facet_value_label=facet_value_label,
        explain=explain, page_numbers=page_numbers, static_url=static_url, urdu_date=urdu_date,
        FACET_LABELS=FACET_LABELS, SORT_LABELS=SORT_LABELS, FACET_LIMIT=FACET_LIMIT,
        FILTER_FIELDS=FILTER_FIELDS,
    )
