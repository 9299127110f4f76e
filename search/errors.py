"""The engine's named exceptions. Each message says what happened and what to do next."""


class TalashError(Exception):
    """Base class: an error a user or operator can act on."""

    exit_code = 1


class IndexMissing(TalashError):
    """No live index where one was expected."""

    exit_code = 3


class IndexCorrupt(TalashError):
    """The live index exists but cannot be read."""

    exit_code = 3


class ReindexNeeded(TalashError):
    """The index was built by another analyzer version or schema."""

    exit_code = 3


class ReindexRunning(TalashError):
    """Another reindex holds the lock on this index directory."""

    exit_code = 4


class SourceError(TalashError):
    """A source of documents cannot be read at all (missing file, unknown format)."""

    exit_code = 2


class BadRecords(TalashError):
    """``--strict`` was given and some records were rejected."""

    exit_code = 5


class IndexWriteFailed(TalashError):
    """The new generation could not be written (a full disk, a read-only file system)."""

    exit_code = 6


class QueryError(TalashError):
    """A search request that cannot be answered as given (bad page, unknown sort)."""

    exit_code = 2
