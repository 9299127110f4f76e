"""Ranking: a Whoosh query that scores every query word at once, BM25F-style.

Whoosh's ``Or(minmatch=...)`` is not implemented, and summing one BM25 score per field and
term cannot tell "matched most of the words" from "matched one word many times". So talash
scores its word clauses itself, segment by segment, with numpy over the raw postings:

* each query word is a ``Clause`` of alternative ``(field, term, weight)`` lookups (exact
  title and body, joined pairs, loose variants, English stems, cross-script keys);
* a word's evidence is combined across its alternatives BM25F-style (weighted, length-
  normalized term frequencies summed before one saturation), so an exact match adds to its
  loose match and outranks a variant-only match, and a long body does not win by length;
* a document must match at least ``min_match`` of the words (minimum-should-match; in a
  long query, its rarer words can count for more), and its score is scaled by the share of
  the words it matched (coordination), so documents matching more of the query rank higher;
* in two phases: the documents that rank best with a gentler coordination take the first
  ``first_depth`` places, where the full ranking orders them;
* a ``Clause`` of kind ``pair`` looks two adjacent query words up as one joined term (the
  ``join`` field indexes adjacent document words joined): it rewards documents that have the
  words side by side and lets a compound written as one word count for both.

``MatchQuery`` is an ordinary Whoosh query, so filters, exclusions, phrases (``And``),
facets, sorting and paging keep working through Whoosh's searcher.
"""

import math
import weakref
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as Q
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from search.codec import unpack_ids, unpack_weights

LEAD_FIELD = "lead"  # presence there only scales the score (see Ranking.lead)


@dataclass(frozen=True)
class Alt:
    """One way a query word can match: a term in a field, with the field's weight."""

    field: str
    term: str
    weight: float
    endings: tuple[str, ...] = ()  # if given, the alt is term + each ending instead

    def terms(self) -> tuple[str, ...]:
        return tuple(self.term + e for e in self.endings) if self.endings else (self.term,)


@dataclass(frozen=True)
class Clause:
    """A query word (or an adjacent pair of words) and the ways it can match."""

    alts: tuple[Alt, ...]
    covers: tuple[int, ...]  # the query-word indices a match counts for
    weight: float = 1.0
    needs_others: int = 0  # counts only in documents that matched this many other words


@dataclass(frozen=True)
class Ranking:
    """Ranking settings, tuned on the dev splits (see bench/results/tuning.md)."""

    k1: float = 1.2
    b: dict = field(default_factory=lambda: {"title": 0.5, "body": 0.75})
    default_b: float = 0.75
    coord: float = 2.0  # score × (share of query words matched) ** coord
    coord_idf: bool = True  # the share weighs each word by its idf
    lead: float = 3.0  # score × (1 + lead × (idf-weighted share of words in the lead) ** 2)
    pair_weight: float = 1.0  # weight of an adjacent-pair clause against a word clause
    idf_floor: float = 0.1  # the least idf a word gets (BM25's can go negative)
    all_words_up_to: int = 2  # queries with at most this many words need all of them
    min_share: float = 0.25  # longer ones need this share of their words (rounded up),
    min_idf_share: float = 0.3  # or, from ``idf_share_from`` words on, words carrying this
    idf_share_from: int = 4  # share of the query's idf weight
    # Two phases: the first ``first_depth`` places go to the documents that rank best with
    # coordination ``first_coord`` (gentler: a document sharing a few rare words with a long
    # query stays in reach), ordered among themselves by the full ranking (``coord``).
    first_coord: float = 1.0
    first_depth: int = 100  # the most results a page holds (querying.MAX_PER_PAGE)

    def field_b(self, name: str) -> float:
        return self.b.get(name, self.default_b)


RANKING = Ranking()


class MatchQuery(Q.Query):
    """Documents matching at least ``min_match`` of ``n_words`` query words, ranked."""

    def __init__(self, clauses, n_words: int, min_match: int = 1, ranking: Ranking = RANKING,
                 boost: float = 1.0):
        self.clauses = tuple(clauses)
        self.n_words = n_words
        self.min_match = max(1, min(min_match, n_words))
        self.ranking = ranking
        self.boost = boost

    def __repr__(self):
        name = type(self).__name__
        return f"{name}({len(self.clauses)} clauses, {self.min_match}/{self.n_words} words)"

    def __eq__(self, other):
        return (type(other) is type(self) and other.clauses == self.clauses
                and other.min_match == self.min_match and other.ranking == self.ranking)

    def __hash__(self):
        return hash((type(self).__name__, self.clauses, self.min_match))

    def _terms(self, phrases=True):
        for c in self.clauses:
            for a in c.alts:
                for term in a.terms():
                    yield a.field, term

    def terms(self, phrases=False):
        yield from self._terms()

    def estimate_size(self, ixreader):
        return sum(ixreader.doc_frequency(f, t) for f, t in self._terms())

    def estimate_min_size(self, ixreader):
        return 0

    def normalize(self):
        return self

    def simplify(self, ixreader):
        return self

    def matcher(self, searcher, context=None):
        ids, scores = score_segment(searcher, self)
        if not len(ids):
            return NullMatcher()
        return ListMatcher(ids.tolist(), weights=(scores * self.boost).tolist())


def _idf(n_docs: int, df: int, floor: float) -> float:
    """Robertson-Sparck Jones idf, floored: a word in most documents says almost nothing."""
    return max(math.log((n_docs - df + 0.5) / (df + 0.5)), floor)


def score_segment(searcher, q: MatchQuery) -> tuple[np.ndarray, np.ndarray]:
    """Segment-local doc numbers and scores of the documents ``q`` matches (Whoosh's path,
    which the tests take as the reference; talash's engine scores all segments at once). One
    segment at a time, the two phases choose each segment's first ``first_depth``: with more
    matches than that in a segment of several, its order can differ from the engine's."""
    return score(ReaderSource(searcher), q)


class ReaderSource:
    """What ``score`` reads, straight from one Whoosh segment (uncached). The engine
    (``search/arrays.py``) has a cached equivalent shared by all threads of a process."""

    def __init__(self, searcher):
        self.reader = searcher.reader()
        self.top = searcher.get_parent() if hasattr(searcher, "get_parent") else searcher
        self.n_docs = max(self.top.doc_count_all(), 1)

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        return _postings(self.reader, fieldname, term)

    def lengths(self, fieldname: str) -> np.ndarray:
        return _lengths(self.reader, fieldname)

    def doc_frequency(self, fieldname: str, term: str, _found=None) -> int:
        """The live documents with ``term``, in every segment (deleted ones left out; the
        postings ``_found`` in this segment say nothing of the others)."""
        return sum(len(_postings(sub.reader(), fieldname, term)[0])
                   for sub, _offset in self.top.leaf_searchers())

    def average_length(self, fieldname: str) -> float:
        return max(self.top.field_length(fieldname) / self.n_docs, 1.0)


def score(source, q: MatchQuery) -> tuple[np.ndarray, np.ndarray]:
    """Doc numbers (ascending) and scores of the documents ``q`` matches in ``source``.

    Only the documents some clause matches are looked at: every array below is as long as
    that union, not as the index. The union is found with a mask over the index and each
    posting placed through a position map (linear in the postings; sorting them cost more).
    """
    rk = q.ranking
    found = []
    # Clauses that need other words (two-symbol cross-script keys) come last, so the words
    # the document matched otherwise are known when they are weighed.
    for clause in sorted(q.clauses, key=lambda c: c.needs_others):
        if clause.weight:
            parts, lead_parts, df = _evidence(source, clause, rk)
            if df:
                found.append((clause, parts, lead_parts, df))
    lists = [ids for _c, parts, _l, _df in found for ids, _tf in parts]
    if not any(len(ids) for ids in lists):
        return _NOTHING_SCORED
    docs, place = _union(lists, source.n_docs)
    n = len(docs)
    total = np.zeros(n)
    covered = np.zeros((q.n_words, n), dtype=bool)
    early = np.zeros((q.n_words, n), dtype=bool)
    word_idf = np.full(q.n_words, _idf(source.n_docs, 0, rk.idf_floor))
    for clause, parts, lead_parts, df in found:
        pseudo = np.zeros(n)
        for ids, tf in parts:  # a term's postings name each document once: no collisions
            pseudo[place(ids)] += tf
        if clause.needs_others:
            pseudo = np.where(covered.sum(axis=0) < clause.needs_others, 0.0, pseudo)
        idf = _idf(source.n_docs, df, rk.idf_floor)
        total += clause.weight * idf * pseudo * (rk.k1 + 1) / (pseudo + rk.k1)
        hit = pseudo > 0
        lead = np.zeros(n, dtype=bool)
        for ids in lead_parts:
            lead[place(ids, only_known=True)] = True
        for i in clause.covers:
            covered[i] |= hit
            early[i] |= lead
        if len(clause.covers) == 1:
            word_idf[clause.covers[0]] = idf
    qualifies = covered.sum(axis=0) >= q.min_match
    if q.n_words >= rk.idf_share_from and 1 < q.min_match < q.n_words and rk.min_idf_share:
        # A long query's rare words (a name) can say more than most of its common ones.
        qualifies |= word_idf @ covered >= rk.min_idf_share * word_idf.sum()
    keep = np.nonzero(qualifies)[0]
    weights = word_idf if rk.coord_idf else np.ones(q.n_words)
    share = weights @ covered[:, keep] / weights.sum()
    lead_share = word_idf @ early[:, keep] / word_idf.sum()
    uncoordinated = total[keep] * (1 + rk.lead * lead_share ** 2)
    scores = uncoordinated * share ** rk.coord
    if rk.first_coord != rk.coord and len(keep) > rk.first_depth:
        _second_phase(uncoordinated * share ** rk.first_coord, scores, rk.first_depth)
    return docs[keep], scores


def _second_phase(first: np.ndarray, scores: np.ndarray, depth: int):
    """Scale ``scores`` (of documents in ascending order) in place so the ``depth`` best by
    ``first`` (ties: the lower document number) come before every other document; either
    group keeps its own order."""
    cut = np.partition(first, len(first) - depth)[len(first) - depth]
    chosen = first > cut
    tied = np.flatnonzero(first == cut)
    chosen[tied[: depth - int(chosen.sum())]] = True
    floor, high = scores[chosen].min(), scores[~chosen].max()
    if high >= floor > 0:
        scores[~chosen] *= floor / high * 0.999


def _union(lists: list[np.ndarray], size: int):
    """The sorted union of ``lists`` of doc numbers below ``size``, and a function giving
    the positions in it of doc numbers (with ``only_known``: of those in it, others
    dropped)."""
    mask = np.zeros(size, dtype=bool)
    for ids in lists:
        mask[ids] = True
    docs = np.flatnonzero(mask)
    position = np.empty(size, dtype=np.int64)
    position[docs] = np.arange(len(docs))

    def place(ids, only_known=False):
        if only_known:
            ids = ids[mask[ids]]
        return position[ids]

    return docs, place


def _evidence(source, clause: Clause, rk: Ranking):
    """The evidence for one clause: per term found, its documents and BM25F's weighted,
    length-normalized frequency there (summed over a clause's terms, that is its combined
    frequency); the document lists of its lead terms; the largest document frequency of its
    terms (over the whole index)."""
    parts, lead_parts = [], []
    df = 0
    for alt in clause.alts:
        if not alt.weight:
            continue
        for term in alt.terms():
            ids, tf = source.postings(alt.field, term)
            if alt.field != LEAD_FIELD:
                # Over the whole index, also when scoring one segment that lacks the term: a
                # word's idf must not depend on how the index happens to be split.
                df = max(df, source.doc_frequency(alt.field, term, (ids, tf)))
            if not len(ids):
                continue
            if alt.field == LEAD_FIELD:
                lead_parts.append(ids)
                continue
            lengths = source.lengths(alt.field)[ids]
            avg = source.average_length(alt.field)
            b = rk.field_b(alt.field)
            parts.append((ids, alt.weight * tf / (1.0 - b + b * lengths / avg)))
    return parts, lead_parts, df


# Postings and field lengths, read in bulk (numpy) rather than one posting at a time.

def _postings(reader, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Doc numbers and term frequencies of ``term`` in one segment (deleted docs left out)."""
    try:
        # Most lookups miss (title in untitled text, rare variants): the membership test
        # costs a fifteenth of a failed postings() call.
        if (fieldname, term) not in reader:
            return _NOTHING
        m = reader.postings(fieldname, term)
    except Exception:  # TermNotFound, or a field this index does not have
        return _NOTHING
    deleted = None
    if isinstance(m, FilterMatcher):
        deleted, m = m._ids, m.child
        m.reset()  # the filter already stepped past leading deleted postings
    ids, weights = [], []
    if hasattr(m, "_read_data") and hasattr(m, "_next_block") and hasattr(m, "_byteids"):
        # Whoosh's W3 block format: decode whole blocks with numpy, not single postings
        # (its own decoding undoes the delta coding of the ids one Python step at a time).
        return _block_postings(m, deleted)
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    ids_arr, tf = np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=float)
    if deleted:
        keep = ~np.isin(ids_arr, np.fromiter(deleted, dtype=np.int64))
        ids_arr, tf = ids_arr[keep], tf[keep]
    return ids_arr, tf


def _block_postings(m, deleted) -> tuple[np.ndarray, np.ndarray]:
    """All postings of a W3 block matcher: each block's pickled data decoded as arrays."""
    id_parts, weight_parts = [], []
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids, raw_weights = m._data[0], m._data[1]
        if isinstance(raw_ids, bytes):  # search.codec's packed block
            block = unpack_ids(raw_ids, m._blocklength)
        else:
            block = np.asarray(raw_ids, dtype=np.int64)
            block = block if m._byteids else np.cumsum(block)
        id_parts.append(block)
        weight_parts.append(unpack_weights(raw_weights, len(block)))
        m._next_block()
    if not id_parts:
        return _NOTHING
    ids, tf = np.concatenate(id_parts), np.concatenate(weight_parts)
    if deleted:
        keep = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64))
        ids, tf = ids[keep], tf[keep]
    return ids, tf


_NOTHING = (np.empty(0, dtype=np.int64), np.empty(0))
_NOTHING_SCORED = _NOTHING
_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=float)
_length_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _lengths(reader, fieldname: str) -> np.ndarray:
    """Every document's length in ``fieldname`` for one segment, cached per reader."""
    cache = _length_cache.setdefault(reader, {})
    arr = cache.get(fieldname)
    if arr is None:
        arr = cache[fieldname] = _read_lengths(reader, fieldname)
    return arr


def _read_lengths(reader, fieldname: str) -> np.ndarray:
    size = reader.doc_count_all()
    try:
        # The lengths column is one byte per document: read it in one go.
        col = reader._perdoc._cached_reader(f"_{fieldname}_len", _LENGTHS_COLUMN)
        raw = col._dbfile.get(col._basepos, col._count) if col is not None else b""
        codes = np.zeros(size, dtype=np.uint8)
        codes[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        return _BYTE_TO_LENGTH[codes]
    except AttributeError:  # another codec: the public, per-document way
        return np.array([reader.doc_field_length(d, fieldname, 0) or 0 for d in range(size)],
                        dtype=float)


try:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN as _LENGTHS_COLUMN
except ImportError:  # pragma: no cover - other Whoosh versions
    _LENGTHS_COLUMN = None
