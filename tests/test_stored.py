"""Stored fields deflated with a dictionary per segment (search/stored.py): every document
reads back as it was stored, in fewer bytes than Whoosh's column, and segments written with
Whoosh's column (older talash) still read."""

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from search import stored
from search.codec import TalashCodec
from search.documents import Document, read_sources
from search.schema import build_schema, index_fields
from tests.conftest import SAMPLE


class WhooshStored(TalashCodec):
    """TalashCodec before the dictionary: Whoosh's stored column (no ``stored``)."""

    per_document_writer = W3Codec.per_document_writer

    def __init__(self):
        super().__init__()
        del self.stored


def _docs() -> list[Document]:
    return [d for d in read_sources([SAMPLE]) if isinstance(d, Document)]


def _index(folder, codec, parts) -> whoosh_index.FileIndex:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    for part in parts:
        writer = ix.writer(codec=codec)
        for doc in part:
            writer.add_document(**index_fields(doc))
        writer.commit(merge=False)
    return ix


def _stored_bytes(ix) -> int:
    total = 0
    for segment in ix._segments():
        files = segment.open_compound_file(ix.storage)
        total += sum(files.file_length(n) for n in files.list() if "stored" in n or
                     n.endswith(stored.DICTIONARY))
    return total


@pytest.mark.parametrize("sample", [5, 1000])  # a dictionary made mid-segment, or at close
def test_every_document_reads_back_as_stored(tmp_path, monkeypatch, sample):
    monkeypatch.setattr(stored, "SAMPLE", sample)
    docs = _docs()
    ix = _index(tmp_path / "new", TalashCodec(), [docs[:40], docs[40:]])
    old = _index(tmp_path / "old", WhooshStored(), [docs[:40], docs[40:]])
    want = list(old.searcher().all_stored_fields())
    assert [f["id"] for f in want] == [d.id for d in docs]
    assert list(ix.searcher().all_stored_fields()) == want
    assert _stored_bytes(ix) < 0.9 * _stored_bytes(old)
    # Segments of both kinds in one index (an older index updated), and merged.
    writer = old.writer(codec=TalashCodec())
    for doc in docs[:10]:
        writer.add_document(**index_fields(doc))
    writer.commit(merge=False)
    with old.searcher() as searcher:
        assert list(searcher.all_stored_fields()) == want + want[:10]
    old.writer(codec=TalashCodec()).commit(optimize=True)
    assert len(old._segments()) == 1
    with old.searcher() as searcher:
        assert list(searcher.all_stored_fields()) == want + want[:10]


def test_a_segment_of_more_than_2_15_documents_reads_its_dictionary(tmp_path, monkeypatch):
    """Whoosh writes a column with documents missing wrongly once it fills them in past
    2**15 documents with offsets wider than the ones it held: every document has a value
    (documents here store nothing but every 1000th; the one at 2**15 takes the offsets past
    65,535 before ten that store nothing) and the dictionary is a file of its own."""
    import base64
    import random

    from whoosh.fields import ID, STORED, Schema

    big = base64.b64encode(random.Random(1).randbytes(90_000)).decode()  # does not deflate

    def text(n):
        return big if n == 2**15 else f"خبر نمبر {n}" if n % 1000 == 0 else None

    monkeypatch.setattr(stored, "SAMPLE", 3)
    ix = whoosh_index.create_in(str(tmp_path), Schema(id=ID, text=STORED))
    writer = ix.writer(codec=TalashCodec())
    for n in range(2**15 + 10):
        writer.add_document(id=str(n), text=text(n))
    writer.commit()
    with ix.searcher() as searcher:
        for n in (0, 5, 32_000, 2**15, 2**15 + 1, 2**15 + 9):
            assert searcher.stored_fields(n) == ({"text": text(n)} if text(n) else {})
