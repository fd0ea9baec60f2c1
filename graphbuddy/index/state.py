"""Index state kept beside the graph in DuckDB: the file manifest, extracted facts and resolution keys.

Facts are split in two blobs: `symbols` (definitions and imports, read for every file to build the symbol
index) and `body` (calls and bindings, read only for files being re-resolved).
"""
from __future__ import annotations

import pickle
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..store.analytics import sql_literal  # noqa: F401 (the index modules take it from here)

if TYPE_CHECKING:
    from .facts import FileFacts      # imported by the functions that build facts: a no-change run needs none


@dataclass(frozen=True)
class Status:
    rebuild: bool
    graph_stamp: datetime | None     # None: no complete run recorded one (or the state predates stamps)


@dataclass
class Manifest:
    hash: str
    language: str
    mtime_ns: int
    size: int


# Bumped when what the state holds changes meaning; a project stored in another format is re-indexed in full.
# 2: shared bindings (return types, attributes) moved from the body blob to the symbols blob.
# 3: finer lookup keys (resolve.py), stored packed in `lookup_keys` (BLOB) instead of the `keys` list: DuckDB
#    wrote the whole list column to its WAL on every row written (10 MB per delta with the finer keys).
# 4: a later class of a name its file already defines has its own members (`Definition.alias`): the stored facts
#    of such files name their scopes and callees differently.
# 5: the body blob holds columns (`facts.body_part`) instead of call site and binding records.
FORMAT = "5"


def _format_key(project: str) -> str:
    return f"index_format:{project}"


class IndexState:
    def __init__(self, analytics):
        self.db = analytics

    def manifest(self, project: str) -> dict[str, Manifest]:
        rows = self.db.rows("SELECT path, hash, language, mtime_ns, size FROM index_files WHERE project = "
                            + sql_literal(project))
        return {r[0]: Manifest(r[1], r[2], r[3], r[4]) for r in rows}

    def status(self, project: str) -> "Status":
        """Whether the project must be rebuilt (an interrupted run left it dirty, or its state was written in
        an older format), and the graph stamp its last complete run recorded."""
        rows = self.db.rows("SELECT dirty, (SELECT value FROM meta WHERE key = " + sql_literal(_format_key(project))
                            + "), graph_stamp FROM index_state WHERE project = " + sql_literal(project))
        if not rows:
            return Status(False, None)
        dirty, fmt, stamp = rows[0]
        return Status(bool(dirty or fmt != FORMAT), stamp)

    def set_dirty(self, project: str) -> None:
        """Mark the project dirty in a transaction of its own, before a run writes the graph."""
        # UPDATE first: ~0.6 ms against ~1.2 for INSERT OR REPLACE
        if not self.db.rows("UPDATE index_state SET dirty = TRUE, updated_at = ? WHERE project = ? RETURNING project",
                            [_now(), project]):
            self.db.execute("INSERT INTO index_state (project, dirty, updated_at) VALUES (?, TRUE, ?)",
                            [project, _now()])

    def finish(self, project: str, stamp: datetime, *, rebuilt: bool = False) -> None:
        """In the run's state transaction: clean, and `stamp` = the `indexed_at` the run gave the graph's Project
        node (`rebuilt`: after a full rebuild, which writes the state in the current format)."""
        if not self.db.rows("UPDATE index_state SET dirty = FALSE, updated_at = ?, graph_stamp = ? WHERE project = ? "
                            "RETURNING project", [_now(), stamp, project]):
            self.db.execute("INSERT INTO index_state (project, dirty, updated_at, graph_stamp) VALUES (?, FALSE, ?, ?)",
                            [project, _now(), stamp])
        if rebuilt:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_format_key(project), FORMAT])

    def load_symbols(self, project: str) -> dict[str, FileFacts]:
        table = self.db.arrow("SELECT symbols FROM index_files WHERE project = ? AND symbols IS NOT NULL", [project])
        out = {}
        for blob in table.column(0).to_pylist():
            f = decode_symbols(blob)
            out[f.path] = f
        return out

    def load_bodies(self, project: str, paths: list[str], symbols: dict[str, FileFacts]) -> dict[str, FileFacts]:
        if not paths:
            return {}
        rows = self.db.rows("SELECT path, body FROM index_files WHERE project = ? AND list_contains(?, path)",
                            [project, paths])
        return {path: decode_body(symbols[path], blob) for path, blob in rows}

    def resolutions(self, project: str) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
        """Per file: the lookup keys its resolution read, and the digest of its outgoing edges."""
        rows = self.db.rows("SELECT path, lookup_keys, digest FROM index_files WHERE project = ? "
                            "AND symbols IS NOT NULL", [project])
        return {r[0]: unpack_keys(r[1]) for r in rows}, {r[0]: r[2] for r in rows if r[2] is not None}

    def write(self, rows: "StateRows") -> None:
        """Apply `state_rows` (built beforehand, possibly in another thread: only the statements run here)."""
        db, project = self.db, rows.project
        if rows.gone:
            db.execute("DELETE FROM index_files WHERE project = ? AND list_contains(?, path)", [project, rows.gone])
        for table in (rows.files, rows.screened):
            if table is not None:
                db.insert_arrow("index_files", table)
        if rows.rekeyed is not None:      # one UPDATE for all re-resolved files (one per file: ~0.1-0.3 ms each)
            db.execute_with("UPDATE index_files SET lookup_keys = u.keys, digest = u.digest FROM _keys u "
                            "WHERE index_files.project = ? AND index_files.path = u.path", [project],
                            _keys=rows.rekeyed)
        if rows.touched is not None:
            db.execute_with("UPDATE index_files SET mtime_ns = u.mtime_ns, size = u.size FROM _touched u "
                            "WHERE index_files.project = ? AND index_files.path = u.path", [project],
                            _touched=rows.touched)

    def drop_project(self, project: str) -> None:
        self.db.execute("DELETE FROM index_files WHERE project = ?", [project])
        self.db.execute("DELETE FROM index_state WHERE project = ?", [project])
        self.db.execute("DELETE FROM meta WHERE key = ?", [_format_key(project)])


@dataclass
class StateRows:
    """What `IndexState.write` applies for one run, as Arrow tables (None: nothing of that kind)."""
    project: str
    gone: list[str]          # rows deleted first: deleted, rewritten and screened files
    files: object            # new rows of the parsed files (facts blobs, keys, digest)
    screened: object         # new rows of screened-out files (`!reason` language)
    rekeyed: object          # unchanged files whose keys or digest changed: path, keys, digest
    touched: object          # unchanged files with a new mtime: path, mtime_ns, size


BLOB_CHUNK = 512      # files whose blobs are copied into Arrow at a time (`state_rows`)


def state_rows(project: str, *, facts: list[FileFacts], mtimes: dict[str, tuple[int, int]],
               keys: dict[str, frozenset[str]], digests: dict[str, str], deleted: list[str],
               touched: dict[str, tuple[int, int]], screened: dict[str, tuple[str, int, int]],
               blobs: dict[str, tuple[bytes, bytes]] | None = None,
               packed: dict[str, bytes] | None = None) -> StateRows:
    """The rows that upsert changed files' facts; keys and digests of `facts` and of the unchanged files whose
    keys or digest changed (an UPDATE rewrites the whole row, blobs included, so unchanged ones are not
    written); new mtimes; drop deleted files. No database here: a big run builds them (~0.3 s on the stdlib:
    packing keys, copying blobs) in a thread while Kùzu commits.

    `screened` files (binary, minified, ...: path -> (reason, mtime, size)) are remembered with a
    `!reason` language so an unchanged one is not read again on the next run. `blobs`: path -> the
    (symbols, body) blobs of `encode`, for the files whose blobs the caller already has, taken out of it as
    they are copied (a big run's would be held twice: stdlib x3, 80 MB); `packed`: path ->
    `pack_keys` of its keys, for those packed already (by resolve workers)."""
    import pyarrow as pa      # lazily: a no-change run never writes, and pyarrow costs ~0.1 s to import

    files = screened_rows = rekeyed_rows = touched_rows = None
    if facts:
        blobs = blobs if blobs is not None else {}
        symbols, bodies = [], []
        for start in range(0, len(facts), BLOB_CHUNK):
            pairs = [blobs.pop(f.path, None) or encode(f) for f in facts[start:start + BLOB_CHUNK]]
            symbols.append(pa.array([p[0] for p in pairs], pa.binary()))
            bodies.append(pa.array([p[1] for p in pairs], pa.binary()))
        del pairs
        files = pa.table({
            "project": [project] * len(facts),
            "path": [f.path for f in facts],
            "language": [f.language for f in facts],
            "hash": [f.hash for f in facts],
            "mtime_ns": [mtimes[f.path][0] for f in facts],
            "size": [mtimes[f.path][1] for f in facts],
            "symbols": pa.chunked_array(symbols, pa.binary()),
            "body": pa.chunked_array(bodies, pa.binary()),
            "lookup_keys": pa.array([_packed(f.path, keys, packed) for f in facts], pa.binary()),
            "digest": pa.array([digests.get(f.path) for f in facts], pa.string()),
        })
    if screened:
        items = sorted(screened.items())
        screened_rows = pa.table({
            "project": [project] * len(items), "path": [p for p, _ in items],
            "language": ["!" + v[0] for _, v in items], "hash": [""] * len(items),
            "mtime_ns": [v[1] for _, v in items], "size": [v[2] for _, v in items],
        })
    fresh = {f.path for f in facts}
    rekeyed = sorted(p for p in keys if p not in fresh)
    if rekeyed:
        rekeyed_rows = pa.table({"path": rekeyed,
                                 "keys": pa.array([_packed(p, keys, packed) for p in rekeyed], pa.binary()),
                                 "digest": pa.array([digests.get(p) for p in rekeyed], pa.string())})
    if touched:
        items = sorted(touched.items())
        touched_rows = pa.table({"path": [p for p, _ in items],
                                 "mtime_ns": pa.array([v[0] for _, v in items], pa.int64()),
                                 "size": pa.array([v[1] for _, v in items], pa.int64())})
    return StateRows(project, sorted(set(deleted) | fresh | set(screened)), files, screened_rows, rekeyed_rows,
                     touched_rows)


def _packed(path: str, keys: dict[str, frozenset[str]], packed: dict[str, bytes] | None) -> bytes:
    blob = packed.get(path) if packed else None
    return blob if blob is not None else pack_keys(keys.get(path, ()))


def next_manifest(manifest: dict[str, Manifest], *, facts: list[FileFacts], mtimes: dict[str, tuple[int, int]],
                  deleted: list[str], touched: dict[str, tuple[int, int]],
                  screened: dict[str, tuple[str, int, int]]) -> dict[str, Manifest]:
    """The manifest `IndexState.write` leaves with the same arguments: a process keeps it for its next run
    instead of reading it back (~3 ms of a one-file delta on the stdlib)."""
    out = dict(manifest)
    for p in deleted:
        out.pop(p, None)
    for p, (reason, mtime, size) in screened.items():
        out[p] = Manifest("", "!" + reason, mtime, size)
    for f in facts:
        out[f.path] = Manifest(f.hash, f.language, *mtimes[f.path])
    for p, (mtime, size) in touched.items():
        out[p] = Manifest(out[p].hash, out[p].language, mtime, size)
    return out


def decode_symbols(blob: bytes) -> FileFacts:
    """A file's symbols part from its symbols blob (`encode`)."""
    return pickle.loads(blob)


def decode_body(symbols: FileFacts, body: bytes) -> FileFacts:
    """A file's full facts from its symbols part and its body blob."""
    from .facts import with_body

    return with_body(symbols, pickle.loads(body))


def encode(facts: FileFacts) -> tuple[bytes, bytes]:
    """A file's symbols and body blobs (a big run's parse workers make them; `parse.Encoded`)."""
    from .facts import body_part, symbol_part

    return pickle.dumps(symbol_part(facts), 5), pickle.dumps(body_part(facts), 5)


def pack_keys(keys) -> bytes:
    """A file's lookup keys as one blob (keys hold no NUL)."""
    return zlib.compress("\0".join(sorted(keys)).encode(), 1)


def unpack_keys(blob: bytes | None) -> frozenset[str]:
    """Interned: the files of a project share most of their keys (stdlib x3: 1.3 M keys, 99 k distinct), and
    a string per key and file cost ~100 MB per 1 M keys."""
    text = zlib.decompress(blob).decode() if blob else ""
    return frozenset(map(sys.intern, text.split("\0"))) if text else frozenset()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
