"""The per-process cache of decoded posting lists (search/lru.py) and its two users."""

import numpy as np

from search import arrays
from search.arrays import Generation
from search.lru import PostingsCache


def _list(n: int):
    return np.arange(n), np.ones(n)


def test_the_least_recently_used_lists_go_first_within_the_budget():
    cache = PostingsCache(1500)
    first, second, third = _list(1000), _list(400), _list(401)
    cache.put("a", first)
    cache.put("b", second)  # 1001 + 401 postings: within 1500
    assert cache.get("a") is first  # used again: now the last to go
    cache.put("c", third)  # 402 more: over, so the least recently used (b) goes
    assert cache.get("a") is first and cache.get("b") is None and cache.get("c") is third
    assert cache.held == 1001 + 402


def test_a_list_kept_already_or_larger_than_the_budget_is_not_put():
    cache = PostingsCache(1500)
    kept = _list(10)
    cache.put("a", kept)
    cache.put("a", _list(20))  # another thread decoded it meanwhile: the first stays
    cache.put("big", _list(1500))  # 1501 with its one: would empty the cache for nothing
    assert cache.get("a") is kept and cache.get("big") is None and cache.held == 11


def test_the_engine_decodes_a_list_once_and_forgets_within_its_budget(monkeypatch):
    monkeypatch.setattr(arrays, "POSTINGS_CACHE", 1000)
    generation = Generation("g")
    reads = []

    def read(n):
        reads.append(n)
        return _list(n)

    one = generation.postings(("body", "one"), lambda: read(600))
    assert generation.postings(("body", "one"), lambda: read(600)) is one
    generation.postings(("body", "two"), lambda: read(600))  # over 1000: "one" goes
    generation.postings(("body", "one"), lambda: read(600))
    assert reads == [600, 600, 600]
