"""One error hierarchy. The CLI turns these into a one-line message and an exit code."""
from __future__ import annotations


class GraphbuddyError(Exception):
    """Base of every error graphbuddy raises on purpose."""

    exit_code = 1


class StoreError(GraphbuddyError):
    """The store folder is missing, locked, or not a graphbuddy store."""

    exit_code = 3

    def __init__(self, message: str, *, path: str | None = None):
        super().__init__(message)
        self.path = path


class StoreLocked(StoreError):
    """Another process opened the store's files directly (the store owner can wait for it, users never see it)."""


class OwnerNotResponding(StoreError):
    """The store owner process is alive and holds the store, but does not answer (frozen or suspended)."""

    def __init__(self, message: str, *, path: str | None = None, pid: int | None = None):
        super().__init__(message, path=path)
        self.pid = pid


class SchemaError(StoreError):
    """The store's schema is newer than this graphbuddy, or a migration failed."""


class QueryError(GraphbuddyError):
    """A named query is unknown, a parameter is missing, or Cypher failed."""

    exit_code = 4

    def __init__(self, message: str, *, query: str | None = None):
        super().__init__(message)
        self.query = query


class ReadOnlyViolation(QueryError):
    """A read-only entry point was given a statement that writes."""


class IndexingError(GraphbuddyError):
    """A project could not be indexed (bad path, empty result, ...)."""

    exit_code = 5

    def __init__(self, message: str, *, path: str | None = None):
        super().__init__(message)
        self.path = path


class NotFound(GraphbuddyError):
    """A project, file or symbol named by the user does not exist."""

    exit_code = 6


class InvalidArgument(GraphbuddyError):
    """An argument is out of range or malformed."""

    exit_code = 2


class ModelError(GraphbuddyError):
    """An embedding model cannot be found or loaded (the message names the model)."""

    exit_code = 7

    def __init__(self, message: str, *, model: str | None = None):
        super().__init__(message)
        self.model = model
