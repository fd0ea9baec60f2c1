"""The DuckDB side: the one module that imports duckdb.

Holds index state (file manifest, extracted facts, resolution keys), and time-series events. Later:
embeddings and full-text indexes.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import QueryError, StoreError, StoreLocked

_TABLES = """
CREATE TABLE IF NOT EXISTS meta(key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS index_files(
    project VARCHAR, path VARCHAR, language VARCHAR, hash VARCHAR, mtime_ns BIGINT, size BIGINT,
    symbols BLOB, body BLOB, keys VARCHAR[], PRIMARY KEY(project, path));
CREATE TABLE IF NOT EXISTS index_state(project VARCHAR PRIMARY KEY, dirty BOOLEAN, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS events(ts TIMESTAMP, project VARCHAR, kind VARCHAR, session_id VARCHAR,
    name VARCHAR, value DOUBLE, attrs JSON);
-- Searchable text, one row per memory item or code symbol, same id as its Kùzu node. Writers of memory
-- (reflections, insights, session summaries) and code symbols put rows here, search and embeddings read it.
CREATE TABLE IF NOT EXISTS documents(id VARCHAR PRIMARY KEY, kind VARCHAR, project VARCHAR, session_id VARCHAR,
    tags VARCHAR[], title VARCHAR, content VARCHAR, content_hash VARCHAR, created_at TIMESTAMP,
    updated_at TIMESTAMP, votes INTEGER, attrs JSON);
"""


class AnalyticsStore:
    """A DuckDB database (`path=None`: in memory). All writes go through one lock."""

    def __init__(self, path: str | Path | None):
        import duckdb

        self.path = None if path is None else str(path)
        try:
            self._conn = duckdb.connect(self.path or ":memory:")
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0]
            if "lock" in msg.lower():
                raise StoreLocked(f"store is in use by another process: {self.path}", path=self.path) from None
            raise StoreError(f"cannot open analytics database {self.path}: {msg}", path=self.path) from None
        self._error = duckdb.Error
        self._lock = threading.RLock()
        for stmt in _TABLES.split(";"):
            if stmt.strip():
                self._conn.execute(stmt)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def execute(self, sql: str, params: list | tuple | None = None):
        with self._lock:
            try:
                return self._conn.execute(sql, params or [])
            except self._error as exc:
                raise QueryError(f"SQL failed: {str(exc).splitlines()[0]}", query=sql) from None

    def rows(self, sql: str, params: list | tuple | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.execute(sql, params).fetchall()

    def arrow(self, sql: str, params: list | tuple | None = None):
        with self._lock:
            return self.execute(sql, params).to_arrow_table()

    def insert_arrow(self, table: str, data) -> None:
        with self._lock:
            self._conn.register("_incoming", data)
            try:
                self._conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
            finally:
                self._conn.unregister("_incoming")

    @contextmanager
    def transaction(self) -> Iterator["AnalyticsStore"]:
        with self._lock:
            self._conn.execute("BEGIN TRANSACTION")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
