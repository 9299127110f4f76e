"""Search engines behind one interface, for relevance and speed comparisons.

Every engine is used as ``engine.build(docs, workdir)`` then ``engine.search(text, k)``, which
returns doc ids in rank order and never raises on any query text. Peers index ``title`` and
``body`` with their stock analysis and answer a plain OR of the query's terms, ranked by BM25.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from bench.datasets import REPO_ROOT

FIELDS = ("title", "body")


def clean(text: str) -> str:
    """Drop NULs and lone surrogates, which the C/Rust engines cannot encode."""
    return "".join(ch for ch in text if ch != "\0" and not "\ud800" <= ch <= "\udfff")


class Engine:
    name = "?"

    def __init__(self) -> None:
        self.notes: list[str] = []  # anything the report should mention about this run

    def build(self, docs: Iterable[dict], workdir: Path) -> None:
        raise NotImplementedError

    def search(self, query_text: str, k: int) -> list[str]:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def size_with_text(self, docs: list[dict], workdir: Path) -> int | None:
        """Bytes of an index that also stores title and body (what talash keeps for snippets
        and display), where this engine's benchmark index does not; None if it already does."""
        return None


class SqliteFts5(Engine):
    """SQLite FTS5, ``unicode61 remove_diacritics 2``, ranked by ``bm25()``."""

    name = "sqlite-fts5"

    def build(self, docs, workdir):
        self.db = sqlite3.connect(Path(workdir) / "fts5.db")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(docid UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        rows = ((d["id"], d.get("title") or "", d.get("body") or "") for d in docs)
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
        self.db.commit()

    @staticmethod
    def to_match(text: str) -> str:
        """Each whitespace token as an FTS5 string ("" escapes "), ORed together."""
        tokens = clean(text).split()
        return " OR ".join('"' + tok.replace('"', '""') + '"' for tok in tokens)

    def search(self, query_text, k):
        match = self.to_match(query_text)
        if not match:
            return []
        sql = "SELECT docid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"
        return [row[0] for row in self.db.execute(sql, (match, k))]

    def version(self):
        return f"SQLite {sqlite3.sqlite_version}"

    def close(self):
        self.db.close()


class StockWhoosh(Engine):
    """Whoosh with ``StandardAnalyzer`` on title and body, BM25F, OR of the analyzed terms."""

    name = "whoosh"

    def build(self, docs, workdir):
        from whoosh import fields, index
        from whoosh.analysis import StandardAnalyzer

        analyzer = StandardAnalyzer()
        schema = fields.Schema(
            id=fields.ID(stored=True, unique=True),
            title=fields.TEXT(analyzer=analyzer),
            body=fields.TEXT(analyzer=analyzer),
        )
        self.ix = index.create_in(str(workdir), schema)
        with self.ix.writer(limitmb=256) as writer:
            for d in docs:
                title, body = d.get("title") or "", d.get("body") or ""
                writer.add_document(id=d["id"], title=title, body=body)
        self.searcher = self.ix.searcher()

    def search(self, query_text, k):
        from whoosh.query import Or, Term

        # What MultifieldParser + OrGroup yields, minus the query syntax (which could misparse
        # punctuation in user text): every analyzed term, in every field, ORed.
        clauses = []
        for term in self._terms(query_text):
            clauses.append(Or([Term(field, term) for field in FIELDS]))
        if not clauses:
            return []
        return [hit["id"] for hit in self.searcher.search(Or(clauses), limit=k)]

    def _terms(self, text: str) -> list[str]:
        analyzer = self.ix.schema["body"].analyzer
        return [tok.text for tok in analyzer(clean(text), mode="query")]

    def version(self):
        import whoosh

        return f"whoosh-reloaded {whoosh.versionstring()}"

    def close(self):
        self.searcher.close()


class Tantivy(Engine):
    """tantivy (Python bindings), default tokenizer, BM25; the query is built from terms."""

    name = "tantivy"

    def build(self, docs, workdir):
        import tantivy

        self.schema, self.index = _tantivy_index(docs, workdir, stored_text=False)
        self.searcher = self.index.searcher()
        # Tantivy's "default" tokenizer: simple tokenizer, remove tokens > 40 bytes, lowercase.
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .build()
        )

    def search(self, query_text, k):
        from tantivy import Occur, Query

        clauses = [
            (Occur.Should, Query.term_query(self.schema, field, term))
            for term in self.analyzer.analyze(clean(query_text))
            for field in FIELDS
        ]
        if not clauses:
            return []
        hits = self.searcher.search(Query.boolean_query(clauses), limit=k, count=False).hits
        return [self.searcher.doc(addr)["id"][0] for _score, addr in hits]

    def size_with_text(self, docs, workdir):
        workdir.mkdir(parents=True, exist_ok=True)
        _tantivy_index(docs, workdir, stored_text=True)
        return sum(p.stat().st_size for p in workdir.rglob("*") if p.is_file())

    def version(self):
        return f"tantivy-py {metadata.version('tantivy')}"


def _tantivy_index(docs, workdir: Path, stored_text: bool):
    """A tantivy index of ``docs`` (id stored; title and body indexed with positions, and
    stored too if ``stored_text``), committed and merged; its schema and the index."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for field in FIELDS:
        builder.add_text_field(field, stored=stored_text)  # tokenizer "default"
    schema = builder.build()
    index = tantivy.Index(schema, path=str(workdir))
    writer = index.writer(heap_size=256_000_000)
    for d in docs:
        writer.add_document(
            tantivy.Document(id=d["id"], title=d.get("title") or "", body=d.get("body") or "")
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return schema, index


class Talash(Engine):
    """The project's own engine, through its public indexing/querying API."""

    name = "talash"
    snippets = False  # ranked hits with their stored fields: what the peers return, and more

    def build(self, docs, workdir):
        from search.indexing import build_index

        summary = build_index(Path(workdir), docs)
        rejected = getattr(summary, "rejected", None)
        if rejected:  # kept in the run (they count as misses) but reported
            self.notes.append(f"rejected {len(rejected)} document(s) at build, e.g. {rejected[0]}")
        self.open(workdir)

    def open(self, workdir):
        """Search an index built before (by this class or ``Talash``)."""
        from search.querying import Searcher

        self.searcher = Searcher(Path(workdir), cache_size=0)  # measured without the cache

    def search(self, query_text, k):
        ids: list[str] = []
        page = 1
        while len(ids) < k:  # the API caps per_page; page through to depth k
            response = self.searcher.search(query_text, page=page, per_page=k,
                                            snippets=self.snippets)
            ids += [r["id"] for r in response["results"]]
            if len(response["results"]) < response.get("per_page", k):
                break
            page += 1
        return ids[:k]

    def version(self):
        pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        try:
            rev = subprocess.run(
                ["git", "describe", "--always", "--dirty"],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            rev = "unknown"
        return f"talash {pyproject['project']['version']} (git {rev})"

    def close(self):
        close = getattr(self.searcher, "close", None)
        if close:
            close()


class TalashPage(Talash):
    """talash's whole result page as the web app serves it: hits with snippets and
    ``matched`` explanations (the peers have neither)."""

    name = "talash-page"
    snippets = True


ENGINES: dict[str, type[Engine]] = {
    cls.name: cls for cls in (SqliteFts5, StockWhoosh, Tantivy, Talash, TalashPage)
}
PEERS = tuple(name for name in ENGINES if not name.startswith("talash"))


def make(name: str) -> Engine:
    try:
        return ENGINES[name]()
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; choose from {sorted(ENGINES)}") from None
