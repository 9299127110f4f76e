"""talash's posting formats (search/fields.py): positions as varint gaps, counts without a
value; an index written in Whoosh's formats (older talash) searches and updates the same."""

import random

import pytest
from whoosh import formats
from whoosh import index as whoosh_index

from search import fields
from search.fields import Counts, TalashText, VarintPositions
from search.generations import live_generation
from search.indexing import build_index, update_index
from search.schema import build_schema
from tests.conftest import ranked

QUERIES = ["لاہور", "بجلی کی قیمت", "lahore", '"وزیر اعظم"', '"اسلام آباد میں"',
           "عمران خان کی رہائی", "کراچی", '"کی قیمت"', "ایک دو تین چار پانچ چھ سات"]


@pytest.mark.parametrize("positions", [
    [0], [5], [127], [128], [3, 4, 5], [0, 200, 20_000, 20_001, 3_000_000],
    sorted(random.Random(3).sample(range(50_000), 300)),
])
def test_varint_positions_decode_to_the_positions(positions):
    fmt = VarintPositions()
    value = fmt.encode(positions)
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert [p for p, _boost in fmt.decode_position_boosts(value)] == positions
    if positions[-1] < 128:
        assert len(value) == len(positions)  # one byte a position


def test_positions_are_varint_gaps_low_bits_first():
    # gaps 0, 5, 128, 16,384, 2**21: one, one, two, three and four bytes
    positions = [0, 5, 133, 16_517, 16_517 + 2**21]
    assert VarintPositions().encode(positions) == bytes(
        [0, 5, 0x80, 1, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 1])
    assert VarintPositions().encode([300]) == b"\xac\x02"


def test_talash_fields_write_the_compact_formats():
    schema = build_schema()
    assert isinstance(schema["body"].format, VarintPositions)
    assert isinstance(schema["title"].format, VarintPositions)
    for name in ("loose", "join", "stem", "xkey", "lead"):
        assert isinstance(schema[name].format, Counts)
        assert schema[name].format.fixed_value_size() == 0
    text = "وزیر اعظم نے وزیر خارجہ سے کہا"
    body = {t: (n, v) for t, n, _w, v in schema["body"].index(text)}
    assert body["وزیر".encode()] == (2, bytes([0, 3]))  # words 0 and 3
    assert all(v == b"" for *_rest, v in schema["loose"].index(text))


def test_an_index_in_whoosh_formats_searches_and_updates_as_a_new_one(
        tmp_path, sample_docs, monkeypatch):
    docs = list(sample_docs.values())
    changed = [dict(d, body=d["body"] + " اسلام آباد میں لاہور") for d in docs[:15]]
    build_index(tmp_path / "new", docs)
    with monkeypatch.context() as m:  # talash before its formats: Whoosh's own
        m.setattr(TalashText, "__init__", fields.TEXT.__init__)
        build_index(tmp_path / "old", docs)
    schema = whoosh_index.open_dir(str(live_generation(tmp_path / "old"))).schema
    assert type(schema["body"].format) is formats.Positions
    assert type(schema["join"].format) is formats.Frequency
    want = ranked(tmp_path / "new", QUERIES)
    assert sum(total for _q, total, _ids in want) > 20
    assert ranked(tmp_path / "old", QUERIES) == want
    # An update adds segments in the index's own (older) formats.
    for name in ("new", "old"):
        update_index(tmp_path / name, changed + docs[15:])
    schema = whoosh_index.open_dir(str(live_generation(tmp_path / "old"))).schema
    assert type(schema["body"].format) is formats.Positions
    want = ranked(tmp_path / "new", QUERIES)
    assert ranked(tmp_path / "old", QUERIES) == want
