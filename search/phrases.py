"""Counting a phrase's occurrences in candidate documents from the positions in a segment.

``search.engine`` finds a phrase's candidates through the joined-pair field (every adjacent
pair of its words in the document); here they are checked. Reading a word's positions
decodes a Whoosh block per candidate, which for a function word (کے، میں) in every document
was most of a phrase's time; so the two rarest words are read first, and a word that occurs
once in a document, with the pairs, places its neighbours without any position read.
"""

import numpy as np
from whoosh.matching.wrappers import FilterMatcher


def occurrences(reader, fieldname: str, words: list[str], docs, slop: int = 1,
                once: np.ndarray | None = None):
    """How often ``words`` occur in order (each within ``slop`` of the last) in each of
    ``docs`` (ascending, segment numbers): the two rarest words' positions first, then the
    others' only where those two stand at the phrase's distance. Given
    ``once`` (``search.engine.Engine._once``: the words side by side, every adjacent pair
    of them in each document), a document whose words the pairs place (``placed``) needs no
    more positions at all."""
    if once is None or slop != 1:
        return _counted(reader, fieldname, words, docs, None, slop)
    # Every inner word once: the pairs on either side of each hold that occurrence, so the
    # phrase is there, once, without a position read.
    placed = once[1:-1].all(axis=0)
    counts = placed.astype(float)
    rest = np.flatnonzero(~placed)
    if len(rest):
        counts[rest] = _counted(reader, fieldname, words, docs[rest], once[:, rest], slop)
    return counts


def _counted(reader, fieldname: str, words: list[str], docs, once, slop: int):
    """``occurrences`` past what ``once`` alone decides."""
    try:
        matchers = [reader.postings(fieldname, term) for term in words]
    except Exception:  # noqa: BLE001 - a word not in this segment: no document has it
        return np.zeros(len(docs))
    positions: list[dict | None] = [None] * len(words)
    counts = np.zeros(len(docs))
    alive = range(len(docs))  # the candidates still possible, by their place in docs
    if len(words) > 2:
        by_rarity = sorted(range(len(words)),
                           key=lambda i: reader.doc_frequency(fieldname, words[i]))
        first, second = sorted(by_rarity[:2])
        for i in (first, second):
            positions[i] = read_positions(matchers[i], docs)
        gap, doc_list = second - first, docs.tolist()
        alive = [n for n in alive if near(positions[first].get(doc_list[n]),
                                           positions[second].get(doc_list[n]), gap, gap * slop)]
        if once is not None:  # the rarest two read: do the pairs place the rest?
            unsure = []
            for n in alive:
                doc = doc_list[n]
                found = placed({i: positions[i][doc] for i in (first, second)},
                                once[:, n].tolist())
                if found is None:
                    unsure.append(n)
                else:
                    counts[n] = found
            alive = unsure
    alive_docs = docs[list(alive)]
    for i, m in enumerate(matchers):
        if positions[i] is None:
            positions[i] = read_positions(m, alive_docs)
    for n, doc in zip(alive, alive_docs.tolist(), strict=True):
        lists = [found.get(doc) for found in positions]
        if all(lists):
            counts[n] = chain(lists, slop)
    return counts


def placed(read: dict[int, set], once: list[bool]) -> int | None:
    """Occurrences of a phrase (words side by side, each adjacent pair of them somewhere in
    the document) in one document, from the positions ``read`` of some of its words, or None
    when they do not decide it. A word that occurs ``once`` (in the whole document) fixes
    where the phrase can begin; a pair with a word that occurs once holds that occurrence,
    so its other word stands next to it."""
    for anchor, found in read.items():
        if not once[anchor]:
            continue
        start = next(iter(found)) - anchor
        if any(start + i not in found_i for i, found_i in read.items()):
            return 0  # the only place the phrase could begin does not have it
        right = all(i in read or once[i - 1] for i in range(anchor + 1, len(once)))
        left = all(i in read or once[i + 1] for i in range(anchor))
        if right and left:
            return 1
    return None


def near(before: set | None, after: set | None, least: int, most: int) -> bool:
    """Whether some position in ``after`` follows one in ``before`` by ``least``..``most``."""
    if not before or not after:
        return False
    return any(p + d in after for p in before for d in range(least, most + 1))


def read_positions(m, docs) -> dict[int, set]:
    """The positions of a term in each of ``docs`` that has it. Whoosh's W3 blocks are
    skipped by their largest id and searched with numpy (its ``skip_to`` steps through a
    block one posting at a time: through most of the list, for a common word)."""
    if isinstance(m, FilterMatcher):  # deletions: no candidate is a deleted document
        m = m.child
        m.reset()
    if not all(hasattr(m, a) for a in ("_maxid", "_next_block", "_read_ids", "_read_values")):
        return read_positions_slowly(m, docs)
    found, j, decode = {}, 0, m.format.decode_positions
    while m.is_active() and j < len(docs):
        if docs[j] > m._maxid:
            m._next_block()
            continue
        end = int(np.searchsorted(docs, m._maxid, side="right"))
        if m._ids is None:
            m._read_ids()
        ids = np.asarray(m._ids)
        want = docs[j:end]
        at = np.searchsorted(ids, want).clip(max=len(ids) - 1)
        hit = ids[at] == want
        if hit.any():
            if m._values is None:
                m._read_values()
            for doc, i in zip(want[hit].tolist(), at[hit].tolist(), strict=True):
                found[doc] = set(decode(m._values[i]))
        j = end
        m._next_block()
    return found


def read_positions_slowly(m, docs) -> dict[int, set]:
    found = {}
    for doc in docs.tolist():
        if m.is_active() and m.id() < doc:
            m.skip_to(doc)
        if not m.is_active():
            break
        if m.id() == doc:
            found[doc] = set(m.value_as("positions"))
    return found


def chain(lists: list[set], slop: int) -> int:
    """Occurrences of the phrase: start positions from which each next word follows."""
    current = lists[0]
    for later in lists[1:]:
        current = {q for p in current for q in range(p + 1, p + slop + 1) if q in later}
        if not current:
            return 0
    return len(current)
