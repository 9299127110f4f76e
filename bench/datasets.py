"""Loaders for the shared evaluation data (read at run time, never copied into the repo).

The data lives in ``../shared/data`` relative to the repo root; set ``TALASH_DATA_DIR`` to
point elsewhere. TSVs are read with a plain tab split: some headlines contain ``"``, which the
csv module would treat as quoting.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

Query = tuple[str, str]
Qrels = dict[str, dict[str, int]]


class DataMissing(RuntimeError):
    """The evaluation data is not available; the message says what is missing and why."""


@dataclass(frozen=True)
class Spec:
    docs: str
    queries: str
    qrels: str
    split: str | None  # value of the queries' `split` column to keep; None: no such column
    title_masked: bool  # default for evaluation


SPECS: dict[str, Spec] = {
    # Known-item: the query is the article's headline, so the index must not contain it.
    "news": Spec("news/docs.jsonl", "news/queries-dev.tsv", "news/qrels-dev.tsv", None, True),
    "ahadis": Spec("ahadis/docs.jsonl", "ahadis/queries.tsv", "ahadis/qrels.tsv", "dev", False),
}


@dataclass
class Dataset:
    name: str
    docs: list[dict]
    queries: list[Query]
    qrels: Qrels


def data_dir() -> Path:
    """The data folder: $TALASH_DATA_DIR, else ../shared/data next to the repo."""
    env = os.environ.get("TALASH_DATA_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def _path(rel: str) -> Path:
    path = data_dir() / rel
    if not path.is_file():
        raise DataMissing(
            f"evaluation data not found: {path} "
            "(expected ../shared/data next to the repo; set TALASH_DATA_DIR to override)"
        )
    return path


def _spec(name: str) -> Spec:
    try:
        return SPECS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(SPECS)}") from None


def read_tsv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a headed TSV as dicts, split on tabs only (no quote handling)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path}: empty file")
    header = lines[0].split("\t")
    missing = [col for col in required if col not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; header is {header}")
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise ValueError(f"{path}:{lineno}: {len(fields)} fields, header has {len(header)}")
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


def load_docs(name: str, title_masked: bool | None = None) -> list[dict]:
    """Documents as dicts (id, title, body, ...). ``title_masked`` empties every title;
    None uses the dataset's evaluation default (True for news)."""
    spec = _spec(name)
    masked = spec.title_masked if title_masked is None else title_masked
    docs = []
    with _path(spec.docs).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                doc = json.loads(line)
                doc.setdefault("title", "")
                if masked:
                    doc["title"] = ""
                docs.append(doc)
    return docs


def load_queries(name: str, limit: int | None = None) -> list[Query]:
    """(qid, text) pairs of the dev split, in file order; the first ``limit`` if given."""
    spec = _spec(name)
    required = ("qid", "query") + (("split",) if spec.split else ())
    rows = read_tsv(_path(spec.queries), required)
    queries = [(r["qid"], r["query"]) for r in rows if not spec.split or r["split"] == spec.split]
    return queries[:limit] if limit is not None else queries


def load_qrels(name: str) -> Qrels:
    """qid -> {docid: relevance} for every query in the file (all splits)."""
    qrels: Qrels = {}
    for r in read_tsv(_path(_spec(name).qrels), ("qid", "docid", "rel")):
        qrels.setdefault(r["qid"], {})[r["docid"]] = int(r["rel"])
    return qrels


def load(name: str, limit: int | None = None, title_masked: bool | None = None) -> Dataset:
    """Docs, dev queries and the qrels restricted to those queries."""
    queries = load_queries(name, limit)
    all_qrels = load_qrels(name)
    qrels = {qid: all_qrels[qid] for qid, _ in queries if qid in all_qrels}
    return Dataset(name, load_docs(name, title_masked), queries, qrels)


def write_report(path: Path, text: str):
    """Write a benchmark's markdown report (making its folder) and print it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(text)
