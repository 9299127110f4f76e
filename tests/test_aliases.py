"""The alias table: translated names as query-time synonyms, and clear errors for bad files."""

import doctest

import pytest
from whoosh import query as Q

from search import aliases
from search.aliases import AliasFileError, load, parse
from search.analysis.crossscript import Match
from search.analysis.tokenizers import tokenize
from search.indexing import build_index, open_live

BOOSTS = {"title": 3.0, "body": 1.5, "join": 1.2}


@pytest.fixture(scope="module")
def table():
    return load()


def found(table, text):
    """(matched form, first alternatives) per alias match in ``text``."""
    return [(m.form.text, [a.text for a in m.alternatives])
            for m in table.find(tokenize(text), text)]


def test_builtin_table_loads(table):
    assert len(table) >= 30
    assert table.source.endswith("aliases.txt")


@pytest.mark.parametrize("text, form", [
    ("US elections", '"US"'),
    ("U.S. tariffs", "U.S."),
    ("pti jalsa", "PTI"),
    ("PTI", "PTI"),
    ("تحریک انصاف کا احتجاج", "تحریک انصاف"),
    ("پاکستان تحریک انصاف", "پاکستان تحریک انصاف"),  # the longest form wins
    ("new army chief", "army chief"),
    ("IMF loan", "IMF"),
    ("آئی ایم ایف", "آئی ایم ایف"),
    ("PML-N", "PML-N"),
    ("PML(N)", "PML-N"),  # same words after normalization
    ("ECP", "ECP"),
    ("امریکا", "امریکا"),
])
def test_forms_are_found(table, text, form):
    assert [f for f, _ in found(table, text)] == [form]


@pytest.mark.parametrize("text", ["us", "let us go", "un", "pm", "army", "chief", "blinken", ""])
def test_ordinary_words_are_not_aliases(table, text):
    assert found(table, text) == []


def test_alternatives_are_the_other_forms_of_the_group(table):
    [(form, others)] = found(table, "PTI")
    assert form == "PTI"
    assert others == ["تحریک انصاف", "پاکستان تحریک انصاف", "پی ٹی آئی", "Tehreek-e-Insaf",
                      "Tehrik-e-Insaf"]


def test_several_aliases_in_one_query(table):
    text = "the UN and IMF"
    assert [(m.start, m.end) for m in table.find(tokenize(text), text)] == [(1, 2), (3, 4)]


def test_expand_gives_alternative_query_strings():
    table = parse("امریکہ | \"US\" | America\nچین | China\n")
    assert table.expand("US China talks") == [
        "امریکہ China talks", "America China talks",  # a quoted form is never an alternative
        "US چین talks",
    ]
    assert table.expand("america") == ["امریکہ"]
    assert table.expand("us and them") == []


def test_explain_names_the_alias_form(table):
    q = "PTI protest"
    doc = "پاکستان تحریک انصاف نے احتجاج کا اعلان کیا"
    assert table.explain(tokenize(q), q, [(doc, tokenize(doc))]) == [
        Match("pti", "پاکستان تحریک انصاف", "alias", 0, 19),
    ]


def explained(table, q, *texts):
    docs = [(t, tokenize(t)) for t in texts]
    return [m.label() + f" ({m.via})" for m in aliases.explain(tokenize(q), q, docs, table)]


def test_explain_gives_one_form_per_query_word(table):
    assert explained(table, "IMF", "آئی ایم ایف سے مذاکرات") == ["imf → آئی ایم ایف (alias)"]
    assert explained(None, "IMF", "آئی ایم ایف سے مذاکرات") == ["imf → ایم ایف (key)"]
    assert explained(table, "US blinken", "بلنکن امریکا اور امریکہ") == [
        "us → امریکا (alias)", "blinken → بلنکن (key)"]
    assert explained(table, "blinken", "Blinken", "بلنکن") == []  # the title has it as typed
    assert explained(table, "bijli ki qeemat", "بجلی کی قیمت") == [
        "bijli ki → بجلی کی (key)", "qeemat → قیمت (key)"]


@pytest.fixture(scope="module")
def alias_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("alias-index")
    docs = [
        {"id": "a1", "body": "امریکہ نے نئے محصولات کا اعلان کیا۔"},
        {"id": "a2", "body": "تحریک انصاف نے جلسے کا اعلان کیا۔"},
        {"id": "a3", "body": "The United States announced new tariffs."},
        {"id": "a4", "body": "تحریکانصاف کے کارکن جمع ہوئے۔"},
        {"id": "a5", "body": "انصاف کی تحریک چلتی رہے گی۔"},
        {"id": "a6", "body": "We asked us to stay."},
        {"id": "a7", "body": "وزیر اعظم نے خطاب کیا۔"},
    ]
    build_index(root, docs)
    ix, _ = open_live(root)
    return ix


def alias_hits(ix, table, text):
    matches = table.find(tokenize(text), text)
    if not matches:
        return []
    with ix.searcher() as s:
        hits = s.search(Q.Or([m.query(BOOSTS) for m in matches]), limit=None)
        return sorted(h["id"] for h in hits)


def test_alias_query_finds_the_translations(alias_index, table):
    assert alias_hits(alias_index, table, "US") == ["a1", "a3"]
    assert alias_hits(alias_index, table, "America") == ["a1", "a3"]
    # the phrase, and the two words written as one; not the two words apart (a5)
    assert alias_hits(alias_index, table, "PTI") == ["a2", "a4"]
    assert alias_hits(alias_index, table, "us") == []
    assert alias_hits(alias_index, table, "prime minister") == ["a7"]


GOOD = "# names\n\nامریکہ | \"US\" | America\n"


@pytest.mark.parametrize("text, message", [
    ("PTI\n", "bad.txt:1: a group needs at least two different forms separated by '|', "
              "found 1 in 'PTI'; add the other forms or delete the line"),
    (GOOD + "PTI | pti\n", "bad.txt:4: a group needs at least two different forms separated "
                           "by '|', found 1 in 'PTI | pti'; add the other forms or delete "
                           "the line"),
    ("US | | America\n", "bad.txt:1: empty form (a '|' at the start or end, or two in a row); "
                         "remove the extra separator"),
    ("US | America |\n", "bad.txt:1: empty form (a '|' at the start or end, or two in a row); "
                         "remove the extra separator"),
    ('US" | America\n', "bad.txt:1: form 'US\"': a double quote must wrap a whole form, "
                        'as in "US"'),
    ("US | ...\n", "bad.txt:1: form '...' has no words to match; write the name in letters "
                   "or digits"),
    (GOOD + "چین | america\n", "bad.txt:4: form 'america' is already in the group on line 3; "
                               "merge the two lines into one"),
])
def test_malformed_file_names_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AliasFileError) as exc:
        load(path)
    assert str(exc.value) == f"{tmp_path}/{message}"


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(GOOD.encode() + "Türkiye | Turkey\n".encode("latin-1"))
    with pytest.raises(AliasFileError, match=r"latin1\.txt:4: this line is not UTF-8 text; "
                                             "save the file as UTF-8"):
        load(path)


def test_missing_file(tmp_path):
    with pytest.raises(AliasFileError, match="alias file not found: .*nope.txt; point "
                                             "TALASH_ALIASES at an existing file"):
        load(tmp_path / "nope.txt")


def test_operator_file_replaces_the_builtin_table(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("\ufeff# mine\r\nسپہ سالار | COAS\r\n", encoding="utf-8")
    table = load(path)
    assert len(table) == 1 and table.source == str(path)
    assert found(table, "coas") == [("COAS", ["سپہ سالار"])]
    assert found(table, "PTI") == []
    assert load("") is not table and len(load("")) == len(load())


def test_check_command(tmp_path, capsys):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text("PTI\n", encoding="utf-8")
    assert aliases.main([str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: 1 alias groups, OK\n"
    assert aliases.main([str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"Error: {bad}:1: a group needs")


def test_doctests():
    assert doctest.testmod(aliases).failed == 0
