"""Corpora and query sets for the speed benchmark, made at run time from the shared data.

The synthetic corpus recombines real sentences of ``news/docs.jsonl``: document ``i`` copies the
metadata and sentence count of a real article picked at random and fills its body with real
sentences, mostly from articles of the same category (so words co-occur roughly as in news).
One seeded random stream makes it, so a smaller corpus is a prefix of a larger one with the same
seed. It is written under ``bench/work/`` (git-ignored) and never committed.

Queries are drawn (seeded) from the corpus being measured: 1, 2 and 3 nearby content words,
phrases of 2–3 adjacent words that include a function word (کے، میں، کی ...), and Roman/English
words (Latin-script words of the corpus and Roman Urdu from ``translit/word_pairs.tsv``).
"""

from __future__ import annotations

import functools
import json
import random
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from bench import datasets

WORK = datasets.REPO_ROOT / "bench" / "work" / "perf"
KINDS = ("word1", "word2", "word3", "phrase", "roman")
KIND_LABELS = {"word1": "1 word", "word2": "2 words", "word3": "3 words", "phrase": "phrase",
               "roman": "Roman/English"}
OTHER_STOP = {"ur": ("کے", "میں", "کی", "کا", "کو", "سے", "نے", "اور", "پر", "ہے", "ہیں")}
ENGLISH_STOP = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was "
    "were will with".split()
)
_SENTENCE_END = re.compile(r"(?<=[۔؟!?])\s+|\n+")
NEAR = 8  # multi-word queries take content words from a window of this many tokens


def read_jsonl(path: Path) -> Iterator[dict]:
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def news_path() -> Path:
    path = datasets.data_dir() / datasets.SPECS["news"].docs
    if not path.is_file():
        raise datasets.DataMissing(
            f"news corpus not found: {path} "
            "(expected ../shared/data next to the repo; set TALASH_DATA_DIR to override)"
        )
    return path


def sentences(text: str) -> list[str]:
    """Split on Urdu/Latin sentence ends and line breaks; keeps each sentence's end mark."""
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.split()) >= 3]


def synthetic(source: list[dict], n: int, seed: int) -> Iterator[dict]:
    """``n`` documents recombined from the real sentences of ``source`` (see module doc)."""
    rng = random.Random(seed)
    by_category: dict[str, list[str]] = {}
    counts = []
    for doc in source:
        parts = sentences(doc.get("body") or "")
        by_category.setdefault(doc.get("category") or "", []).extend(parts)
        counts.append(max(1, len(parts)))
    every = [s for pool in by_category.values() for s in pool]
    if not every:
        raise ValueError("the source documents have no sentences to recombine")
    for i in range(n):
        j = rng.randrange(len(source))
        template = source[j]
        pool = by_category.get(template.get("category") or "") or every
        body = [rng.choice(pool if rng.random() < 0.8 else every) for _ in range(counts[j])]
        yield {"id": f"syn-{i:06d}", "title": template.get("title") or "", "body": " ".join(body),
               "date": template.get("date") or "", "url": f"https://example.org/syn/{i}",
               "site": template.get("site") or "", "category": template.get("category") or "",
               "lang": template.get("lang") or "ur"}


def synthetic_path(n: int, seed: int, work: Path = WORK) -> Path:
    """The synthetic corpus file, generated on first use (and kept in the git-ignored work dir)."""
    path = work / "corpus" / f"synthetic-{n}-seed{seed}.jsonl"
    if not path.exists():
        source = list(read_jsonl(news_path()))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for doc in synthetic(source, n, seed):
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return path


@functools.cache
def _edges() -> re.Pattern:
    """Punctuation, symbols, separators and format characters at either end of a token."""
    chars = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c))[0] in "PSZC")
    cls = "[" + re.escape(chars) + "]+"
    return re.compile(f"^{cls}|{cls}$")


def words(text: str) -> list[str]:
    """Whitespace tokens with punctuation and symbols stripped from both ends."""
    edges = _edges()
    return [tok for tok in (edges.sub("", raw) for raw in text.split())
            if any(ch.isalpha() for ch in tok)]


def is_urdu(word: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in word)


def is_latin(word: str) -> bool:
    return word.isascii() and word.isalpha()


def stopwords() -> frozenset[str]:
    """Urdu function words: the urduhack list from the shared data, else a short built-in one."""
    try:
        path = datasets.data_dir() / "stopwords" / "urduhack_1.1.1.txt"
        listed = {w.strip() for w in path.read_text(encoding="utf-8").split()}
    except OSError:
        listed = set()
    return frozenset(listed | set(OTHER_STOP["ur"]))


def roman_words(stop: frozenset[str]) -> list[str]:
    """Roman spellings of Urdu content words from translit/word_pairs.tsv; empty when absent."""
    path = datasets.data_dir() / "translit" / "word_pairs.tsv"
    if not path.is_file():
        return []
    rows = datasets.read_tsv(path, ("urdu", "roman"))
    return sorted({r["roman"] for r in rows
                   if r["urdu"] not in stop and is_latin(r["roman"]) and len(r["roman"]) >= 3})


def sample_docs(path: Path, n: int, seed: int) -> list[dict]:
    """A seeded sample of ``n`` documents of a JSONL file, read in two passes (low memory)."""
    with Path(path).open(encoding="utf-8") as fh:
        total = sum(1 for line in fh if line.strip())
    keep = set(random.Random(seed).sample(range(total), min(n, total)))
    return [doc for i, doc in enumerate(read_jsonl(path)) if i in keep]


class QuerySampler:
    """Draws distinct queries of each kind from tokenized documents with one seeded stream."""

    def __init__(self, docs: list[dict], seed: int):
        self.rng = random.Random(seed)
        self.stop = stopwords()
        # title and body apart: words across their boundary are not adjacent in the text
        texts = (d.get(f) or "" for d in docs for f in ("title", "body"))
        self.toks = [t for t in map(words, texts) if t]
        self.latin = [t for t in self.toks if sum(map(is_latin, t)) >= 2]
        self.roman = roman_words(self.stop)

    def content(self, w: str) -> bool:
        return is_urdu(w) and w not in self.stop and len(w) >= 2

    def nearby_words(self, n: int) -> str | None:
        toks = self.rng.choice(self.toks)
        start = self.rng.randrange(len(toks))
        picked = list(dict.fromkeys(w for w in toks[start:start + NEAR] if self.content(w)))
        return " ".join(picked[:n]) if len(picked) >= n else None

    def phrase(self) -> str | None:
        toks = self.rng.choice(self.toks)
        n = self.rng.choice((2, 3))
        start = self.rng.randrange(max(1, len(toks) - n + 1))
        window = toks[start:start + n]
        if len(window) < n or not all(map(is_urdu, window)):
            return None
        stops = sum(w in self.stop for w in window)
        return " ".join(window) if 0 < stops < n else None

    def roman_or_english(self) -> str | None:
        if self.roman and (not self.latin or self.rng.random() < 0.5):
            return " ".join(self.rng.sample(self.roman, self.rng.choice((1, 2))))
        if not self.latin:
            return None
        toks = self.rng.choice(self.latin)
        i = self.rng.choice([k for k, w in enumerate(toks) if is_latin(w)])
        picked = [w for w in toks[i:i + 2] if is_latin(w) and w.lower() not in ENGLISH_STOP]
        return " ".join(picked) if picked and len(picked[0]) >= 3 else None

    def draw(self, kind: str) -> str | None:
        if kind.startswith("word"):
            return self.nearby_words(int(kind[-1]))
        return self.phrase() if kind == "phrase" else self.roman_or_english()

    def queries(self, per_kind: int) -> dict[str, list[str]]:
        """``per_kind`` distinct query texts of every kind (fewer only if the corpus runs dry)."""
        out: dict[str, list[str]] = {}
        for kind in KINDS:
            seen: dict[str, None] = {}
            for _ in range(per_kind * 50):
                if len(seen) >= per_kind:
                    break
                text = self.draw(kind)
                if text:
                    seen[text] = None
            out[kind] = list(seen)
        return out


def query_set(corpus: Path, per_kind: int, seed: int, sample: int = 3000,
              http_per_kind: int = 0) -> dict:
    """Measured queries by kind, a separate warm-up list and (if asked) a larger set for HTTP
    load, all drawn from ``corpus``."""
    sampler = QuerySampler(sample_docs(corpus, sample, seed), seed)
    measured = sampler.queries(per_kind)
    warm = sampler.queries(max(2, per_kind // 10))
    http = sampler.queries(http_per_kind) if http_per_kind else None
    taken = {q for qs in [*measured.values(), *(http or {}).values()] for q in qs}
    warmup = [(k, q) for k, qs in warm.items() for q in qs if q not in taken]
    return {"seed": seed, "kinds": measured, "warmup": warmup, "http": http}
