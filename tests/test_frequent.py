"""The frequent terms' lists stored as gaps (search/frequent.py): every list decodes to the
numbers it was given, in the width its gaps call for; generations with the older layout
(flat uint32 numbers) are still read, and an update writes the new one beside them."""

import json

import numpy as np
import pytest
from whoosh import index as whoosh_index

from search import codec, frequent, packing, segments
from search.generations import live_generation, seal
from search.indexing import build_index, update_index
from tests.test_engine import check_same


def _stored(lists: list[list[int]]) -> frequent.Frequent:
    """A ``Frequent`` over ``lists`` encoded as ``write`` encodes them (lists t0, t1, ...;
    each posting's count is its place in the list plus one)."""
    sizes = np.array([len(x) for x in lists], dtype=np.int64)
    ids = np.array([n for x in lists for n in x], dtype=np.uint32)
    gaps, high, where = packing.encode_gaps(ids, sizes)
    spans = np.column_stack([np.cumsum(sizes) - sizes, sizes, where])
    tf = np.array([i + 1 for x in lists for i in range(len(x))], dtype=np.uint16)
    return frequent.Frequent(gaps, high, packing.PackedCounts(*packing.pack_counts(tf)),
                             spans, {"body": {f"t{n}": n for n in range(len(lists))}})


LISTS = [
    list(range(1000)),  # every document: gaps of 1
    [5, *range(300, 700)],  # one gap over a byte: an exception, not two bytes each
    list(range(7, 400_000, 1000)),  # gaps of 1000: two bytes
    [0, 70_000, 140_000],  # gaps over two bytes: four
    [],  # every document with it deleted
    list(range(3_000_000_000, 3_000_000_300)),  # a far first number, then gaps of 1
    [2**32 - 2, 2**32 - 1],  # the largest numbers a Whoosh index has
]


def test_each_list_decodes_to_its_numbers_and_counts():
    stored = _stored(LISTS)
    for n, want in enumerate(LISTS):
        ids, tf = stored.whole("body", f"t{n}")
        assert ids.dtype == np.int64 and ids.tolist() == want
        assert tf.tolist() == list(range(1, len(want) + 1))
        assert not ids.flags.writeable  # shared between threads
    assert stored.whole("body", "nope") is None and stored.whole("title", "t0") is None


def test_counts_unpack_from_any_place():
    rng = np.random.default_rng(5)
    counts = rng.choice([1, 1, 1, 2, 3, 14, 15, 16, 229, 300], size=1001).astype(np.uint16)
    packed = packing.PackedCounts(*packing.pack_counts(counts))
    assert len(packed.packed) == 501 and packed.dtype == np.uint16  # 300 needs two bytes
    for start, stop in [(0, 1001), (1, 2), (0, 0), (7, 500), (500, 1001), (1000, 1001)]:
        got = packed[start:stop]
        assert got.tolist() == counts[start:stop].tolist()
    small = packing.PackedCounts(*packing.pack_counts(np.minimum(counts, 255)))
    assert small.dtype == np.uint8 and small[3:9].tolist() == np.minimum(counts, 255)[3:9].tolist()


def test_each_list_takes_the_width_that_costs_least():
    spans = _stored(LISTS).spans
    column = dict(zip(frequent.SPAN, spans.T.tolist(), strict=True))
    assert column["width"] == [1, 1, 2, 4, 1, 1, 4]
    exceptions = [b - a for a, b in zip(column["high_start"], column["high_end"],
                                        strict=True)]
    assert exceptions == [0, 1, 0, 0, 0, 1, 0]
    assert column["count"] == [len(x) for x in LISTS]
    # One byte per posting of the byte-wide lists, no gaps between the lists' bytes.
    assert column["offset"][1] - column["offset"][0] == 1000
    assert column["offset"][-1] == sum(w * len(x) for w, x in zip(
        column["width"], LISTS[:-1], strict=False))


def test_decoded_lists_are_kept_within_the_budget(monkeypatch):
    monkeypatch.setattr(frequent, "KEEP_FROM", 100)
    monkeypatch.setattr(frequent, "KEEP", 1500)
    stored = _stored(LISTS)
    first = stored.whole("body", "t0")
    assert stored.whole("body", "t0") is first  # 1000 postings: kept
    short = stored.whole("body", "t3")
    assert stored.whole("body", "t3") is not short  # 3 postings: decoded each time
    second = stored.whole("body", "t2")  # 400 more: within 1500
    assert stored.whole("body", "t0") is first  # used again: now the last to go
    stored.whole("body", "t1")  # 401 more: over, the least recently used (t2) goes
    assert stored.whole("body", "t0") is first
    assert stored.whole("body", "t2") is not second
    assert stored._decoded.held <= 1500


def _as_flat(gen):
    """Rewrite ``gen``'s lists in the layout before the gaps (and seal it again)."""
    lists = frequent.Frequent.load(gen)
    table, ids = {}, []
    for field, terms in lists.table.items():
        table[field] = {}
        for term, row in terms.items():
            start, count = lists.spans[row].tolist()[:2]
            table[field][term] = [start, start + count]
            ids.append((start, lists.whole(field, term)[0]))
    flat = np.concatenate([x for _s, x in sorted(ids, key=lambda p: p[0])]).astype(np.uint32)
    np.save(gen / frequent.FLAT_IDS, flat)
    np.save(gen / frequent.TF, lists.tf[0:len(flat)])  # counts, a byte each
    (gen / frequent.TABLE).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    for name in (frequent.IDS, frequent.HIGH, frequent.SPANS, frequent.COUNTS, frequent.BIG):
        (gen / name).unlink()
    meta = json.loads((gen / "talash.json").read_text(encoding="utf-8"))
    seal(gen, meta["documents"])
    return flat


def test_a_generation_with_flat_lists_is_searched_the_same_and_updated_to_gaps(
        tmp_path, sample_docs, monkeypatch):
    monkeypatch.setattr(frequent, "MIN_DF", 10)
    docs = list(sample_docs.values())
    build_index(tmp_path, docs)
    first = live_generation(tmp_path)
    new = frequent.Frequent.load(first)
    want = {(f, t): new.whole(f, t)[0].tolist() for f, terms in new.table.items()
            for t in terms}
    flat = _as_flat(first)
    old = frequent.Frequent.load(first)
    assert isinstance(old, frequent.FlatFrequent)
    assert {(f, t): old.whole(f, t)[0].tolist() for f, terms in old.table.items()
            for t in terms} == want
    assert old.tf.dtype == np.uint8 and len(old.tf) == len(flat)
    assert check_same(str(tmp_path)) >= 20  # searched through the flat lists
    update_index(tmp_path, [dict(d, body=d["body"] + " لاہور") for d in docs])
    second = live_generation(tmp_path)
    assert second != first
    for name in (frequent.FLAT_IDS, frequent.TF):  # the copy's flat lists went
        assert not (second / name).exists()
    assert isinstance(frequent.Frequent.load(second), frequent.Frequent)
    assert np.array_equal(np.load(first / frequent.FLAT_IDS), flat)  # the source's stayed
    assert check_same(str(tmp_path)) >= 20


@pytest.mark.parametrize("missing", [frequent.SPANS, frequent.TABLE])
def test_a_generation_without_the_lists_is_searched_without_them(
        tmp_path, sample_docs, monkeypatch, missing):
    monkeypatch.setattr(frequent, "MIN_DF", 10)
    build_index(tmp_path, list(sample_docs.values()))
    gen = live_generation(tmp_path)
    (gen / missing).unlink()  # with SPANS gone, the flat layout's file is looked for
    assert frequent.Frequent.load(gen) is None


class _OlderCodec(codec.TalashCodec):
    """A TalashCodec as pickled before LONG_BLOCKS: every list in blocks of 128."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.long_blocks


def test_lists_without_positions_are_frequent_lists_only_beside_blocks_of_128(
        tmp_path, sample_docs, monkeypatch):
    monkeypatch.setattr(frequent, "MIN_DF", 10)
    docs = list(sample_docs.values())
    build_index(tmp_path / "new", docs)
    new = frequent.Frequent.load(live_generation(tmp_path / "new"))
    assert set(new.table) == {"title", "body"}
    monkeypatch.setattr(segments, "TalashCodec", _OlderCodec)
    build_index(tmp_path / "older", docs)
    older = frequent.Frequent.load(live_generation(tmp_path / "older"))
    assert set(older.table) == {"title", "body", "lead", "loose", "stem", "join"}
    assert {f: older.table[f] for f in new.table} == new.table
    assert check_same(str(tmp_path / "older")) >= 20
    # The case the rule is for: an older index brought up to date, whose new segment has
    # long blocks beside the older ones of 128.
    monkeypatch.undo()
    monkeypatch.setattr(frequent, "MIN_DF", 10)
    update_index(tmp_path / "older", [{**d, "body": d["body"] + " تازہ"} for d in docs[:5]])
    gen = live_generation(tmp_path / "older")
    ix = whoosh_index.open_dir(str(gen))
    with ix.searcher() as searcher:
        kinds = sorted(codec.long_blocks(sub.reader().codec())
                       for sub, _offset in searcher.leaf_searchers())
    assert kinds[0] < codec.LONG_BLOCKS == kinds[-1]
    mixed = frequent.Frequent.load(gen)
    assert set(mixed.table) == {"title", "body", "lead", "loose", "stem", "join"}
