"""A Whoosh codec that inlines short posting lists, as Whoosh 2.7's own was meant to.

Whoosh's W3 codec writes every term's postings as a separate compressed, pickled block in
the postings file. Its "inline short lists into the term info" path is unreachable at the
default limit and broken above it (it calls ``set_inline``; the method is ``set_inlined``).
talash's joined-pair and cross-script fields hold many terms that occur in one or a few
documents, so writing those inline saves a block per term at commit. Readers already handle
inlined postings (``W3Codec.postings_reader``).

The codec is pickled into each segment: this module path is part of the index format.
"""

from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter

INLINE_LIMIT = 4  # posting lists shorter than this are stored in the term info


class InliningPostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class TalashCodec(W3Codec):
    def __init__(self, blocklimit=128, compression=3, inlinelimit=INLINE_LIMIT):
        super().__init__(blocklimit, compression, inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        return InliningPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                      compression=self._compression,
                                      inlinelimit=self._inlinelimit)
