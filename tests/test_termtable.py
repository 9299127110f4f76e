"""The bulk term-table writer writes the very bytes of Whoosh's OrderedHashWriter."""

import random

import pytest
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

from search.termtable import BulkHashWriter


def written(writer_class, items, extras=None) -> bytes:
    storage = RamStorage()
    writer = writer_class(storage.create_file("t"))
    writer.extras.update(extras or {})
    for key, value in items:
        writer.add(key, value)
    writer.close()
    return storage.open_file("t").read()


def items(n: int, value_size: int = 8, seed: int = 1) -> list[tuple[bytes, bytes]]:
    rnd = random.Random(seed)
    keys = sorted({rnd.randbytes(rnd.randint(1, 12)) for _ in range(n)})
    return [(k, rnd.randbytes(rnd.randint(0, value_size))) for k in keys]


def test_same_bytes_as_whoosh_for_few_and_many_keys():
    for n in (0, 1, 3, 300, 20_000):  # 20,000 keys: colliding slots, several batches
        pairs = items(n)
        assert written(BulkHashWriter, pairs, {"fieldmap": {"a": 0}}) == \
            written(OrderedHashWriter, pairs, {"fieldmap": {"a": 0}})


def test_same_bytes_past_every_index_width():
    """Record positions past 2**16 widen the index array Whoosh stores (H, then i)."""
    pairs = items(3_000, value_size=120, seed=2)
    data = written(BulkHashWriter, pairs)
    assert len(data) > 2**16 and data == written(OrderedHashWriter, pairs)


def test_what_it_writes_reads_back():
    pairs = items(5_000, seed=3)
    storage = RamStorage()
    writer = BulkHashWriter(storage.create_file("t"))
    for key, value in pairs:
        writer.add(key, value)
    writer.close()
    reader = OrderedHashReader.open(storage, "t")
    assert list(reader.items()) == pairs
    assert all(reader[k] == v for k, v in pairs[::97])


def test_keys_out_of_order_are_refused():
    storage = RamStorage()
    writer = BulkHashWriter(storage.create_file("t"))
    writer.add(b"b", b"1")
    writer.add(b"a", b"2")
    with pytest.raises(ValueError, match="Keys must increase"):
        writer.close()
