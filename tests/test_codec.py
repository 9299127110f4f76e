"""The codec's memo-free pickles (search/codec.py: plain_dumps)."""

import pickle
import pickletools

from search.codec import PICKLE_PROTOCOL, plain_dumps


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
