"""A query typed one way finds sample documents written another way; exact spellings first.

The sample corpus (search/samples/FEATURES.md) writes some articles the messy ways real text
arrives: Arabic-keyboard letters, diacritics, ZWNJ, tatweel, decomposed madda, Urdu and
Arabic-Indic digits, joined and split compounds.
"""

import pytest

from search.querying import Searcher


@pytest.fixture(scope="module")
def searcher(sample_index):
    return Searcher(sample_index)


def ids(searcher, query, **kw):
    return [h["id"] for h in searcher.search(query, per_page=100, **kw)["results"]]


@pytest.mark.parametrize("typed, canonical", [
    ("كراچي", "کراچی"),
    ("پاكستاني", "پاکستانی"),
    ("وزیرِ خارجہ", "وزیر خارجہ"),
    ("محمّد", "محمد"),
    ("خوش\u200cقسمتی", "خوش قسمتی"),
    ("پاکـــستان", "پاکستان"),
    ("\u0627\u0653غاز", "آغاز"),
    ("۲۰۲۴", "2024"),
    ("٢٠٢٤", "2024"),
    ("ＬＡＨＯＲＥ", "lahore"),
], ids=["arabic-letters", "arabic-yeh-kaf", "zer", "shadda", "zwnj", "tatweel",
        "decomposed-madda", "urdu-digits", "arabic-indic-digits", "fullwidth-latin"])
def test_typed_variants_give_the_canonical_results(searcher, typed, canonical):
    found = ids(searcher, typed)
    assert found and found == ids(searcher, canonical)


@pytest.mark.parametrize("query, doc", [
    ("کراچی", "s003"),      # written كراچي
    ("پاکستان", "s010"),    # written پاکـــستان
    ("آغاز", "s011"),       # written with U+0653
    ("محمد", "s009"),       # written محمّد
    ("خوش قسمتی", "s024"),  # written with ZWNJ
    ("3.5 فیصد", "s007"),   # written ۳٫۵ فیصد
    ("3.5 فیصد", "s023"),   # written ٣٫٥ فیصد
    ("1000", "s007"),       # written ۱٬۰۰۰
    ("18 سالہ", "s031"),    # written ۱۸سالہ
    ("اسلام آباد", "s005"),  # written اسلامآباد
], ids=["arabic-letters", "tatweel", "decomposed-madda", "shadda", "zwnj", "urdu-digits",
        "arabic-indic-digits", "thousands-separator", "glued-digits", "joined-compound"])
def test_documents_written_the_other_way_are_found(searcher, query, doc):
    assert doc in ids(searcher, query)


def test_joined_and_split_compounds_meet_with_exact_first(searcher):
    joined, split = ids(searcher, "خوبصورت"), ids(searcher, "خوب صورت")
    assert {"s006", "s055"} <= set(joined) and {"s006", "s055"} <= set(split)
    assert joined.index("s006") < joined.index("s055")  # s006 writes خوبصورت
    assert split.index("s055") < split.index("s006")  # s055 writes خوب صورت


@pytest.mark.parametrize("query, exact, variant", [
    ("لئے", "s061", "لیے"),
    ("جاۓ", "s057", "جائے"),
    ("کیجئے", "s025", "کیجیے"),
], ids=["lie", "jaye", "kijiye"])
def test_exact_spelling_ranks_above_loose_variants(searcher, sample_docs, query, exact, variant):
    found = ids(searcher, query)
    variant_only = [i for i in found if variant in sample_docs[i]["body"]
                    and query not in sample_docs[i]["body"] + sample_docs[i]["title"]]
    assert exact in found and variant_only, (found, variant_only)
    assert found.index(exact) < min(found.index(i) for i in variant_only)
