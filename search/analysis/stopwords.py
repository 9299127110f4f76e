"""The query-time stop list: pure function words, normalized with the analyzer's own chain.

Stop words are indexed (phrases need them) and dropped only from non-phrase queries; the
cross-script keys also skip pairs that contain one, since a name is not written with them.
"""

from functools import cache
from importlib import resources

from search.analysis import filters
from search.analysis.normalize import normalize

FILES = ("stopwords-ur.txt", "stopwords-en.txt")


@cache
def stopwords() -> frozenset[str]:
    """The stop list as strict terms."""
    words = set()
    for name in FILES:
        data = resources.files("search.analysis").joinpath("data", name).read_text("utf-8")
        for line in data.splitlines():
            if not line.startswith("#"):
                words.update(filters.strict(normalize(w), "ur") for w in line.split())
    return frozenset(words)
