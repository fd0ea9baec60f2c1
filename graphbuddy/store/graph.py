"""The Kùzu property graph: the one module that imports kuzu.

One `kuzu.Database` per path per process (a second one on the same path silently loses writes), and one
write at a time (Kùzu refuses a second concurrent write transaction): both enforced here.
"""
from __future__ import annotations

import logging
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..config import package_data_dir
from ..errors import QueryError, SchemaError, StoreError

log = logging.getLogger(__name__)

_open_databases: dict[str, tuple[Any, int]] = {}
_registry_lock = threading.Lock()


def _kuzu():
    import kuzu  # heavy-ish native module: imported on first use only

    return kuzu


def _acquire_database(path: str | None):
    kuzu = _kuzu()
    if path is None:
        return kuzu.Database(":memory:")
    with _registry_lock:
        db, refs = _open_databases.get(path, (None, 0))
        if db is None:
            try:
                db = kuzu.Database(path)
            except RuntimeError as exc:
                msg = str(exc)
                if "lock" in msg.lower():
                    raise StoreError(f"store is in use by another process: {path}", path=path) from None
                raise StoreError(f"cannot open graph database {path}: {msg.splitlines()[0]}", path=path) from None
        _open_databases[path] = (db, refs + 1)
        return db


def _release_database(path: str | None, db) -> None:
    if path is None:
        db.close()
        return
    with _registry_lock:
        _, refs = _open_databases.get(path, (db, 1))
        if refs <= 1:
            _open_databases.pop(path, None)
            db.close()
        else:
            _open_databases[path] = (db, refs - 1)


_STATEMENT_SPLIT = re.compile(r";\s*(?:\n|$)")


def split_statements(text: str) -> list[str]:
    """Split a Cypher script on `;` at line ends, dropping `//` comment lines."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return [s.strip() for s in _STATEMENT_SPLIT.split(body) if s.strip()]


class GraphStore:
    """A Kùzu database with the graphbuddy schema applied. `path=None` keeps it in memory."""

    def __init__(self, path: str | Path | None):
        self.path = None if path is None else str(path)
        self._db = _acquire_database(self.path)
        self._conn = _kuzu().Connection(self._db)
        self._read_conn = _kuzu().Connection(self._db)
        self._read_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._in_tx = False
        self.schema_version = self._migrate()

    # -- lifecycle -----------------------------------------------------------------------------------
    def close(self) -> None:
        if self._db is not None:
            self._read_conn.close()
            self._conn.close()
            _release_database(self.path, self._db)
            self._db = None

    def _migrate(self) -> int:
        files = sorted(package_data_dir("schema").glob("[0-9][0-9][0-9]_*.cypher"))
        applied: set[int] = set()
        if "SchemaVersion" in self.table_names():
            applied = {r[0] for r in self.rows("MATCH (v:SchemaVersion) RETURN v.version")}
        current = max(applied, default=0)
        known = int(files[-1].name[:3]) if files else 0
        if current > known:
            raise SchemaError(f"store schema v{current} is newer than this graphbuddy (v{known}); upgrade graphbuddy")
        for f in files:
            version = int(f.name[:3])
            if version in applied:      # by set, not max: numbers are assigned per branch and may land out of order
                continue
            with self.transaction():
                for stmt in split_statements(f.read_text()):
                    self.execute(stmt)
                self.execute(
                    "CREATE (:SchemaVersion {version: $v, name: $n, applied_at: $t})",
                    {"v": version, "n": f.stem, "t": datetime.now(timezone.utc).replace(tzinfo=None)},
                )
            log.info("applied schema %s", f.name)
            current = max(current, version)
        return current

    def table_names(self) -> set[str]:
        return {row[1] for row in self.rows("CALL show_tables() RETURN *")}

    # -- execution -----------------------------------------------------------------------------------
    def execute(self, query: str, params: dict[str, Any] | None = None):
        try:
            return self._conn.execute(query, params or {})
        except RuntimeError as exc:
            raise QueryError(f"Cypher failed: {str(exc).splitlines()[0]}", query=query) from None

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        result = self.execute(query, params)
        out = []
        while result.has_next():
            out.append(result.get_next())
        return out

    def arrow(self, query: str, params: dict[str, Any] | None = None):
        return self.execute(query, params).get_as_arrow()

    def read_only(self, query: str, params: dict[str, Any] | None = None):
        """Run user Cypher inside a READ ONLY transaction: Kùzu itself refuses any write."""
        with self._read_lock:
            conn = self._read_conn
            conn.execute("BEGIN TRANSACTION READ ONLY")
            try:
                result = conn.execute(query, params or {})
                if isinstance(result, list):
                    raise QueryError("one statement at a time, please", query=query)
                table = result.get_as_arrow()
            except RuntimeError as exc:
                raise QueryError(f"Cypher failed: {str(exc).splitlines()[0]}", query=query) from None
            finally:
                try:
                    conn.execute("ROLLBACK")
                except RuntimeError:    # Kùzu already rolled back after an error
                    pass
            return table

    def prepare(self, query: str):
        """Compile without running (used to check named queries)."""
        import warnings

        try:
            with warnings.catch_warnings():      # prepare() is deprecated for running, fine for compiling
                warnings.simplefilter("ignore", DeprecationWarning)
                return self._conn.prepare(query)
        except RuntimeError as exc:
            raise QueryError(f"Cypher does not compile: {str(exc).splitlines()[0]}", query=query) from None

    @contextmanager
    def transaction(self) -> Iterator["GraphStore"]:
        """One write transaction; nested use joins the outer one. Rolled back on any exception."""
        with self._write_lock:
            if self._in_tx:
                yield self
                return
            self.execute("BEGIN TRANSACTION")
            self._in_tx = True
            try:
                yield self
            except BaseException:
                self._in_tx = False
                try:
                    self._conn.execute("ROLLBACK")
                except RuntimeError:
                    pass
                raise
            self._in_tx = False
            self.execute("COMMIT")

    def copy(self, table: str, data, *, pair: tuple[str, str] | None = None) -> None:
        """Bulk load a pyarrow table (the fast path: never per-row CREATE on bulk data)."""
        if data.num_rows == 0:
            return
        opts = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
        self.execute(f"COPY {table} FROM $data{opts}", {"data": data})
