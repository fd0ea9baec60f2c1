"""The DuckDB side: the one module that imports duckdb.

Holds index state (file manifest, extracted facts, resolution keys), time-series events, searchable
documents, their embeddings (cached by content hash) and the full-text index over them.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import QueryError, StoreError

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
-- One vector per distinct text and model: unchanged text is never embedded twice (graphbuddy/search/).
-- FLOAT[] rather than FLOAT[384] so a store can hold vectors of models with other dimensions.
CREATE TABLE IF NOT EXISTS embeddings(content_hash VARCHAR, model VARCHAR, vector FLOAT[],
    created_at TIMESTAMP, PRIMARY KEY(content_hash, model));
"""

# Statements that may change `documents` or `embeddings`: they bump `AnalyticsStore.generation`, which the
# search caches compare (one opener per file, so an in-process counter sees every write).
_SEARCH_WRITE = re.compile(r"^\s*(?!select\b|with\b|describe\b|show\b)[\s\S]*\b(documents|embeddings)\b", re.I)


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
                raise StoreError(f"store is in use by another process: {self.path}", path=self.path) from None
            raise StoreError(f"cannot open analytics database {self.path}: {msg}", path=self.path) from None
        self._error = duckdb.Error
        self._lock = threading.RLock()
        self.generation = 0
        for stmt in _TABLES.split(";"):
            if stmt.strip():
                self._conn.execute(stmt)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def execute(self, sql: str, params: list | tuple | None = None):
        with self._lock:
            if _SEARCH_WRITE.match(sql):
                self.generation += 1
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
            if table in ("documents", "embeddings"):
                self.generation += 1
            self._conn.register("_incoming", data)
            try:
                self._conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
            finally:
                self._conn.unregister("_incoming")

    def load_extension(self, name: str) -> None:
        """Load a DuckDB extension (fts, vss) by file path from its PyPI package: offline, writes nothing to HOME."""
        import importlib

        import duckdb

        try:
            pkg = importlib.import_module(f"duckdb_extension_{name}")
        except ImportError:
            raise StoreError(f"DuckDB extension package duckdb-extension-{name} is not installed") from None
        path = Path(pkg.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        if not path.exists():
            raise StoreError(f"DuckDB extension {name} for duckdb {duckdb.__version__} not found at {path}",
                             path=str(path))
        self.execute(f"LOAD '{path}'")

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
