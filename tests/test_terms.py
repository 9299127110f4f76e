"""The compact term table (search/terms.py, search/terminfo.py): every key and term info reads
back as written and walks are in key order. (Indexes with Whoosh's table: test_old_format.)"""

import os
import random

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.filestore import RamStorage
from whoosh.reading import TermNotFound

from search import terminfo, termsbulk
from search.codec import TalashCodec
from search.terms import BLOCK, TermTableWriter
from search.termsreader import TermTable


def w3(info: W3TermInfo) -> W3TermInfo:
    """``info`` as Whoosh reads it back from its own bytes (float32 weights, length bytes)."""
    return W3TermInfo.from_bytes(W3TermInfo.to_bytes(info))


def fields_of(info: W3TermInfo) -> tuple:
    extent = info._length[0] if isinstance(info._length, tuple) else info._length
    return (info._weight, info._df, info._minlength, info._maxlength, info._maxweight,
            info._minid, info._maxid, info._offset, extent, info._inlined)


def inlined(ids, weights, values=(), lengths=(3, 9)) -> W3TermInfo:
    info = W3TermInfo(weight=0, df=0)
    info._weight = sum(weights)
    info._df = len(ids)
    info._minlength, info._maxlength = lengths
    info._maxweight = max(0, *weights)
    info._minid, info._maxid = ids[0], ids[-1]
    info.set_inlined(ids, weights, values)
    return info


def extent(df, weight, maxweight, minid, maxid, offset, length) -> W3TermInfo:
    info = W3TermInfo(weight=weight, df=df, minlength=2, maxlength=4000,
                      maxweight=maxweight, minid=minid, maxid=maxid)
    info.set_extent(offset, length)
    return info


@pytest.mark.parametrize("info", [
    inlined((7,), (1.0,)),
    inlined((0,), (3.0,), lengths=(5, 5)),
    inlined((5, 300, 70_000), (1.0, 2.0, 200.0)),
    inlined((12, 13), (0.5, 1.25)),  # weights that are not counts
    # float32 weights whose sum is no float32: the info's weight is the float32 of the sum
    inlined((1, 2, 3), tuple(map(terminfo.as_float32, (0.1, 0.2, 0.7)))),
    inlined((4, 4_000_000), (2.0, 1.0), (b"\x01\x05", b"\x00")),  # positions as values
    inlined((9,), (1.0,), lengths=(None, 0)),  # no length recorded
    extent(4, 9.0, 3.0, 17, 99_000, 123_456_789, 70),
    extent(1_000, 1_000.5, 2.75, 0, 5, 0, 1),
    extent(90_000, 2.0**31, 255.0, 3, 2**32 - 2, 2**40, 2**20),
], ids=["one", "first doc", "three", "fractions", "float32 sum", "values", "no length", "extent",
        "fractional extent", "big numbers"])
def test_each_term_info_reads_back_as_whoosh_reads_its_own(info):
    data = terminfo.encode_terminfo(info)
    assert fields_of(terminfo.decode(b"?" + data, 1)) == fields_of(w3(info))
    assert terminfo.doc_frequency(data, 0) == info._df
    assert len(data) < len(W3TermInfo.to_bytes(info)) / (1 if info._df > 10**4 else 2)


def keys_for(rnd: random.Random, n: int) -> list[bytes]:
    """Keys sharing long beginnings (as joined pairs do), some longer than 255 bytes."""
    stems = [rnd.randbytes(rnd.randint(0, 6)) for _ in range(40)]
    keys = {rnd.choice(stems) + rnd.randbytes(rnd.randint(0, 5)) for _ in range(n)}
    keys |= {b"x" * 300 + bytes([i]) for i in range(3)} | {b"x" * 300}
    return sorted(keys)


def table(fields: dict[str, list[bytes]]) -> tuple[TermTable, dict]:
    """A table of ``fields`` (name -> keys), each term's info made from its key."""
    storage = RamStorage()
    writer = TermTableWriter(storage.create_file("t"))
    infos = {}
    for number, (name, keys) in enumerate(fields.items()):
        # (every 7th with 200 bytes of values: an info length of two varint bytes)
        made = [inlined((len(k), len(k) + 1 + i % 3), (1.0, float(i % 5 + 1)),
                        (b"v" * 200, b"w") if i % 7 == 0 else ())
                if i % 4 else extent(10 + i, 20.0 + i, 3.0, i, i + 50, 1000 * i, 9)
                for i, k in enumerate(keys)]
        writer.add_field(name, number, keys, [terminfo.encode_terminfo(m) for m in made])
        infos.update({(name, k): fields_of(w3(m)) for k, m in zip(keys, made, strict=True)})
    writer.close()
    return TermTable(TalashCodec(), storage.open_file("t"), storage.create_file("p")), infos


def test_every_key_and_info_reads_back_and_absent_keys_are_absent():
    rnd = random.Random(5)
    fields = {"body": keys_for(rnd, 3_000), "join": keys_for(rnd, 500), "id": [b"a"],
              "empty": []}
    reader, infos = table(fields)
    assert [(f, k) for f, k in reader.terms()] == list(infos)
    assert [(t, fields_of(i)) for t, i in reader.items()] == list(infos.items())
    for (field, key), want in infos.items():
        assert (field, key) in reader
        assert fields_of(reader.term_info(field, key)) == want
        assert reader.doc_frequency(field, key) == want[1]
        assert reader.frequency(field, key) == want[0]
    for field, keys in fields.items():
        assert list(reader.doc_frequencies(field)) == [(k, infos[field, k][1]) for k in keys]
        present = set(keys)
        for key in (k + b"\x00" for k in keys[:300]):  # near misses: absent, not found
            if key not in present:
                assert (field, key) not in reader
                with pytest.raises(TermNotFound):
                    reader.term_info(field, key)
                with pytest.raises(KeyError):
                    reader.doc_frequency(field, key)
    assert ("body", b"a") not in reader or b"a" in fields["body"]
    assert ("join", fields["body"][7]) not in reader or fields["body"][7] in fields["join"]
    assert ("nofield", b"a") not in reader
    assert set(reader.indexed_field_names()) == set(fields)


def test_one_text_looked_up_in_two_fields_in_a_row_is_each_field_s():
    reader, infos = table({"body": [b"a", b"b", b"shared"], "join": [b"c", b"shared"]})
    assert infos["body", b"shared"] != infos["join", b"shared"]
    for _ in range(2):
        for field in ("body", "join"):
            assert fields_of(reader.term_info(field, b"shared")) == infos[field, b"shared"]
    assert ("body", b"a") in reader
    assert ("join", b"a") not in reader


def test_walks_from_a_prefix_are_in_key_order_and_go_on_into_later_fields():
    rnd = random.Random(8)
    fields = {"body": keys_for(rnd, 2_000), "join": keys_for(rnd, 300)}
    reader, infos = table(fields)
    everything = list(infos)
    for prefix in [b"", b"\x00", b"\xff" * 3, b"x" * 300, *rnd.sample(fields["body"], 40),
                   *(k[:2] for k in rnd.sample(fields["body"], 40))]:
        want = [t for t in everything if t >= ("body", prefix)]
        assert list(reader.terms_from("body", prefix)) == want
        assert [(t, fields_of(i)) for t, i in reader.items_from("body", prefix)] == \
            [(t, infos[t]) for t in want]
    assert list(reader.terms_from("join", b"")) == [t for t in everything if t[0] == "join"]
    assert len(fields["body"]) > 20 * BLOCK


def _shared_and_keys(data: bytes, nkeys: int) -> tuple[list[int], list[bytes]]:
    """The shared-byte counts and keys of a field's records, read plainly (``search.terms``)."""
    shared, keys, pos, key = [], [], 0, b""
    for i in range(nkeys):
        same = 0 if i % BLOCK == 0 else data[pos]
        pos += i % BLOCK != 0
        size, pos = terminfo.read_varint(data, pos)
        key = key[:same] + data[pos:pos + size]
        size, pos = terminfo.read_varint(data, pos + size)  # the info
        pos += size
        shared.append(same)
        keys.append(key)
    assert pos == len(data)
    return shared, keys


def test_each_key_is_front_coded_on_the_one_before_up_to_255_bytes():
    rnd = random.Random(12)
    long = {b"y" * n + rnd.randbytes(2) for n in (20, 23, 24, 25, 40, 254, 255, 256, 400)}
    keys = sorted(set(keys_for(rnd, 2_000)) | long)
    data, starts = termsbulk.records(keys, termsbulk.runs([bytes(i % 3) for i in
                                                           range(len(keys))]), BLOCK)
    shared, read = _shared_and_keys(data.tobytes(), len(keys))
    want = [0 if i % BLOCK == 0 else min(len(os.path.commonprefix([keys[i - 1], key])), 255)
            for i, key in enumerate(keys)]
    assert shared == want
    assert read == keys
    assert max(want) == 255 and sum(s > 24 for s in want) > 5
    assert len(starts) == -(-len(keys) // BLOCK)


def test_keys_out_of_order_or_a_field_twice_are_refused():
    writer = TermTableWriter(RamStorage().create_file("t"))
    with pytest.raises(ValueError, match="keys must increase"):
        writer.add_field("body", 0, [b"b", b"a"], [b"", b""])
    writer.add_field("join", 1, [b"a"], [b""])
    with pytest.raises(ValueError, match="written twice"):
        writer.add_field("join", 1, [b"b"], [b""])


def test_a_file_that_is_not_a_term_table_is_refused():
    reader, _infos = table({"body": keys_for(random.Random(2), 200)})
    data = bytes(reader._buf)
    with pytest.raises(ValueError, match="not a talash term table"):
        TermTable(TalashCodec(), _file(b"TRM!" + bytes(data[4:])), _file(b""))


def _file(data: bytes):
    storage = RamStorage()
    with storage.create_file("f") as f:
        f.write(data)
    return storage.open_file("f")


def test_infos_encoded_with_numpy_are_the_per_term_bytes():
    """termsbulk (a segment's commit) writes what terminfo (a merge, term by term) does."""
    rnd = random.Random(4)
    counts = np.array([rnd.choice((1, 1, 1, 2, 3)) for _ in range(3_000)])
    docs = np.concatenate([np.sort(rnd.sample(range(2**31), c)) for c in counts.tolist()])
    singles = np.array([rnd.choice((1.0, 2.0, 255.0, 300.0, 0.5, 2.0**40))
                        for _ in docs]).astype(np.float32)
    values = [rnd.choice((b"", b"", b"\x01", rnd.randbytes(rnd.randint(1, 200))))
              for _ in docs]
    lo = np.array([rnd.choice((0, 5, 9)) for _ in counts], dtype=np.uint8)
    hi = np.maximum(lo, np.array([rnd.choice((0, 9, 200)) for _ in counts], dtype=np.uint8))
    data, starts = termsbulk.inlined(counts, docs, singles, values, lo, hi)
    s, want = 0, []
    for c, a, b in zip(counts.tolist(), lo.tolist(), hi.tolist(), strict=True):
        want.append(terminfo.encode_inlined(docs[s:s + c].tolist(), singles[s:s + c].tolist(),
                                            tuple(v for v in values[s:s + c] if v), a, b))
        s += c
    assert data.tobytes() == b"".join(want)
    assert np.diff(starts, append=len(data)).tolist() == list(map(len, want))
    n = 500
    df = np.array([rnd.randint(4, 10**6) for _ in range(n)])
    weight = np.array([rnd.choice((float(d), d + 0.25, 1e30)) for d in df.tolist()])
    top = np.array([rnd.choice((1.0, 3.5, 2.0**33)) for _ in range(n)])
    minid = np.array([rnd.randint(0, 2**31) for _ in range(n)])
    maxid = minid + np.array([rnd.randint(0, 2**20) for _ in range(n)])
    offset = np.array([rnd.randint(0, 2**40) for _ in range(n)])
    length = np.array([rnd.randint(1, 2**24) for _ in range(n)])
    data, _starts = termsbulk.extents(df, weight, top, lo[:n], hi[:n], minid, maxid, offset,
                                      length)
    assert data.tobytes() == b"".join(
        terminfo.encode_extent(*row) for row in zip(
            df.tolist(), weight.tolist(), top.tolist(), lo[:n].tolist(), hi[:n].tolist(),
            minid.tolist(), maxid.tolist(), offset.tolist(), length.tolist(), strict=True))
