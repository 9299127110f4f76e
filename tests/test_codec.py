"""The codec (search/codec.py): its memo-free pickles, its compact blocks and the older
tagged ones."""

import pickle
import pickletools
import zlib
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from search.analysis import filters
from search.codec import (
    PICKLE_PROTOCOL,
    CompactLeafMatcher,
    PackedLeafMatcher,
    PackedPostingsWriter,
    TalashCodec,
    pack_ids,
    pack_weights,
    plain_dumps,
    unpack_ids,
    unpack_weights,
)
from search.documents import Document, read_sources
from search.schema import build_schema, index_fields
from search.scoring import _postings
from search.segments import FastSegmentWriter
from tests.conftest import SAMPLE


def _opcodes(data: bytes) -> set[str]:
    return {op.name for op, _arg, _pos in pickletools.genops(data)}


def test_plain_dumps_writes_no_memo_and_reads_back():
    value = b"\x01\x02\x03"
    postings = ((3, 9, 12), (1.0, 2.0, 1.0), (value, value, b"\x04"))
    for protocol in (2, PICKLE_PROTOCOL):
        data = plain_dumps(postings, protocol)
        assert pickle.loads(data) == postings
        assert not _opcodes(data) & {"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE", "GET",
                                     "BINGET", "LONG_BINGET"}
        # The same object met twice is written twice, as Whoosh's writer does.
        assert data.count(value) == 2
        # Pickles made one after another do not refer back to each other.
        assert plain_dumps(postings, protocol) == data


class TaggedBlocksWriter(PackedPostingsWriter):
    """Blocks as talash wrote them before the compact ones: Whoosh's tag at a term's start,
    then per block its length, its pickled statistics and its zlib data."""

    def _mini_ids(self):  # gaps always four bytes
        ids = np.frombuffer(self._ids, dtype=np.uint32)
        return np.diff(ids, prepend=np.uint32(0)).astype("<u4").tobytes()

    def _mini_weights(self):  # weights four bytes
        weights = pack_weights(np.frombuffer(self._weights, dtype=np.float32))
        if isinstance(weights, bytes) and len(weights) == len(self._ids):
            return np.frombuffer(weights, dtype=np.uint8).astype("<f4").tobytes()
        return weights

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = zlib.compress(plain_dumps((self._mini_ids(), self._mini_weights(),
                                          self._mini_values())), self._compression)
        info = plain_dumps((len(self._ids), self._ids[-1], self._maxweight, self._compression,
                            length_to_byte(self._minlength), length_to_byte(self._maxlength)))
        self._postfile.write_int(-(len(info) + len(data)) if last else len(info) + len(data))
        self._postfile.write(info + data)
        self._blockcount += 1
        self._new_block()


class TaggedBlocksCodec(TalashCodec):
    """TalashCodec before the compact blocks (its pickle had no ``blocks``)."""

    def __init__(self):
        super().__init__()
        del self.blocks

    def postings_writer(self, dbfile, byteids=False):
        return TaggedBlocksWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression,
                                  inlinelimit=self._inlinelimit)


def _segment(folder: Path, codec, docs):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = SegmentWriter(ix, codec=codec)
    for doc in docs:
        writer.add_document(**index_fields(doc))
    writer.commit()
    return ix.reader(), sum(p.stat().st_size for p in folder.iterdir())


def test_segments_with_tagged_blocks_read_as_compact_ones(tmp_path):
    """The compact blocks hold what the tagged ones did, in fewer bytes, and a segment
    written with tagged blocks (an older index) is still read as it was written."""
    words = "لاہور کراچی بارش میں کی Lahore rain".split()
    docs = [Document(id=f"d{i}", title="خبر" if i % 3 else "",
                     body=" ".join(words[i % 3: 2 + i % len(words)] * (1 + i % 4)))
            for i in range(400)]
    old, old_size = _segment(tmp_path / "old", TaggedBlocksCodec(), docs)
    new, new_size = _segment(tmp_path / "new", TalashCodec(), docs)
    assert new_size < old_size
    long_lists = 0
    for field in ("title", "body", "loose", "join", "xkey", "lead"):
        assert list(old.lexicon(field)) == list(new.lexicon(field))
        for term in old.lexicon(field):
            text = term.decode("utf-8")
            a, b = old.postings(field, text), new.postings(field, text)
            if isinstance(b, CompactLeafMatcher):
                assert type(a) is PackedLeafMatcher
                long_lists += 1
            assert list(b.all_items()) == list(a.all_items())  # ids, values
            got, want = _postings(new, field, text), _postings(old, field, text)  # weights
            assert [x.tolist() for x in got] == [x.tolist() for x in want]
            if field in ("title", "body"):  # positions, through the format's decoder
                a, b = old.postings(field, text), new.postings(field, text)
                assert list(b.items_as("positions")) == list(a.items_as("positions"))
    assert long_lists > 20


def test_block_ids_and_weights_take_the_narrowest_width():
    for ids in ([7], [7, 8, 300], [0, 70_000], [5, 5 + 255, 5 + 255 + 65_535],
                [2**32 - 3, 2**32 - 1]):
        packed = pack_ids(np.array(ids, dtype=np.uint32))
        gaps = np.diff(ids)
        width = 1 if gaps.max(initial=0) < 256 else 2 if gaps.max() < 65536 else 4
        assert len(packed) == 4 + width * (len(ids) - 1)
        assert unpack_ids(packed, len(ids)).tolist() == ids
    # None: all 1; a float: all the same; bytes: one each (counts) or four (float32).
    for weights, form in (([1, 1, 1], None), ([2, 2], 2.0), ([0.5], 0.5), ([1, 3, 255], 3),
                          ([1, 256], 8), ([1.5, 2], 8)):
        packed = pack_weights(np.array(weights, dtype=np.float32))
        assert (len(packed) if isinstance(packed, bytes) else packed) == form
        assert unpack_weights(packed, len(weights)).tolist() == weights


def _all_postings(reader) -> dict:
    out = {}
    for field in ("title", "body", "loose", "join", "stem", "xkey", "lead"):
        for term in reader.lexicon(field):
            text = term.decode("utf-8")
            ids, weights = _postings(reader, field, text)
            m = reader.postings(field, text)
            out[field, text] = (ids.tolist(), weights.tolist(), list(m.all_items()))
    return out


def test_merged_segments_keep_every_posting(tmp_path):
    """Whoosh merges segments through each posting's value: the valueless counts
    (fields.Counts) come out as empty bytes, and the merged segment holds what one written
    at once does."""
    docs = [d for d in read_sources([SAMPLE]) if isinstance(d, Document)]
    once = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="once")
    merged = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="merged")
    for ix, parts in ((once, [docs]), (merged, [docs[:30], docs[30:]])):
        for part in parts:
            writer = ix.writer(codec=TalashCodec())
            for doc in part:
                writer.add_document(**index_fields(doc))
            writer.commit(merge=False)
    assert len(merged._segments()) == 2
    merged.writer(codec=TalashCodec()).commit(optimize=True)
    assert len(merged._segments()) == 1
    want = _all_postings(once.reader())
    assert len(want) > 1000 and _all_postings(merged.reader()) == want


def _blocks(reader, fieldname: str, term: str) -> list[int]:
    """The postings in each block of a term's list."""
    matcher, sizes = reader.postings(fieldname, term), []
    while matcher.is_active():
        sizes.append(matcher._blocklength)
        matcher._next_block()
    return sizes


def test_lists_without_positions_are_one_block_those_with_positions_blocks_of_128(tmp_path):
    """Fields without positions are read whole, so a list is one block (search.codec's
    LONG_BLOCKS); title and body keep Whoosh's 128 for phrases to skip through. The bulk
    writer (search.segments) and Whoosh's per-term one (merges, updates) agree."""
    body = "بارش لاہور"
    docs = [Document(id=f"d{i}", title="", body=body) for i in range(300)]
    for name, writer_class in (("fast", FastSegmentWriter), ("stock", SegmentWriter)):
        ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=name)
        writer = writer_class(ix, codec=TalashCodec())
        for doc in docs:
            writer.add_document(**index_fields(doc))
        writer.commit()
        reader = ix.reader()
        assert _blocks(reader, "body", "بارش") == [128, 128, 44]
        assert _blocks(reader, "loose", "بارش") == [300]
        assert _blocks(reader, "join", filters.joined("بارش", "لاہور")) == [300]
