"""Decoded posting lists kept per process, shared by its threads, within a budget of postings:
the least recently used go first (``cachetools.LRUCache`` sized by list length, behind a
lock). The engine's cache of decoded lists (``arrays.Generation``) and the frequent lists'
(``frequent.Frequent``) are each one of these."""

import threading

from cachetools import LRUCache


class PostingsCache:
    """Values are tuples whose first item is the document numbers; a value costs their
    count plus one."""

    def __init__(self, budget: int):
        self._lists = LRUCache(maxsize=budget, getsizeof=lambda value: len(value[0]) + 1)
        self._lock = threading.Lock()

    def get(self, key):
        """The value kept for ``key`` (now the last to go), or None."""
        with self._lock:
            return self._lists.get(key)

    def put(self, key, value):
        """Keep ``value`` unless ``key`` has one already (another thread read it meanwhile)
        or it is larger than the whole budget; older values go to make room."""
        with self._lock:
            if key not in self._lists and self._lists.getsizeof(value) <= self._lists.maxsize:
                self._lists[key] = value

    @property
    def held(self) -> int:
        """The postings (plus one a list) kept now."""
        return int(self._lists.currsize)
