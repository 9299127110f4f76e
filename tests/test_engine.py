"""The numpy query engine against Whoosh's own collector, on real indexes.

``search/engine.py`` replaces Whoosh's collecting (matches, totals, facets, sorting) with array
operations; Whoosh's searcher is the reference: for the same query tree both must find the
same documents, count the same facets and rank the same way.
"""

import pytest
from whoosh import sorting

from search.arrays import FACETS
from search.indexing import build_index, update_index
from search.parsing import parse
from search.querying import Searcher, build_query

QUERIES = [
    "لاہور", "بجلی کی قیمت", "lahore", "blinken", "اسلام آباد", "عمران خان کی رہائی",
    '"وزیر اعظم"', '"اسلام آباد میں"', "بجلی -لاہور", "site:dawn.example بجلی",
    "lang:en", "date:2024-01-01..2024-12-31 کراچی", "#budget2024", "@bbcurdu",
    "ایک دو تین چار پانچ چھ سات", "category:sports",
]


def reference(searcher, query, parsed):
    """Ids by Whoosh's collector, its total and facet counts."""
    from whoosh import query as Q

    parts = [Q.Term(k, v) for k, v in parsed.filters.items()]
    if parsed.date_range:
        parts.append(Q.DateRange("date", *parsed.date_range))
    fq = Q.And(parts) if len(parts) > 1 else parts[0] if parts else None
    res = searcher.search(query, filter=fq, limit=None,
                          groupedby={f: sorting.FieldFacet(f, maptype=sorting.Count)
                                     for f in FACETS})
    facets = {f: {k: n for k, n in res.groups(f).items() if k} for f in FACETS}
    return [(h.docnum, round(h.score, 6)) for h in res], len(res), facets


def engine_answer(engine, query, parsed):
    found = engine.search(query, parsed.filters, parsed.date_range, limit=10_000)
    return list(zip(found.docnums, [round(s, 6) for s in found.scores], strict=True)), \
        found.total, found.facets


def check_same(root: str):
    searcher = Searcher(root, cache_size=0)
    whoosh_searcher, _ = searcher._state()
    checked = 0
    for text in QUERIES:
        parsed = parse(text)
        for mode in ("all", "any"):
            query = build_query(parsed, mode, searcher.aliases)
            if query is None or "Phrase" in repr(query):
                continue  # phrases are scored differently (see test_phrases below)
            ranked, total, facets = engine_answer(searcher.engine(), query, parsed)
            want_ranked, want_total, want_facets = reference(whoosh_searcher, query, parsed)
            assert total == want_total, text
            assert facets == want_facets, text
            # Same documents, and the same order wherever the scores differ.
            assert sorted(d for d, _ in ranked) == sorted(d for d, _ in want_ranked), text
            assert [s for _, s in ranked] == pytest.approx([s for _, s in want_ranked]), text
            checked += 1
    return checked


def test_engine_agrees_with_whoosh_on_the_samples(sample_index):
    assert check_same(str(sample_index)) >= 20


def test_engine_agrees_across_segments_and_deletions(tmp_path, sample_docs):
    docs = list(sample_docs.values())
    build_index(tmp_path, docs[:50])
    changed = [dict(d, body=d["body"] + " لاہور") for d in docs[50:60]]
    update_index(tmp_path, docs[10:50] + changed + docs[60:], prune=True)  # 10 deleted
    searcher = Searcher(tmp_path, cache_size=0)
    whoosh_searcher, _ = searcher._state()
    assert len(whoosh_searcher.leaf_searchers()) > 1 or whoosh_searcher.reader().has_deletions()
    assert check_same(str(tmp_path)) >= 20


def test_phrases_need_the_words_side_by_side(tmp_path):
    docs = [
        {"id": "p1", "title": "", "body": "وزیر اعظم نے اسلام آباد میں خطاب کیا"},
        {"id": "p2", "title": "", "body": "اعظم وزیر نے خطاب کیا"},
        {"id": "p3", "title": "", "body": "وزیر نے کہا۔ اعظم نے سنا"},
        {"id": "p4", "title": "وزیر اعظم", "body": "کچھ اور"},
        {"id": "p5", "title": "", "body": "وزیر اعظم نے کہا کہ وزیر اعظم آئیں گے"},
    ]
    build_index(tmp_path, docs)
    searcher = Searcher(tmp_path, cache_size=0)
    found = searcher.search('"وزیر اعظم"')
    # The whole title first; then the body that has the phrase twice, then once.
    assert [h["id"] for h in found["results"]] == ["p4", "p5", "p1"]
    assert found["total"] == 3
    three = searcher.search('"وزیر اعظم نے"')
    assert [h["id"] for h in three["results"]] == ["p1", "p5"]  # once each: shorter first


def test_three_word_phrases_check_positions_when_both_pairs_occur_apart(tmp_path):
    docs = [
        {"id": "q1", "title": "", "body": "وزیر اعظم آئے اور اعظم نے کہا"},  # pairs, apart
        {"id": "q2", "title": "", "body": "آج وزیر اعظم نے کہا"},
        {"id": "q3", "title": "", "body": "اعظم نے کہا کہ وزیر اعظم آئیں"},  # pairs, apart
    ]
    build_index(tmp_path, docs)
    found = Searcher(tmp_path, cache_size=0).search('"وزیر اعظم نے"')
    assert [h["id"] for h in found["results"]] == ["q2"] and found["total"] == 1


def test_positions_are_read_block_by_block_as_whoosh_reads_them(tmp_path):
    """The engine's block-skipping position reader gives, for any set of documents, what
    Whoosh's own matcher gives posting by posting (lists spanning many blocks)."""
    import numpy as np

    from search.phrases import read_positions, read_positions_slowly

    docs = [{"id": f"d{i:03d}", "title": "",
             "body": " ".join(["کا"] * (1 + i % 4) + ["شہر"] * (i % 3 == 0) + ["کا", "دن"])}
            for i in range(700)]
    build_index(tmp_path, docs)
    searcher, _ = Searcher(tmp_path, cache_size=0)._state()
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        size = reader.doc_count_all()
        blocks, m = 1, reader.postings("body", "کا")  # a block matcher, several blocks
        while not m._lastblock:
            m._next_block()
            blocks += 1
        assert blocks >= 2
        for term in ("کا", "شہر", "دن"):
            for wanted in (np.arange(0, size, 7), np.array([5, 6, 128, 129, size - 1]),
                           np.arange(size)):
                fast = read_positions(reader.postings("body", term), wanted)
                slow = read_positions_slowly(reader.postings("body", term), wanted)
                assert fast == slow and fast, (term, wanted[:5])


def test_result_cache_answers_again_and_forgets_old_generations(tmp_path):
    build_index(tmp_path, [{"id": "a", "title": "لاہور", "body": "لاہور میں بارش"}])
    searcher = Searcher(tmp_path, cache_size=8)
    first = searcher.search("لاہور")
    again = searcher.search("لاہور")
    assert again["results"] is first["results"] and again["total"] == 1  # the kept answer
    assert Searcher(tmp_path, cache_size=0).search("لاہور")["results"] == first["results"]
    update_index(tmp_path, [{"id": "a", "title": "لاہور", "body": "لاہور میں بارش"},
                            {"id": "b", "title": "لاہور", "body": "لاہور کی سڑکیں"}])
    after = searcher.search("لاہور")
    assert after["total"] == 2 and after["generation"] != first["generation"]
    assert sorted(h["id"] for h in after["results"]) == ["a", "b"]


def test_sort_by_date_puts_undated_documents_last(tmp_path):
    build_index(tmp_path, [
        {"id": "old", "title": "بارش", "body": "بارش", "date": "2020-01-01"},
        {"id": "none", "title": "بارش", "body": "بارش"},
        {"id": "new", "title": "بارش", "body": "بارش", "date": "2024-01-01"},
    ])
    found = Searcher(tmp_path, cache_size=0).search("بارش", sort="date")
    assert [h["id"] for h in found["results"]] == ["new", "old", "none"]


def test_packed_blocks_hold_what_whoosh_blocks_hold(tmp_path, sample_docs):
    """search.codec packs each block's ids and weights as bytes; read back (by Whoosh's matcher
    API and by the engine's numpy path) every posting list equals the stock W3 codec's."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec

    from search.codec import TalashCodec
    from search.documents import from_record
    from search.schema import build_schema, index_fields
    from search.scoring import _postings

    docs = [from_record(d, "samples", n) for n, d in enumerate(sample_docs.values(), 1)]
    readers = []
    # Blocks of 8 postings: a sample word in many documents spans several.
    for name, codec in (("stock", W3Codec(blocklimit=8)), ("packed", TalashCodec(blocklimit=8))):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), build_schema())
        with ix.writer(codec=codec) as writer:
            for doc in docs:
                writer.add_document(**index_fields(doc))
        readers.append(ix.reader())
    stock, packed = readers
    compared = 0
    for field in ("body", "loose", "title", "lead"):
        for term in stock.lexicon(field):
            text = term.decode("utf-8")
            assert walk(stock.postings(field, text)) == walk(packed.postings(field, text))
            ids_a, tf_a = _postings(stock, field, text)
            ids_b, tf_b = _postings(packed, field, text)
            assert ids_a.tolist() == ids_b.tolist() and tf_a.tolist() == tf_b.tolist()
            compared += 1
    assert compared > 1000
    long_lists = [t for t in packed.lexicon("body") if packed.doc_frequency("body", t) > 8]
    assert long_lists  # lists of several blocks were compared


def walk(matcher) -> list[tuple[int, float]]:
    """Every posting of a Whoosh matcher, one at a time (Whoosh's own API)."""
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight()))
        matcher.next()
    return out


def test_frequent_lists_hold_the_index_postings_and_updates_leave_old_ones(
        tmp_path, sample_docs, monkeypatch):
    """Each generation gets its frequent terms' lists (search/frequent.py); they equal the
    postings Whoosh holds, and an update (a hard-linked copy) writes its own without
    changing the previous generation's files."""
    import numpy as np

    from search import frequent
    from search.generations import live_generation
    from search.scoring import _postings

    monkeypatch.setattr(frequent, "MIN_DF", 10)  # the samples are few: words in 10+ of them
    docs = list(sample_docs.values())
    build_index(tmp_path, docs)
    first = live_generation(tmp_path)
    lists = frequent.Frequent.load(first)
    assert lists is not None and lists.table["body"]  # e.g. the commonest function words
    assert lists.tf.dtype == np.uint8  # counts, one byte each
    searcher, _ = Searcher(tmp_path, cache_size=0)._state()
    reader = searcher.reader()
    assert hasattr(reader, "_terms")  # one segment: the raw-record path, not the fallback
    for field in frequent.FIELDS:  # frequencies read from the term table's raw records
        assert dict(frequent.frequencies(reader, field)) == {
            t: info.doc_frequency() for t, info in reader.iter_field(field)}
    for field, terms in lists.table.items():
        for term in terms:
            ids, tf = lists.whole(field, term)
            want_ids, want_tf = _postings(reader, field, term)
            assert ids.tolist() == want_ids.tolist() and np.allclose(tf, want_tf)
    before = (first / frequent.IDS).read_bytes()
    changed = [dict(d, body=d["body"] + " لاہور") if d["id"] < "s020" else d for d in docs]
    update_index(tmp_path, changed)
    second = live_generation(tmp_path)
    assert second != first and (first / frequent.IDS).read_bytes() == before
    assert (second / frequent.IDS).read_bytes() != before  # لاہور's list grew
    assert check_same(str(tmp_path)) >= 20  # searched through the lists, as Whoosh finds


def test_warm_reads_the_arrays_and_tables_before_any_search(sample_index):
    from search.arrays import KNOWN_TERMS

    searcher = Searcher(sample_index, cache_size=0)
    searcher.warm(documents=10)
    generation = searcher.engine().generation
    assert set(generation._known) == set(KNOWN_TERMS)
    assert generation._spelling is not None and generation._spelling.freq


def test_frequent_counts_take_the_smallest_exact_type():
    import numpy as np

    from search.frequent import _compact

    assert _compact(np.array([1.0, 255.0], np.float32)).dtype == np.uint8
    assert _compact(np.array([1.0, 256.0], np.float32)).tolist() == [1, 256]
    assert _compact(np.array([1.0, 256.0], np.float32)).dtype == np.uint16
    assert _compact(np.array([1.0, 70000.0], np.float32)).dtype == np.float32
    assert _compact(np.array([1.0, 0.5], np.float32)).tolist() == [1.0, 0.5]


def test_frequent_lists_read_on_several_processes_are_the_same_files(
        tmp_path, sample_docs, monkeypatch):
    import shutil

    from search import frequent
    from search.generations import live_generation

    monkeypatch.setattr(frequent, "MIN_DF", 5)
    build_index(tmp_path / "ix", list(sample_docs.values()))
    gen = live_generation(tmp_path / "ix")
    files = (frequent.IDS, frequent.HIGH, frequent.COUNTS, frequent.BIG, frequent.SPANS,
             frequent.TABLE)
    one = {name: (gen / name).read_bytes() for name in files}
    assert len(frequent._split(frequent._frequent_terms(gen), 3)) == 3
    for name in files:
        (gen / name).unlink()
    frequent.write(gen, procs=3)
    assert {name: (gen / name).read_bytes() for name in files} == one
    shutil.rmtree(tmp_path / "ix")


def test_phrase_counts_reading_the_rarest_words_first_count_as_every_word_would(tmp_path):
    """Positions of the two rarest words decide which documents have the others' read; the
    counts are those of reading every word's positions for every candidate."""
    import random

    import numpy as np

    from search.phrases import chain, occurrences, read_positions_slowly

    rng = random.Random(7)
    vocab = ["وزیر", "اعظم", "نے", "کہا", "کہ", "آج", "خان"]
    weights = [2, 3, 8, 2, 6, 1, 1]  # نے and کہ common, آج and خان rare
    docs = [{"id": f"r{i:03d}", "title": "",
             "body": " ".join(rng.choices(vocab, weights, k=rng.randint(3, 30)))}
            for i in range(300)]
    build_index(tmp_path, docs)
    searcher, _ = Searcher(tmp_path, cache_size=0)._state()
    wanted = [["وزیر", "اعظم", "نے"], ["وزیر", "اعظم", "نے", "کہا"], ["نے", "کہ", "نے"],
               ["آج", "نے", "کہ", "خان"], ["کہا", "کہ"]]
    checked = 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        every = np.arange(reader.doc_count_all())
        for words in wanted:
            for slop in (1, 2):
                got = occurrences(reader, "body", words, every, slop)
                lists = [read_positions_slowly(reader.postings("body", w), every) for w in words]
                want = [chain([found.get(d) for found in lists], slop)
                        if all(found.get(d) for found in lists) else 0 for d in every.tolist()]
                assert got.tolist() == want
                checked += sum(n > 0 for n in want)
    assert checked > 50  # the phrases do occur


def test_phrases_placed_by_their_pairs_count_as_their_positions_do(tmp_path, monkeypatch):
    """A candidate of a phrase of three or more Urdu words has every adjacent pair of them in
    ``join``; where words occurring once place the rest (``Engine._once``, ``phrases.placed``), no
    more positions are read. The counts are those of reading every word's positions, with
    words also in titles (an occurrence there is not in the body) and repeated ones."""
    import random

    import numpy as np
    from whoosh import query as Q

    from search import phrases
    from search.phrases import chain, read_positions_slowly

    decided = []  # what phrases.placed decided from the rarest two words' positions
    placed_by = phrases.placed
    monkeypatch.setattr(phrases, "placed",
                        lambda *a: decided.append(placed_by(*a)) or decided[-1])
    rng = random.Random(11)
    vocab = ["وزیر", "اعظم", "نے", "کہا", "کہ", "آج", "خان", "شہر"]
    weights = [2, 2, 6, 1, 5, 1, 1, 1]

    def text(most):
        return " ".join(rng.choices(vocab, weights, k=rng.randint(0, most)))

    docs = [{"id": f"o{i:03d}", "title": text(4), "body": text(14)} for i in range(1000)]
    build_index(tmp_path, docs)
    searcher = Searcher(tmp_path, cache_size=0)
    engine = searcher.engine()
    whoosh_searcher, _ = searcher._state()
    wanted = [["وزیر", "اعظم", "نے"], ["آج", "نے", "خان"], ["وزیر", "اعظم", "نے", "کہا"],
               ["خان", "کہ", "شہر", "نے"], ["نے", "کہ", "نے"], ["شہر", "آج", "خان", "وزیر"],
               ["وزیر", "نے", "اعظم"], ["اعظم", "کہ", "وزیر"], ["وزیر", "کہ", "نے", "اعظم"]]
    placed = checked = 0
    for field in ("body", "title"):
        for words in wanted:
            ids, counts = engine._phrase(Q.Phrase(field, words))
            assert counts is None
            once = engine._once(field, words, ids)
            placed += int(once[1:-1].all(axis=0).sum())
            got = engine._phrase_counts(field, words, ids, 1)
            want = []
            for doc in ids.tolist():
                for sub, offset in whoosh_searcher.leaf_searchers():
                    if offset <= doc < offset + sub.reader().doc_count_all():
                        reader, local = sub.reader(), np.array([doc - offset])
                lists = [read_positions_slowly(reader.postings(field, w), local).get(local[0])
                         for w in words]
                want.append(chain(lists, 1) if all(lists) else 0)
            assert got.tolist() == want, (field, words)
            checked += sum(n > 0 for n in want)
    # Both shortcuts are taken, each way, and phrases do occur.
    assert placed > 20 and decided.count(1) > 20 and decided.count(None) and checked > 50


def test_placed_decides_only_from_a_word_that_occurs_once():
    from search.phrases import placed

    # کہ (word 0) once at 3, so the phrase can only begin there; word 2 is at 5: the pair of
    # words 0 and 1 puts word 1 at 4.
    assert placed({0: {3}, 2: {5, 9}}, [True, False, False]) == 1
    assert placed({0: {3}, 2: {6, 9}}, [True, False, False]) == 0  # not at 5: nowhere
    assert placed({0: {3, 7}, 2: {5, 9}}, [False, False, False]) is None
    # Word 1 is read but occurs twice: word 2's place is not fixed by their pair.
    assert placed({0: {3}, 1: {4, 8}}, [True, False, False]) is None
    assert placed({0: {3}, 1: {4, 8}}, [True, False, False, False]) is None
    assert placed({2: {6}, 3: {7}}, [False, True, True, False]) == 1  # leftwards too


def test_and_maybe_adds_the_optional_part_where_it_matches(tmp_path):
    """Any-word mode makes a quoted phrase optional (``Q.AndMaybe(words, phrases)``): the
    documents are the first part's, each scored the first part plus the second where it has
    it."""
    import numpy as np
    from whoosh import query as Q

    docs = [{"id": "a", "title": "", "body": "وزیر آیا"},
            {"id": "b", "title": "", "body": "وزیر اعظم آئے"},
            {"id": "c", "title": "", "body": "اعظم گیا"},
            {"id": "d", "title": "", "body": "وزیر وزیر اور اعظم"}]
    build_index(tmp_path, docs)
    engine = Searcher(tmp_path, cache_size=0).engine()
    first, second = Q.Term("body", "وزیر"), Q.Term("body", "اعظم")
    ids, scores = engine.evaluate(Q.AndMaybe(first, second))
    first_ids, first_scores = engine.evaluate(first)
    second_ids, second_scores = engine.evaluate(second)
    assert ids.tolist() == first_ids.tolist() and len(ids) == 3  # a, b, d
    extra = {d: s for d, s in zip(second_ids.tolist(), second_scores.tolist(), strict=True)}
    assert np.allclose(scores, first_scores + [extra.get(d, 0.0) for d in ids.tolist()])
    assert (scores > first_scores).sum() == 2  # b and d have it
