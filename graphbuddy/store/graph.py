"""The Kùzu property graph: the one module that imports kuzu.

One `kuzu.Database` per path per process (a second one on the same path silently loses writes), and one
write at a time (Kùzu refuses a second concurrent write transaction): both enforced here.
"""
from __future__ import annotations

import atexit
import logging
import queue
import re
import threading
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from ..config import package_data_dir
from ..errors import GraphbuddyError, QueryError, SchemaError, StoreError, StoreLocked
from .malloc import keep_freed_memory

log = logging.getLogger(__name__)

_open_databases: dict[str, tuple[Any, int]] = {}
PREPARED_CACHE = 256     # prepared statements kept per read connection
MAX_READERS = 4          # read connections per store: reads run concurrently with each other and with a write
_registry_lock = threading.Lock()
_file_stores: "weakref.WeakSet[GraphStore]" = weakref.WeakSet()    # open stores on files, closed at exit
EXIT_WAIT = 5.0          # seconds the exit hook waits for a write in another thread before leaving a store open


def _kuzu():
    import kuzu  # heavy-ish native module: imported on first use only

    keep_freed_memory()       # before the first Database: Kùzu's COPYs reuse freed scratch memory (malloc.py)
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
                    raise StoreLocked(f"store is in use by another process: {path}", path=path) from None
                raise StoreError(f"cannot open graph database {path}: {msg.splitlines()[0]}", path=path) from None
        _open_databases[path] = (db, refs + 1)
        return db


def _log_left(path: str | None) -> bool:
    """Was the graph at `path` left with a non-empty write-ahead log by a process that never closed it? Not
    when this process has it open already (then the log is its own)."""
    with _registry_lock:
        if path is None or path in _open_databases:
            return False
    try:
        return Path(path + ".wal").stat().st_size > 0
    except FileNotFoundError:
        return False


def new_database_file(path: Path) -> bool:
    """Will opening make a new database here? Also for an empty file: what a crash while the file was being
    created leaves, and Kùzu starts a new database in it."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


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


@atexit.register
def _close_at_exit() -> None:
    """Close the stores a process leaves open: Kùzu folds its log into the file when the database closes,
    which a process may otherwise never do (a daemon thread or a notebook's output history still holding the
    store at exit), and the next open would have to rewrite the whole file (`_rewrite_replayed`). A store
    whose write is still running in another thread is left as it is."""
    for store in list(_file_stores):
        if store._write_lock.acquire(timeout=EXIT_WAIT):
            try:
                store.close()
            except Exception as exc:        # noqa: BLE001 - exiting: say it, and close the others
                log.warning("could not close the graph store %s at exit: %s", store.path, exc)
            finally:
                store._write_lock.release()


_STATEMENT_SPLIT = re.compile(r";\s*(?:\n|$)")


def split_statements(text: str) -> list[str]:
    """Split a Cypher script on `;` at line ends, dropping `//` comment lines."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return [s.strip() for s in _STATEMENT_SPLIT.split(body) if s.strip()]


class CommitGate:
    """Read transactions share the gate; a commit takes it alone (writer first, so readers cannot starve it).

    A Kùzu commit may run an automatic checkpoint, which waits for every open transaction to end and fails
    after a timeout ("Timeout waiting for active transactions ... before checkpointing") when readers keep
    arriving, so commits and reads on this store take turns at the gate.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class GraphStore:
    """A Kùzu database with the graphbuddy schema applied. `path=None` keeps it in memory.

    `lazy=True` defers opening (and migrating) to the first use: a no-change index run answers from DuckDB
    alone, and importing kuzu, opening the file and checking the schema cost ~0.13 s of a cold CLI run.
    """

    def __init__(self, path: str | Path | None, *, lazy: bool = False, on_create: Callable[[], None] | None = None,
                 migrate: bool = True):
        self.path = None if path is None else str(path)
        self._apply_schema = migrate            # False: a bare database (the target of `compact`'s rewrite)
        self._db = None
        self._conn = None
        self._ready = False                     # opened and migrated
        self._closed = False
        self._open_lock = threading.RLock()     # RLock: migrating runs statements, which open() again
        self._on_create = on_create             # called once when opening created the database file
        self._schema_version = 0
        self._readers: queue.LifoQueue = queue.LifoQueue()
        self._read_conns: list = []
        self._read_lock = threading.Lock()
        self._gate = CommitGate()
        self._write_lock = threading.RLock()
        self._in_tx = False
        self._copied = False                    # the write connection holds COPY sources (`_release_copied`)
        if not lazy:
            self.open()

    # -- lifecycle -----------------------------------------------------------------------------------
    def open(self) -> "GraphStore":
        """Open the database and apply pending migrations, once; later calls return at once."""
        if self._ready:
            return self
        created = replayed = False
        with self._open_lock:
            if self._db is None:            # else: opened already, or this thread is migrating it right now
                if self._closed:
                    raise StoreError(f"graph store is closed: {self.path or ':memory:'}", path=self.path)
                created = self.path is not None and new_database_file(Path(self.path))
                # a log left by a process that never closed the store: replayed by this open (see `_rewrite_replayed`)
                replayed = not created and self._apply_schema and _log_left(self.path)
                db = _acquire_database(self.path)
                try:
                    self._conn = _kuzu().Connection(db)
                    self._db = db
                    self._schema_version = self._migrate() if self._apply_schema else 0
                except BaseException:
                    self._db = None
                    if self._conn is not None:
                        self._conn.close()
                        self._conn = None
                    _release_database(self.path, db)
                    raise
                self._ready = True
                if self.path is not None:
                    _file_stores.add(self)
        if created and self._on_create is not None:     # outside the lock: the callback may use other stores
            self._on_create()
        if replayed:
            self._rewrite_replayed()
        return self

    def _rewrite_replayed(self) -> None:
        """Kùzu 0.11.3's replay of a committed DETACH DELETE keeps edges into the deleted nodes, which
        `count(*)` and queries not reading the far end return (docs/architecture.md, "Kùzu's log replay and
        deletes"). A compaction copies only what a match returns, so it drops them: run once, on the open
        that replayed the log of a process killed before closing. A failure leaves the store as Kùzu opened it."""
        from .compact import compact_graph

        log.warning("the graph was not closed cleanly (a process was killed); rewriting it once to drop what Kùzu's "
                    "log replay keeps of deleted nodes: %s", self.path)
        try:
            compact_graph(self)
        except (GraphbuddyError, OSError, RuntimeError) as exc:
            log.warning("could not rewrite the replayed graph (`graphbuddy store compact` or `index --full` "
                        "repairs it): %s", str(exc).splitlines()[0])

    @property
    def is_open(self) -> bool:
        return self._db is not None

    @property
    def unborn(self) -> bool:
        """Not open, and opening will create the database: it holds nothing yet (an index run of a new store
        opens it once its parse workers run: creating the file and the schema costs ~0.15-0.2 s)."""
        return self._db is None and self.path is not None and new_database_file(Path(self.path))

    @property
    def schema_version(self) -> int:
        return self.open()._schema_version

    def close(self) -> None:
        with self._open_lock:
            self._closed = True
            self._ready = False
            _file_stores.discard(self)
            if self._db is not None:
                for conn in self._read_conns:
                    conn.close()
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
        if not self._ready:
            self.open()
        try:
            # with parameters Kùzu prepares the statement on every call: reuse it (COPY binds its source: never)
            stmt = self._prepared(self._conn, query) if params and not query.startswith("COPY") else query
            if self._in_tx:
                return self._conn.execute(stmt, params or {})
            with self._gate.exclusive():        # an auto-commit statement may checkpoint: no reader inside
                return self._conn.execute(stmt, params or {})
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

    def read_only(self, query: str, params: dict[str, Any] | None = None, *, timeout_ms: int = 0,
                  max_rows: int | None = None):
        """Run user Cypher inside a READ ONLY transaction: Kùzu itself refuses most writes.

        Always through a prepared statement: Kùzu's plain `execute` runs several `;`-separated statements and,
        once one fails, runs the rest outside the transaction. `timeout_ms` (0: none) bounds the time;
        `max_rows` returns at most `max_rows + 1` rows so the caller can tell the result was cut.
        """
        self.open()         # outside the gate: a first open migrates, which takes the gate alone
        with self._gate.shared():       # then a connection: `replace_file` swaps them while it holds the gate
            conn = self._acquire_reader()
            try:
                return self._read_in_transaction(conn, query, params, timeout_ms, max_rows)
            finally:
                self._readers.put(conn)

    def _read_in_transaction(self, conn, query: str, params, timeout_ms: int, max_rows: int | None):
        conn.set_query_timeout(timeout_ms)
        conn.execute("BEGIN TRANSACTION READ ONLY")
        try:
            result = conn.execute(self._prepared(conn, query), params or {})
            if isinstance(result, list):
                raise QueryError("one statement at a time, please", query=query)
            if max_rows is not None and result.get_num_tuples() > max_rows + 1:
                names = result.get_column_names()
                import pyarrow as pa

                rows = result.get_n(max_rows + 1)
                table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
            else:
                table = result.get_as_arrow()
        except RuntimeError as exc:
            msg = str(exc).splitlines()[0]
            if "interrupted" in msg.lower() and timeout_ms:
                msg = f"query timed out after {timeout_ms} ms"
            raise QueryError(f"Cypher failed: {msg}", query=query) from None
        finally:
            try:
                conn.execute("ROLLBACK")
            except RuntimeError:    # Kùzu already rolled back after an error
                pass
        return table

    @staticmethod
    def _prepared(conn, query: str):
        """Prepared statements cached per connection (preparing costs ~1 ms, a third of a small query)."""
        cache = conn.__dict__.setdefault("_graphbuddy_prepared", {})
        stmt = cache.get(query)
        if stmt is None:
            if len(cache) >= PREPARED_CACHE:
                cache.pop(next(iter(cache)))
            stmt = cache[query] = conn._prepare(query)
            if not stmt.is_success():
                cache.pop(query)
                raise RuntimeError(stmt.get_error_message())
        return stmt

    def _acquire_reader(self):
        """A read connection from the pool; a new one while fewer than MAX_READERS exist, else wait."""
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            pass
        with self._read_lock:
            if len(self._read_conns) < MAX_READERS:
                conn = _kuzu().Connection(self._db)
                self._read_conns.append(conn)
                return conn
        return self._readers.get()

    def prepare(self, query: str):
        """Compile without running (used to check named queries)."""
        import warnings

        self.open()
        try:
            with warnings.catch_warnings():      # prepare() is deprecated for running, fine for compiling
                warnings.simplefilter("ignore", DeprecationWarning)
                return self._conn.prepare(query)
        except RuntimeError as exc:
            raise QueryError(f"Cypher does not compile: {str(exc).splitlines()[0]}", query=query) from None

    @contextmanager
    def transaction(self) -> Iterator["GraphStore"]:
        """One write transaction; nested use joins the outer one. Rolled back on any exception."""
        self.open()      # before the write lock: a first open migrates, which takes the write lock itself
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
                self._release_copied()
                raise
            try:
                with self._gate.exclusive():    # COMMIT may checkpoint, which waits for every open read
                    self.execute("COMMIT")
            finally:
                self._in_tx = False
                self._release_copied()

    def _release_copied(self) -> None:
        """Kùzu 0.11.3 keeps every Arrow table a connection COPYed from until that connection closes (a full
        index of the stdlib x3 kept its ~250 MB of node and edge tables): after COPYs, outside a transaction,
        the write connection is replaced (its prepared statements go with it: ~1 ms each to prepare again)."""
        if self._copied and not self._in_tx:
            self._copied = False
            self._conn.close()
            self._conn = _kuzu().Connection(self._db)

    # -- catalog and file replacement (store/compact.py) ------------------------------------------------------
    def tables(self) -> list[tuple[str, str]]:
        """(name, NODE | REL) of every table, in catalog order."""
        return [(row[1], row[2]) for row in self.rows("CALL show_tables() RETURN *")]

    def create_statement(self, table: str) -> str:
        """The CREATE statement of a table, from the catalog (later ALTERs and DEFAULTs kept). Kùzu's EXPORT
        DATABASE drops the defaults (0.11.3, on a scratch table: a column added by `ALTER TABLE ... ADD votes
        INT64 DEFAULT 0`, as schema 004 adds `Insight.votes`, was exported as a plain `votes INT64`). Rel
        tables get Kùzu's default multiplicity and storage direction, the only ones graphbuddy's schema uses."""
        props = self.rows(f"CALL table_info('{table}') RETURN *")
        columns = [f"{name} {typ}" + ("" if default == "NULL" else f" DEFAULT {default}")
                   for _, name, typ, default, _ in props]
        pairs = self.rel_pairs(table)
        if pairs:
            return f"CREATE REL TABLE {table}(" + ", ".join([f"FROM {a} TO {b}" for a, b in pairs] + columns) + ")"
        key = next(name for _, name, _, _, primary in props if primary is True)
        return f"CREATE NODE TABLE {table}(" + ", ".join(columns + [f"PRIMARY KEY({key})"]) + ")"

    def rel_pairs(self, table: str) -> list[tuple[str, str]]:
        """(from, to) node tables of a rel table; [] for a node table."""
        if dict(self.tables()).get(table) != "REL":
            return []
        return [tuple(r[:2]) for r in self.rows(f"CALL show_connection('{table}') RETURN *")]

    def columns(self, table: str) -> list[tuple[str, str, bool]]:
        """(name, type, primary key) of a table's properties, in order (False for every rel property)."""
        return [(name, typ, extra is True) for _, name, typ, _, extra in
                self.rows(f"CALL table_info('{table}') RETURN *")]

    def holders(self) -> int:
        """How many GraphStores of this process hold this file open (0 when none, or in memory)."""
        with _registry_lock:
            return _open_databases.get(self.path, (None, 0))[1] if self.path else 0

    def replace_file(self, install: Callable[[], None]) -> None:
        """Close the database, run `install` (which may replace the file on disk), open it again. Nothing else
        runs on this store meanwhile: the write lock and the commit gate are held, and the read connections are
        replaced inside the gate. Refused when another GraphStore of this process holds the same file (it
        would go on writing to the closed database). When `install` fails, the old file is opened again."""
        self.open()
        with self._write_lock, self._gate.exclusive(), self._open_lock:
            if self._in_tx:
                raise StoreError("cannot replace the graph file inside a transaction", path=self.path)
            if self.holders() > 1:
                raise StoreLocked(f"the graph is open twice in this process; close the other one first: {self.path}",
                                  path=self.path)
            self._close_database()
            try:
                install()
            finally:
                db = _acquire_database(self.path)
                self._conn = _kuzu().Connection(db)
                self._db = db
                self._ready = True

    def _close_database(self) -> None:
        """Close every connection and the database (the write and open locks and the gate are held)."""
        while True:
            try:
                self._readers.get_nowait()
            except queue.Empty:
                break
        for conn in self._read_conns:
            conn.close()
        self._read_conns = []
        self._conn.close()
        self._conn = None
        self._ready = False
        db, self._db = self._db, None
        _release_database(self.path, db)

    @contextmanager
    def transaction_lock(self) -> Iterator["GraphStore"]:
        """Hold the write lock without a transaction (CHECKPOINT must run outside one)."""
        self.open()
        with self._write_lock:
            yield self

    def execute_many(self, query: str, rows: list[dict[str, Any]]) -> None:
        """Run one statement per row, prepared once per connection (small writes; bulk goes through copy)."""
        self.open()
        try:
            stmt = self._prepared(self._conn, query)
            for row in rows:
                self._conn.execute(stmt, row)
        except RuntimeError as exc:
            raise QueryError(f"Cypher failed: {str(exc).splitlines()[0]}", query=query) from None

    def copy(self, table: str, data, *, pair: tuple[str, str] | None = None) -> None:
        """Bulk load a pyarrow table (the fast path: never per-row CREATE on bulk data)."""
        if data.num_rows == 0:
            return
        import importlib.util  # noqa: F401 - kuzu 0.11.3 binds an Arrow parameter with importlib.util unimported
        if any(col.num_chunks > 1 for col in data.columns):
            # Kùzu 0.11 COPY silently stops at the first empty chunk: those are left out (aligned batches,
            # no copy; combining the chunks copied the table: 90 MB of CALLS on the stdlib x3)
            data = type(data).from_batches([b for b in data.to_batches() if b.num_rows], schema=data.schema)
        opts = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
        self._copied = True
        try:
            self.execute(f"COPY {table} FROM $data{opts}", {"data": data})
        finally:
            self._release_copied()
