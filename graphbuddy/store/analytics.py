"""The DuckDB side: the one module that imports duckdb.

Holds index state (file manifest, extracted facts, resolution keys), time-series events, searchable
documents, their embeddings (cached by content hash) and the full-text index over them.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import QueryError, StoreError, StoreLocked
from ..paths import storable

log = logging.getLogger(__name__)

_TABLES = """
CREATE TABLE IF NOT EXISTS meta(key VARCHAR PRIMARY KEY, value VARCHAR);
-- No primary key on (project, path): the writer deletes a file's row before inserting it (index/state.py), and
-- with the key every COMMIT that inserted a row cost 3-6 ms more (DuckDB 1.5.5; a one-file delta pays it)
CREATE TABLE IF NOT EXISTS index_files(
    project VARCHAR, path VARCHAR, language VARCHAR, hash VARCHAR, mtime_ns BIGINT, size BIGINT,
    symbols BLOB, body BLOB, keys VARCHAR[]);
-- digest: of the file's resolved outgoing edges (graphbuddy/index/load.py), so a delta rewrites only edges that changed
ALTER TABLE index_files ADD COLUMN IF NOT EXISTS digest VARCHAR;
-- lookup_keys: the keys a file's resolution read (graphbuddy/index/resolve.py), packed (state.pack_keys); the
-- `keys` list is no longer written: DuckDB logs a whole list column to its WAL whenever one row is written
ALTER TABLE index_files ADD COLUMN IF NOT EXISTS lookup_keys BLOB;
CREATE TABLE IF NOT EXISTS index_state(project VARCHAR PRIMARY KEY, dirty BOOLEAN, updated_at TIMESTAMP);
-- graph_stamp: the Project node's indexed_at written by the last run whose state committed (index/state.py)
ALTER TABLE index_state ADD COLUMN IF NOT EXISTS graph_stamp TIMESTAMP;
CREATE TABLE IF NOT EXISTS events(ts TIMESTAMP, project VARCHAR, kind VARCHAR, session_id VARCHAR,
    name VARCHAR, value DOUBLE, attrs JSON);
-- Searchable text, one row per memory item or code symbol, same id as its Kùzu node. Writers of memory
-- (reflections, insights, session summaries) and code symbols put rows here, search and embeddings read it.
CREATE TABLE IF NOT EXISTS documents(id VARCHAR PRIMARY KEY, kind VARCHAR, project VARCHAR, session_id VARCHAR,
    tags VARCHAR[], title VARCHAR, content VARCHAR, content_hash VARCHAR, created_at TIMESTAMP,
    updated_at TIMESTAMP, votes INTEGER, attrs JSON);
-- Quality checkpoints of a session (written by the memory capture, read by the quality trend and correlations).
CREATE TABLE IF NOT EXISTS checkpoints(session_id VARCHAR, project VARCHAR, ts TIMESTAMP, score DOUBLE,
    components JSON);
-- Git history, one row per commit per project (graphbuddy.analytics.git). ts is UTC, type/scope/breaking come
-- from the conventional-commit header (NULL type: not conventional), files/insertions/deletions from --numstat
-- (NULL for the boundary commit of a shallow clone), merge: more than one parent. No semicolons in comments.
CREATE TABLE IF NOT EXISTS commits(project VARCHAR, sha VARCHAR, ts TIMESTAMP, author VARCHAR, type VARCHAR,
    scope VARCHAR, breaking BOOLEAN, subject VARCHAR, files INTEGER, insertions INTEGER, deletions INTEGER,
    merge BOOLEAN, PRIMARY KEY(project, sha));
-- One vector per distinct text and model: unchanged text is never embedded twice (graphbuddy/search/).
-- FLOAT[] rather than FLOAT[384] so a store can hold vectors of models with other dimensions.
CREATE TABLE IF NOT EXISTS embeddings(content_hash VARCHAR, model VARCHAR, vector FLOAT[],
    created_at TIMESTAMP, PRIMARY KEY(content_hash, model));
-- last, so the script's result is the layout version (_upgrade): no second round trip at open
SELECT value FROM meta WHERE key = 'analytics_layout';
"""
LAYOUT = "2"      # 2: index_files without its primary key

# Statement kinds user SQL may run (DuckDB's own parser decides the kind): DESCRIBE, SHOW, SUMMARIZE and
# table-valued PRAGMAs parse as SELECT. Everything else (COPY, ATTACH, INSTALL/LOAD, SET, PRAGMA, EXPORT,
# CALL, DDL, DML, transactions) is refused.
_READ_STATEMENTS = {"SELECT", "EXPLAIN"}

# Statements that may change `documents` or `embeddings`: they bump `AnalyticsStore.generation`, which the
# search caches compare (one opener per file, so an in-process counter sees every write).
_SEARCH_WRITE = re.compile(r"^\s*(?!select\b|with\b|describe\b|show\b)[\s\S]*\b(documents|embeddings)\b", re.I)


SMALL_INSERT = 8      # rows up to which `insert_arrow` binds VALUES instead of scanning an Arrow table


def sql_literal(text: str) -> str:
    """A quoted SQL string literal. The no-change path reads without bound parameters because duckdb's
    first parameter binding imports pandas (~0.1-0.4 s of a cold CLI run, measured)."""
    return "'" + text.replace("'", "''") + "'"


def _duckdb():
    """DuckDB's compiled core. The `duckdb` package re-exports these very objects (`duckdb.connect is
    _duckdb.connect`); importing the package on top costs ~30 ms (importlib.metadata for its version
    string, DB-API type objects) of a ~0.15 s no-change CLI run. Anything of the package that DuckDB itself
    needs later, it imports then."""
    try:
        import _duckdb as duckdb
    except ImportError:        # a packaging without the separate core module
        import duckdb
    return duckdb


# A checkpoint at close costs ~0.4-0.5 s after any write to `documents` (DuckDB rewrites its primary-key index;
# stdlib, 72k rows), most of a one-file CLI delta's closing; replaying a delta's ~3 KB of log at the next open
# costs ~1-3 ms. So a small log is left for the next open and a bigger one checkpointed (about every 10 deltas).
WAL_KEPT_AT_CLOSE = 32 << 10


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


class AnalyticsStore:
    """A DuckDB database (`path=None`: in memory). All writes go through one lock."""

    def __init__(self, path: str | Path | None):
        duckdb = _duckdb()

        self.path = None if path is None else str(path)
        try:
            self._conn = duckdb.connect(self.path or ":memory:")
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0]
            if "lock" in msg.lower():
                raise StoreLocked(f"store is in use by another process: {self.path}", path=self.path) from None
            raise StoreError(f"cannot open analytics database {self.path}: {msg}", path=self.path) from None
        self._error = duckdb.Error
        self._tokenize = duckdb.tokenize
        self._lock = threading.RLock()
        self._tx_depth = 0
        self._reader = None
        self.generation = 0
        if self.path is not None:
            self._conn.execute("PRAGMA disable_checkpoint_on_shutdown")      # `close` decides
        # one call for the whole script: ~1 ms, one per statement ~1 ms each
        layout = self._conn.execute(_TABLES).fetchall()
        if layout != [(LAYOUT,)]:
            self._upgrade()

    def _upgrade(self) -> None:
        """Bring a store written by an older graphbuddy to `LAYOUT`, in one transaction (an interrupted
        upgrade leaves the old layout, upgraded at the next open)."""
        conn = self._conn
        conn.execute("BEGIN TRANSACTION")
        try:
            if conn.execute("SELECT 1 FROM duckdb_constraints() WHERE table_name = 'index_files' "
                            "AND constraint_type = 'PRIMARY KEY'").fetchall():
                conn.execute("CREATE TABLE index_files_upgraded AS SELECT * FROM index_files")
                conn.execute("DROP TABLE index_files")
                conn.execute("ALTER TABLE index_files_upgraded RENAME TO index_files")
            conn.execute(f"INSERT OR REPLACE INTO meta VALUES ('analytics_layout', '{LAYOUT}')")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        if self._conn is not None:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            if self.path is not None and _file_size(self.path + ".wal") > WAL_KEPT_AT_CLOSE:
                try:
                    self._conn.execute("CHECKPOINT")
                except self._error as exc:      # the log stays, replayed at the next open: nothing is lost
                    log.warning("analytics checkpoint at close failed: %s", str(exc).splitlines()[0])
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

    def meta(self, key: str) -> str | None:
        """The value of a `meta` row (None when missing). No bound parameters: see `sql_literal`."""
        rows = self.rows("SELECT value FROM meta WHERE key = " + sql_literal(key))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Write a `meta` row; None removes it."""
        if value is None:
            self.execute("DELETE FROM meta WHERE key = " + sql_literal(key))
        else:
            self.execute(f"INSERT OR REPLACE INTO meta VALUES ({sql_literal(key)}, {sql_literal(value)})")

    def read_only(self, sql: str, params: dict | list | tuple | None = None, *, timeout_ms: int = 0,
                  max_rows: int | None = None):
        """Run one user SELECT on a separate connection inside a READ ONLY transaction; returns Arrow.
        At most `max_rows + 1` rows come back (so the caller can tell the result was cut); `timeout_ms`
        (0: none) interrupts a query that runs longer.

        Two fences: DuckDB's parser must classify the text as exactly one SELECT/EXPLAIN statement, and the
        transaction is read-only, so the database itself refuses any write the classification missed.
        """
        from ..errors import ReadOnlyViolation

        values = params.values() if isinstance(params, dict) else params or ()
        if not storable(sql) or not all(storable(v) for v in values if isinstance(v, str)):
            # a lone surrogate (a non-UTF-8 byte of argv): pybind refused it with a raw TypeError
            raise QueryError("SQL failed: the text or a parameter is not valid UTF-8", query=None)
        with self._lock:
            kind = self._statement_kind(sql)
            if kind == "EXPLAIN":
                # EXPLAIN ANALYZE runs what it explains, and the READ ONLY transaction only stops writes to
                # tables: COPY ... TO wrote files and SET changed settings. Only a SELECT may be explained.
                inner = _explained(sql, self._tokenize)
                inner_kind = self._statement_kind(inner) if inner is not None else "unknown"
                if inner_kind != "SELECT":
                    raise ReadOnlyViolation(f"read-only: EXPLAIN of {inner_kind} statements is refused", query=sql)
            elif kind not in _READ_STATEMENTS:
                raise ReadOnlyViolation(f"read-only: {kind} statements are refused", query=sql)
            if self._reader is None:
                self._reader = self._conn.cursor()
            reader = self._reader
            reader.execute("BEGIN TRANSACTION READ ONLY")
            timer = threading.Timer(timeout_ms / 1000, reader.interrupt) if timeout_ms else None
            try:
                if timer:
                    timer.start()
                result = reader.execute(sql, params or [])
                if max_rows is None:
                    return result.to_arrow_table()
                return _first_rows(result.fetch_record_batch(), max_rows + 1)
            except self._error as exc:
                raise QueryError(f"SQL failed: {str(exc).splitlines()[0]}", query=sql) from None
            finally:
                if timer:
                    timer.cancel()
                reader.execute("ROLLBACK")

    def _statement_kind(self, sql: str) -> str:
        """DuckDB's parser's kind of the one statement in `sql` (SELECT, EXPLAIN, COPY, ...)."""
        from ..errors import ReadOnlyViolation

        try:
            statements = self._conn.extract_statements(sql)
        except self._error as exc:
            raise QueryError(f"SQL failed: {str(exc).splitlines()[0]}", query=sql) from None
        if not statements:
            raise QueryError("empty query: give one SQL statement (a SELECT)", query=sql)
        if len(statements) != 1:
            raise ReadOnlyViolation(f"one statement at a time, please (got {len(statements)})", query=sql)
        return statements[0].type.name

    def arrow(self, sql: str, params: list | tuple | None = None):
        with self._lock:
            return self.execute(sql, params).to_arrow_table()

    def insert_arrow(self, table: str, data) -> None:
        with self._lock:
            if table in ("documents", "embeddings"):
                self.generation += 1
            if data.num_rows <= SMALL_INSERT:
                # a delta's few rows: bound VALUES cost ~0.5 ms where registering an Arrow table costs ~2
                cols = data.column_names
                row = "(" + ", ".join("?" * len(cols)) + ")"
                if data.num_rows:
                    self._conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                                       + ", ".join([row] * data.num_rows),
                                       [v for r in zip(*(data.column(c).to_pylist() for c in cols)) for v in r])
                return
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
    def execute_with(self, sql: str, params: list | tuple | None = None, **tables) -> None:
        """Run `sql` with Arrow tables registered under the given names (batched updates and joins)."""
        with self._lock:
            for name, data in tables.items():
                self._conn.register(name, data)
            try:
                self.execute(sql, params)
            finally:
                for name in tables:
                    self._conn.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator["AnalyticsStore"]:
        """One write transaction; a transaction opened inside it (same thread: the lock is re-entrant) joins
        it, so callers can group writes that also commit on their own (one COMMIT costs 1-2 ms)."""
        with self._lock:
            if self._tx_depth:
                self._tx_depth += 1
                try:
                    yield self
                finally:
                    self._tx_depth -= 1
                return
            self._conn.execute("BEGIN TRANSACTION")
            self._tx_depth = 1
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._tx_depth = 0
            self._conn.execute("COMMIT")


def _first_rows(reader, n: int):
    """The first `n` rows of a RecordBatchReader as one Arrow table, reading no further than needed."""
    import pyarrow as pa

    batches, have = [], 0
    for batch in reader:
        batches.append(batch.slice(0, n - have))
        have += batches[-1].num_rows
        if have >= n:
            break
    return pa.Table.from_batches(batches, schema=reader.schema)


def _explained(sql: str, tokenize) -> str | None:
    """The text of the statement an EXPLAIN explains (after EXPLAIN, ANALYZE and the `(options)`), from
    DuckDB's tokenizer (comments are not tokens); None if the text does not have that shape."""
    starts = [pos for pos, _ in tokenize(sql)]
    if not starts or not re.match(r"explain\b", sql[starts[0]:], re.I):
        return None
    i = 1
    if i < len(starts) and re.match(r"analy[sz]e\b", sql[starts[i]:], re.I):
        i += 1
    elif i < len(starts) and sql[starts[i]] == "(":
        depth = 0
        for i in range(i, len(starts)):
            depth += {"(": 1, ")": -1}.get(sql[starts[i]], 0)
            if depth == 0:
                break
        i += 1
    return sql[starts[i]:] if i < len(starts) else None
