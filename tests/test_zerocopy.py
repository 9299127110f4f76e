"""Compound sub-files read in place (search/zerocopy.py) give what Whoosh's copies give."""

import io
import pickle

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile

from search import zerocopy
from search.generations import open_live
from search.zerocopy import ViewFile, _View

FIELDS = ("title", "body", "join", "xkey", "site")


def _everything(root) -> dict:
    """Every stored document, and every posting (ids, weights) of some fields, as read."""
    ix, _ = open_live(root)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        stored = [searcher.stored_fields(n) for n in range(searcher.doc_count_all())]
        postings = {}
        for field in FIELDS:
            for term in reader.lexicon(field):
                m, found = reader.postings(field, term), []
                while m.is_active():
                    found.append((m.id(), m.weight(), m.value()))
                    m.next()
                postings[(field, term)] = found
        files = set()
        for sub, _ in searcher.leaf_searchers():
            storage = sub.reader().storage().a  # an OverlayStorage: the compound file first
            for name in storage.list() if isinstance(storage, CompoundStorage) else ():
                with storage.open_file(name) as f:
                    files.add(type(f))
    return {"stored": stored, "postings": postings, "files": files}


def test_reads_as_whoosh_reads(sample_index):
    assert list(sample_index.glob("*/*.seg")), "the sample index has no compound segment"
    zerocopy.uninstall()
    try:
        copied = _everything(sample_index)
    finally:
        zerocopy.install()
    viewed = _everything(sample_index)
    assert copied["files"] == {BufferFile} and viewed["files"] == {ViewFile}
    assert viewed["stored"] == copied["stored"] and len(viewed["stored"]) >= 60
    assert viewed["postings"] == copied["postings"]
    assert sum(len(p) for p in viewed["postings"].values()) > 1000


@pytest.mark.parametrize("data", [b"", b"one line\nsecond\n\nlast", bytes(range(256)) * 40])
def test_view_file_moves_as_bytesio(data):
    view, copy = _View(memoryview(data)), io.BytesIO(data)
    steps = [("read", 3), ("readline", -1), ("tell",), ("seek", 2), ("read", -1),
             ("seek", 0), ("readline", 4), ("read", 5000), ("seek", -3, 2), ("read", None),
             ("seek", 1, 1), ("tell",), ("read", 0)]
    for name, *args in steps:
        assert getattr(view, name)(*args) == getattr(copy, name)(*args), (name, args)
    view.seek(0), copy.seek(0)
    a, b = bytearray(7), bytearray(7)
    assert view.readinto(a) == copy.readinto(b) and a == b


def test_pickles_load_from_a_view():
    data = pickle.dumps({"a": [1, 2.5, "اردو"]}) + b"tail"
    f = ViewFile(memoryview(data))
    assert f.read_pickle() == {"a": [1, 2.5, "اردو"]}
    assert f.read(4) == b"tail" and f.get(0, 2) == data[:2]
