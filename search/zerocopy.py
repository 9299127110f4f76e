"""Whoosh's files inside a segment's compound file read in place, not copied.

Whoosh maps each ``.seg`` compound file and opens the files inside it (terms, postings,
stored fields …) as ``BufferFile``s over a ``memoryview`` of the map, but ``BufferFile`` wraps
that view in ``io.BytesIO``, which copies it. Opening a searcher on the 100,000-document
benchmark index copied 1.6 GB this way (its terms and postings files) and took about a
second of CPU, and talash opens one searcher per serving thread: eight threads of two
workers held 13 GB of copies, the machine reclaimed page cache under the pressure, and the
first requests of every thread waited seconds for their searcher.

``install()`` makes the compound storage hand out ``ViewFile``s instead: the same
``BufferFile`` (whose positioned reads, ``get``, already slice the view) with a small
file object over the view that keeps its own position. Nothing is copied until read, and each
reader still has its own position, so threads never share one. Reads of the
``whoosh-reloaded`` version pinned in ``pyproject.toml`` are what this replaces; a test
checks that a patched and an unpatched reader return the same documents and postings.
"""

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class _View:
    """A read-only file over a ``memoryview``: read, readline, readinto, seek, tell."""

    __slots__ = ("_buf", "_pos", "_len")

    def __init__(self, buf: memoryview):
        self._buf, self._pos, self._len = buf, 0, len(buf)

    def read(self, n: int | None = -1) -> bytes:
        pos = self._pos
        end = self._len if n is None or n < 0 else min(pos + n, self._len)
        self._pos = end
        return self._buf[pos:end].tobytes()

    def readinto(self, target) -> int:
        pos = self._pos
        n = min(len(target), self._len - pos)
        memoryview(target).cast("B")[:n] = self._buf[pos:pos + n]
        self._pos = pos + n
        return n

    def readline(self, limit: int | None = -1) -> bytes:
        end = self._len if limit is None or limit < 0 else min(self._pos + limit, self._len)
        at = _find_newline(self._buf[self._pos:end])
        return self.read(end - self._pos if at < 0 else at + 1)

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, self._len)[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self):
        self._buf = memoryview(b"")
        self._len = self._pos = 0


def _find_newline(chunk: memoryview) -> int:
    for start in range(0, len(chunk), 4096):
        at = bytes(chunk[start:start + 4096]).find(b"\n")
        if at >= 0:
            return start + at
    return -1


class ViewFile(BufferFile):
    """Whoosh's ``BufferFile`` over a view of the map, without ``BytesIO``'s copy."""

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = _View(memoryview(buf))
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


def _open_file(self, name, *args, **kwargs):
    """``CompoundStorage.open_file`` with a ``ViewFile`` where Whoosh makes a copying
    ``BufferFile`` (a mapped compound file, which is the case on every platform talash
    serves from)."""
    if self.is_closed:
        raise compound.StorageError("Storage was closed")
    if not self._source:
        return _whoosh_open_file(self, name, *args, **kwargs)
    offset, length = self.range(name)
    return ViewFile(compound.memoryview_(self._source, offset, length), name=name)


_whoosh_open_file = compound.CompoundStorage.open_file


def install():
    """Open compound sub-files without copying, from now on, in this process (idempotent)."""
    compound.CompoundStorage.open_file = _open_file


def uninstall():
    """Whoosh's own (copying) behaviour again; for tests that compare the two."""
    compound.CompoundStorage.open_file = _whoosh_open_file
