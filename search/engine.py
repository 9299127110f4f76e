"""Running a talash query over a Whoosh index with numpy: matches, totals, facets, top-k.

Whoosh stays the store: the postings, stored fields and columns are its own. What it is slow
at is collecting: its collectors step through every matching document in Python to count
them, group them into facets and keep the best. Here a query runs as array operations
instead:

* each generation's arrays (``search/arrays.py``: facet codes and dates per document, field
  lengths, term sets, decoded and frequent posting lists) are read once per process and
  shared by every thread;
* a query tree (``search.querying.build_query``) is evaluated node by node, over all
  segments at once, into the sorted global document numbers it matches and their scores
  (``MatchQuery`` by ``search.scoring.score``; phrases through the joined-pair field first,
  then ``search.phrases`` for the few candidates left);
* filters are masks over those arrays, facets are ``bincount``s, and only the page asked for
  is sorted (``argpartition``). The total is exact, but for a phrase with more than
  ``VERIFY_AT_MOST`` candidates: those are counted unchecked.
"""

from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.util.times import datetime_to_long

from search import phrases
from search.analysis import filters
from search.arrays import _EMPTY, FACETS, KNOWN_TERMS, NO_DATE, Generation, Whole
from search.scoring import MatchQuery, _idf, score

# Phrase candidates (all segments) checked position by position; past this many all are
# trusted (every adjacent pair of the phrase's words is in the document; ~90% of such
# candidates really have the phrase). Reading positions decodes Whoosh's blocks (~0.1 ms
# each): at 100,000 documents, phrase p99 was 72 ms of CPU with 500, 30 ms with 200.
VERIFY_AT_MOST = 200
PHRASES_KEPT = 16  # phrases an engine remembers the matches of, all forgotten when one
# more comes (see Engine._phrases)

@dataclass
class Found:
    """The outcome of one query: the total, the page's document numbers and scores, and the
    facet counts (value → count) of every match."""

    total: int
    docnums: list[int]
    scores: list[float]
    facets: dict


class Engine:
    """Evaluates query trees on one Whoosh searcher (one per thread) with shared arrays."""

    def __init__(self, searcher, generation: Generation):
        self.searcher = searcher
        self.generation = generation
        self.n_docs = max(searcher.doc_count_all(), 1)
        self.whole = Whole(searcher, generation, self.n_docs)
        # Phrases found lately (one engine per thread and generation): a query whose words
        # all-mode finds too few is run again in any-word mode with the same phrases.
        self._phrases: dict = {}

    def is_word(self, term: str) -> bool:
        """Whether some title or body of the generation has ``term``."""
        b = term.encode("utf-8")
        return any(b in terms for name in ("body", "title")
                   for terms in self.generation.known(self.searcher, name))

    def warm(self):
        for fieldname in KNOWN_TERMS:
            self.generation.known(self.searcher, fieldname)
        self.generation.spelling(self.searcher)

    # The whole search.

    def search(self, query, filters_: dict | None = None, date_range=None, limit: int = 10,
               start: int = 0, sort: str = "relevance", facets: bool = True) -> Found:
        ids, scores = self.evaluate(query)
        keep = self._allowed(ids, filters_ or {}, date_range)
        if keep is not None:
            ids, scores = ids[keep], scores[keep]
        counts = self.facet_counts(ids) if facets else {}
        order = self._order(ids, scores, start + limit, sort)[start:]
        return Found(len(ids), ids[order].tolist(), scores[order].tolist(), counts)

    def count(self, query, filters_: dict | None = None, date_range=None) -> int:
        ids, _ = self.evaluate(query)
        keep = self._allowed(ids, filters_ or {}, date_range)
        return int(len(ids) if keep is None else keep.sum())

    def _order(self, ids, scores, top: int, sort: str) -> np.ndarray:
        """Positions of the first ``top`` documents: by score (ties by document number) or
        by date, newest first (undated last)."""
        if sort == "date":
            dates = self._dates(ids)
            key = np.where(dates == NO_DATE, 0, dates + np.uint64(1))
            return np.lexsort((ids, -key.astype(np.float64)))[:top]
        if len(ids) > top > 0:
            cut = np.argpartition(-scores, top - 1)[:top]
            return cut[np.lexsort((ids[cut], -scores[cut]))]
        return np.lexsort((ids, -scores))[:top]

    # Filters and facets, over global document numbers.

    def _allowed(self, ids, wanted: dict, date_range) -> np.ndarray | None:
        if not wanted and not date_range:
            return None
        gen = self.generation
        keep = np.ones(len(ids), dtype=bool)
        for name, value in wanted.items():
            values = gen.values.get(name, [])
            code = values.index(value) if value in values else -2
            keep &= gen.codes[name][ids] == code
        if date_range:
            low, high = date_range
            dates = self._dates(ids)
            keep &= dates != NO_DATE
            if low is not None:
                keep &= dates >= np.uint64(datetime_to_long(low))
            if high is not None:
                keep &= dates <= np.uint64(datetime_to_long(high))
        return keep

    def _dates(self, ids) -> np.ndarray:
        return self.generation.dates[ids]

    def facet_counts(self, ids) -> dict:
        """Value → number of matching documents, for every facet."""
        gen = self.generation
        counts = {}
        for name in FACETS:
            codes = gen.codes[name][ids]
            n = np.bincount(codes[codes >= 0], minlength=len(gen.values[name]))
            counts[name] = {v: int(c) for v, c in zip(gen.values[name], n, strict=True) if c}
        return counts

    # Query nodes → (sorted global document numbers, scores).

    def evaluate(self, node) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, MatchQuery):
            return _boosted(score(self.whole, node), node.boost)
        if isinstance(node, Q.Every):
            return self.whole.every()
        if isinstance(node, Q.Term):
            return _boosted(self._term(node), node.boost)
        if isinstance(node, Q.Phrase):
            return self._scored_phrase(node)
        if isinstance(node, Q.And):
            return _intersect([self.evaluate(s) for s in node.subqueries])
        if isinstance(node, Q.Or):
            return _union([self.evaluate(s) for s in node.subqueries])
        if isinstance(node, Q.AndNot):
            ids, scores = self.evaluate(node.a)
            gone, _ = self.evaluate(node.b)
            keep = ~np.isin(ids, gone, assume_unique=True)
            return ids[keep], scores[keep]
        if isinstance(node, Q.AndMaybe):
            ids, scores = self.evaluate(node.a)
            return ids, scores + _values_at(self.evaluate(node.b), ids)
        raise TypeError(f"the engine does not evaluate {type(node).__name__} queries; "
                        "search.querying.build_query makes none")

    def _term(self, node: Q.Term):
        ids, tf = self.whole.postings(node.fieldname, node.text)
        df = self.whole.doc_frequency(node.fieldname, node.text, (ids, tf))
        return ids, self._bm25(node.fieldname, ids, tf, df)

    def _scored_phrase(self, node: Q.Phrase):
        """The documents with the phrase, scored by its document frequency. Candidates are
        checked position by position only when there are few; more are trusted (every
        adjacent pair of the phrase's words is in the document)."""
        key = (node.fieldname, tuple(node.words), node.slop)
        found = self._phrases.get(key)
        if found is None:
            ids, counts = self._phrase(node)
            if counts is None:
                counts = (np.ones(len(ids)) if len(ids) > VERIFY_AT_MOST else
                          self._phrase_counts(node.fieldname, list(node.words), ids, node.slop))
            if len(self._phrases) >= PHRASES_KEPT:
                self._phrases.clear()
            found = self._phrases[key] = (ids, counts)
        ids, counts = found
        ids, counts = ids[counts > 0], counts[counts > 0]
        scores = self._bm25(node.fieldname, ids, counts, len(ids))
        return _boosted((ids, scores), node.boost)

    def _bm25(self, fieldname: str, ids, tf, df: int, k1=1.2, b=0.75):
        if not len(ids):
            return np.empty(0)
        lengths = self.whole.lengths(fieldname)[ids]
        norm = tf / (1.0 - b + b * lengths / self.whole.average_length(fieldname))
        return _idf(self.n_docs, df, 0.1) * norm * (k1 + 1) / (norm + k1)

    def _phrase(self, node: Q.Phrase):
        """The documents with the words side by side in the field, and how often (None:
        candidates whose positions are still to be checked). Adjacent Urdu words are first
        looked up as one joined-pair term, which leaves few candidates."""
        src, words = self.whole, list(node.words)
        if not words:
            return _EMPTY
        if len(words) == 1:
            return src.postings(node.fieldname, words[0])
        lists = [src.postings(node.fieldname, term)[0] for term in words]
        lists += [src.postings("join", filters.joined(a, b))[0]
                  for a, b in zip(words, words[1:], strict=False) if _urdu(a) and _urdu(b)]
        candidates = _common(lists).astype(np.int64, copy=False)
        if len(words) == 2 and _urdu(words[0]) and _urdu(words[1]):
            # Two Urdu words side by side in one sentence are exactly a joined-pair term: its
            # documents (with both words in this field) and its count need no positions.
            pair_ids, pair_tf = src.postings("join", filters.joined(*words))
            return candidates, np.asarray(pair_tf[np.searchsorted(pair_ids, candidates)],
                                          dtype=float)
        return candidates, None

    def _phrase_counts(self, fieldname: str, words: list[str], ids, slop: int) -> np.ndarray:
        """Occurrences of the phrase in each of ``ids`` (global numbers), from positions."""
        counts = np.zeros(len(ids))
        once = self._once(fieldname, words, ids) if slop == 1 else None
        for segment, reader in self.whole.parts:
            lo, hi = np.searchsorted(ids, [segment.offset, segment.offset + segment.size])
            if hi > lo:
                counts[lo:hi] = phrases.occurrences(reader, fieldname, words,
                                                    ids[lo:hi] - segment.offset, slop,
                                                    None if once is None else once[:, lo:hi])
        return counts

    def _once(self, fieldname: str, words: list[str], ids) -> np.ndarray | None:
        """For a phrase of three or more Urdu words (every candidate in ``ids`` has each
        adjacent pair of them in ``join``): which words occur exactly once in each candidate's
        title and body together, that once in ``fieldname`` (rows: words). A pair of which
        one word occurs once has that occurrence in it, which places its other word."""
        if len(words) < 3 or fieldname not in ("title", "body") or not all(map(_urdu, words)):
            return None
        other = "body" if fieldname == "title" else "title"
        once = np.empty((len(words), len(ids)), dtype=bool)
        for row, word in enumerate(words):
            once[row] = ((_values_at(self.whole.postings(fieldname, word), ids) == 1)
                         & (_values_at(self.whole.postings(other, word), ids) == 0))
        return once


def _values_at(found, ids) -> np.ndarray:
    """The values of ``found`` (ascending ids and a value each: postings' counts, a query's
    scores) at each of ``ids``, 0 where it has none."""
    found_ids, values = found
    if not len(found_ids):
        return np.zeros(len(ids))
    at = np.searchsorted(found_ids, ids).clip(max=len(found_ids) - 1)
    return np.where(found_ids[at] == ids, values[at], 0.0)


def _common(lists: list[np.ndarray]) -> np.ndarray:
    """The numbers in every one of ``lists`` (each ascending): the shortest list, kept where
    a binary search finds each number in the others (far cheaper than merging a common
    word's long list)."""
    lists = sorted(lists, key=len)
    found = lists[0]
    for other in lists[1:]:
        if not len(found):
            break
        at = np.searchsorted(other, found).clip(max=max(len(other) - 1, 0))
        found = found[other[at] == found] if len(other) else found[:0]
    return found


def _boosted(found, boost: float):
    ids, scores = found
    return ids, (scores * boost if boost != 1 else scores)


def _urdu(term: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in term)


def _intersect(parts):
    ids, scores = parts[0]
    for other_ids, other in parts[1:]:
        common, a, b = np.intersect1d(ids, other_ids, assume_unique=True, return_indices=True)
        ids, scores = common, scores[a] + other[b]
    return ids, scores


def _union(parts):
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    ids, where = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    return ids, np.bincount(where, weights=np.concatenate([p[1] for p in parts]))
