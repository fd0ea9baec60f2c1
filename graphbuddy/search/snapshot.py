"""The search snapshot: every `documents` row as numpy arrays, with its vector for one model, kept in step
with the tables by applying row changes instead of reloading.

Loading 100k rows and their vectors costs seconds; a write usually changes a handful of rows. So after a
write the snapshot asks DuckDB for one hash per row (id, text, metadata: ~30 ms at 100k), compares it with
the hashes it holds, marks the rows that vanished or changed as dead and appends the new versions, fetched by
id, after the others (the *tail*; its vectors are a second, small matrix). Rows with no vector yet are checked
again when the model's count of vectors changed. Every snapshot version is immutable (searches in flight keep
theirs); versions share the big arrays. When dead and tail rows pass an eighth of the snapshot, the live rows
are compacted in memory into one matrix, sorted by kind again (a memory search multiplies only memory rows).
"""
from __future__ import annotations

import copy
import logging
import time
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vectors
from .keyword import KeywordIndex

log = logging.getLogger(__name__)

COMPACT_MIN = 4096          # dead + tail rows tolerated before compaction: at least this many,
COMPACT_SHARE = 8           # or 1/8 of the snapshot
RELOAD_SHARE = 2            # more changed rows than 1/2 of the snapshot: a full load is cheaper
FETCH_BY_KEY = 512          # up to this many ids are fetched with `id IN (?, ...)` (primary-key lookups)

_COLUMNS = ("d.id, d.kind, d.project, d.session_id, d.tags, d.title, d.content, d.content_hash, d.created_at, "
            "coalesce(d.updated_at, d.created_at) AS updated_at, coalesce(d.votes, 0) AS votes, d.attrs")
# Everything a snapshot row holds, so any UPDATE, INSERT OR REPLACE or delete + insert changes the hash.
_ROW_HASH = ("hash(d.id, d.kind, d.project, d.session_id, d.tags, d.title, d.content, d.content_hash, "
             "d.created_at, d.updated_at, d.votes, d.attrs)")
_SELECT = (f"SELECT {_COLUMNS}, {_ROW_HASH} AS row_hash, e.vector FROM {{documents}} d "
           "LEFT JOIN embeddings e ON e.content_hash = d.content_hash AND e.model = ?")
_EPOCH = datetime(1970, 1, 1)
_NO_TIME = np.iinfo(np.int64).min
_COLS = ("tags", "title", "content", "attrs", "created_at", "content_hash")   # read per hit, kept as Arrow


class _Names:
    """Append-only dictionary encoding of a string column (None is a name too); codes never change."""

    def __init__(self):
        self.names: list = []
        self._code: dict = {}

    def encode(self, column) -> np.ndarray:
        values = column.to_pylist() if len(column) < 64 else None
        if values is None:
            enc = column.dictionary_encode() if isinstance(column, pa.Array) else column.combine_chunks().dictionary_encode()
            local = [self._add(v) for v in enc.dictionary.to_pylist()]
            none = self._add(None)
            idx = enc.indices.fill_null(len(local)).to_numpy(zero_copy_only=False)
            return np.asarray(local + [none], dtype=np.int32)[idx]
        return np.asarray([self._add(v) for v in values], dtype=np.int32)

    def _add(self, name) -> int:
        code = self._code.get(name)
        if code is None:
            code = self._code[name] = len(self.names)
            self.names.append(name)
        return code


class _Rows:
    """One Arrow result (the `_SELECT` columns) as per-row arrays."""

    def __init__(self, t: pa.Table, kinds: _Names, projects: _Names, sessions: _Names):
        self.n = t.num_rows
        self.ids: list[str] = t["id"].to_pylist()
        self.kind = kinds.encode(t["kind"])
        self.project = projects.encode(t["project"])
        self.session = sessions.encode(t["session_id"])
        self.cols = {name: t[name].combine_chunks() for name in _COLS}
        self.row_hash = t["row_hash"].to_numpy(zero_copy_only=False).astype(np.uint64)
        self.created = _epoch(self.cols["created_at"])
        self.created_us = _micros(self.cols["created_at"])
        self.updated = _epoch(t["updated_at"].combine_chunks())
        self.votes = t["votes"].to_numpy(zero_copy_only=False).astype(np.int64)
        vec = t["vector"].combine_chunks()
        self.has_vector = np.asarray(vec.is_valid(), dtype=bool)
        flat = np.asarray(vec.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)   # no copy if float32
        count = int(self.has_vector.sum())
        self.dim = flat.size // count if count else 0
        if count == self.n:             # the usual case: every row has a vector; use Arrow's buffer as is
            self.matrix = flat.reshape(count, self.dim)
        else:
            self.matrix = np.zeros((self.n, self.dim), dtype=np.float32)
            if count:
                self.matrix[self.has_vector] = flat.reshape(count, self.dim)

    def tag_rows(self, offset: int) -> dict[str, np.ndarray]:
        tags = self.cols["tags"]
        flat = pc.list_flatten(tags).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(tags).to_numpy(zero_copy_only=False).astype(np.int64) + offset
        return {tag: parents[flat == tag] for tag in set(flat.tolist())}


class Snapshot:
    """Every document row (+ its vector for one model). Rows [0, n_main) are sorted by kind and share one
    matrix; rows [n_main, n) are the tail. `alive` is False for rows replaced or deleted since."""

    @classmethod
    def load(cls, analytics, model: str, generation: int) -> "Snapshot":
        started = time.perf_counter()
        vector_count = _vector_count(analytics, model)
        t = analytics.arrow(_SELECT.format(documents="documents") + " ORDER BY d.kind, d.id", [model])
        snap = cls()
        snap.generation, snap.model, snap.vector_count = generation, model, vector_count
        snap._kinds, snap._projects, snap._sessions = _Names(), _Names(), _Names()
        rows = _Rows(t, snap._kinds, snap._projects, snap._sessions)
        snap._set(rows.n, rows.ids, rows.row_hash, rows.kind, rows.project, rows.session, rows.created,
                  rows.created_us, rows.updated, rows.votes, rows.has_vector, np.ones(rows.n, dtype=bool), rows.cols,
                  rows.tag_rows(0), rows.matrix, np.zeros((0, rows.dim), dtype=np.float32),
                  {i: r for r, i in enumerate(rows.ids)})
        snap.keyword = None
        snap.load_seconds = time.perf_counter() - started
        return snap

    def _set(self, n_main, ids, row_hash, kind, project, session, created, created_us, updated, votes, has_vector,
             alive, cols, tag_rows, matrix, tail, row_of, first_pass: vectors.BlockScan | None = None):
        self.n_main, self.ids, self.row_hash = n_main, ids, row_hash
        self.n = len(ids)
        self.kind, self.project, self.session = kind, project, session
        self.kind_names, self.project_names, self.session_names = \
            self._kinds.names, self._projects.names, self._sessions.names
        self.created, self.updated, self.votes, self.has_vector, self.alive = created, updated, votes, has_vector, alive
        self.created_us = created_us            # int64 microseconds (_NO_TIME: missing), None: not timestamp[us]
        self._cols, self.tag_rows, self.matrix, self.tail, self.row_of = cols, tag_rows, matrix, tail, row_of
        # the main matrix's first-pass scan (fp16 copies), shared by the versions that share the matrix
        self.first_pass = first_pass if first_pass is not None and first_pass.matrix is matrix else \
            vectors.BlockScan(matrix)
        self._tail_scan = None
        self.dim = max(matrix.shape[1], tail.shape[1])
        self.updated_max = float(updated[alive].max()) if alive.any() else -np.inf
        self.scan_hashes = None      # row hashes in the table's own order at the last refresh (see _diff)
        main_kind = kind[:n_main]
        edges = np.flatnonzero(np.diff(main_kind)) + 1
        starts, ends = np.concatenate(([0], edges)), np.concatenate((edges, [n_main]))
        self.kind_blocks = {self.kind_names[main_kind[a]]: (int(a), int(b)) for a, b in zip(starts, ends) if b > a}
        self._kind_masks: dict[tuple, np.ndarray] = {}
        self._missing_vectors: dict[tuple, np.ndarray] = {}
        self._live_projects: set | None = None

    # -- keeping up with writes ------------------------------------------------------------------------
    def refreshed(self, analytics, generation: int) -> "Snapshot":
        """The snapshot after the writes since this one was read: changed rows replaced, new ones appended."""
        started = time.perf_counter()
        vector_count = _vector_count(analytics, self.model)
        cur = analytics.arrow(f"SELECT d.id, {_ROW_HASH} AS row_hash FROM documents d")
        hashes = cur["row_hash"].to_numpy(zero_copy_only=False).astype(np.uint64)
        previous = self.scan_hashes if self.scan_hashes is not None else self.row_hash[self.alive]
        fresh, gone = _diff(previous, hashes)
        dead = np.flatnonzero(self.alive & _in_sorted(self.row_hash, np.sort(gone))) if len(gone) else \
            np.zeros(0, dtype=np.int64)
        fetch = cur["id"].take(pa.array(fresh)).to_pylist() if len(fresh) else []
        if vector_count != self.vector_count:        # vectors arrived: rows waiting for one may have it now
            waiting = self.alive & ~self.has_vector
            waiting[dead] = False
            rows = np.flatnonzero(waiting)
            if len(rows):
                text_hashes = self._cols["content_hash"].take(pa.array(rows)).to_pylist()
                known = {h for (h,) in analytics.rows(
                    "SELECT content_hash FROM embeddings WHERE model = ? AND content_hash IN "
                    "(SELECT unnest(?::VARCHAR[]))", [self.model, sorted({h for h in text_hashes if h})])}
                gained = [r for r, h in zip(rows.tolist(), text_hashes) if h in known]
                dead = np.concatenate([dead, np.asarray(gained, dtype=np.int64)])
                fetch += [self.ids[r] for r in gained]
        if len(dead) + len(fetch) > max(COMPACT_MIN, len(hashes) // RELOAD_SHARE):
            return Snapshot.load(analytics, self.model, generation)
        snap = self.applied(analytics, generation, dead=dead, fetch=fetch, vector_count=vector_count)
        if analytics.generation == generation:       # nothing was written meanwhile: the scan is the live set
            snap.scan_hashes = hashes
        snap.load_seconds = time.perf_counter() - started
        return snap

    def applied(self, analytics, generation: int, *, dead: np.ndarray, fetch: list[str],
                vector_count: int | None = None) -> "Snapshot":
        """A new version: rows `dead` marked dead, the documents `fetch` (ids) read and appended."""
        if len(fetch) <= FETCH_BY_KEY:
            marks = ", ".join("?" * len(fetch)) or "NULL"
            t = analytics.arrow(_SELECT.format(documents=f"(SELECT * FROM documents WHERE id IN ({marks}))"),
                                [*fetch, self.model])
        else:
            t = analytics.arrow(_SELECT.format(
                documents="(SELECT * FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[])))"), [fetch, self.model])
        new = _Rows(t, self._kinds, self._projects, self._sessions)
        snap = Snapshot()
        snap.generation, snap.model = generation, self.model
        snap.vector_count = self.vector_count if vector_count is None else vector_count
        snap._kinds, snap._projects, snap._sessions = self._kinds, self._projects, self._sessions
        # a fetched document still live under an older row (a write raced the diff) replaces that row too
        again = [self.row_of[i] for i in new.ids if i in self.row_of]
        dead = np.union1d(np.asarray(dead, dtype=np.int64), np.asarray(again, dtype=np.int64))
        alive = self.alive.copy()
        alive[dead] = False
        row_of = self.row_of                  # shared and updated in place: only read under the searcher's lock
        for r in dead.tolist():
            if row_of.get(self.ids[r]) == r:
                del row_of[self.ids[r]]
        start = self.n
        for i, doc_id in enumerate(new.ids):
            row_of[doc_id] = start + i
        dim = max(self.dim, new.dim)
        tail = self.tail if self.tail.shape[1] == dim else np.zeros((len(self.tail), dim), dtype=np.float32)
        add = new.matrix if new.matrix.shape[1] == dim else np.zeros((new.n, dim), dtype=np.float32)
        tag_rows = dict(self.tag_rows)
        for tag, rows in new.tag_rows(start).items():
            tag_rows[tag] = np.concatenate([tag_rows.get(tag, np.zeros(0, dtype=np.int64)), rows])
        cols = {name: pa.chunked_array([*_chunks(self._cols[name]), new.cols[name]], type=new.cols[name].type)
                for name in _COLS}
        snap._set(self.n_main, self.ids + new.ids, np.concatenate([self.row_hash, new.row_hash]),
                  np.concatenate([self.kind, new.kind]), np.concatenate([self.project, new.project]),
                  np.concatenate([self.session, new.session]), np.concatenate([self.created, new.created]),
                  None if self.created_us is None or new.created_us is None else
                  np.concatenate([self.created_us, new.created_us]),
                  np.concatenate([self.updated, new.updated]), np.concatenate([self.votes, new.votes]),
                  np.concatenate([self.has_vector, new.has_vector]), np.concatenate([alive, np.ones(new.n, dtype=bool)]),
                  cols, tag_rows, self.matrix, np.concatenate([tail, add]), row_of, first_pass=self.first_pass)
        remap = None
        if (snap.n - snap.n_main) + int((~snap.alive[:snap.n_main]).sum()) > max(COMPACT_MIN, snap.n // COMPACT_SHARE):
            snap, remap = snap._compacted()
        snap.keyword = None
        if self.keyword is not None:          # keep the BM25 postings in step (tokenizing only the new rows)
            texts = list(zip(new.cols["title"].to_pylist(), new.cols["content"].to_pylist()))
            snap.keyword = self.keyword.extended(texts=texts, alive=snap.alive, remap=remap)
        return snap

    def with_vectors(self, generation: int, rows: np.ndarray, vectors: np.ndarray) -> "Snapshot | None":
        """A new version where tail `rows` (no vector until now) get `vectors`: nothing to re-read or re-tokenize.
        None if a row is a main row (the shared main matrix is never written) or dimensions differ."""
        if not len(rows) or rows.min() < self.n_main or vectors.shape[1] != self.tail.shape[1]:
            return None
        snap = copy.copy(self)
        snap.generation = generation
        snap.tail = self.tail.copy()
        snap.tail[rows - self.n_main] = vectors
        snap.has_vector = self.has_vector.copy()
        snap.has_vector[rows] = True
        snap._missing_vectors = {}
        snap.vector_count = self.vector_count + len(np.unique(self.values("content_hash", rows)))
        return snap

    def _compacted(self) -> tuple["Snapshot", np.ndarray]:
        """Live rows only, sorted by kind into one matrix; and old row -> new row (-1: dropped)."""
        live = np.flatnonzero(self.alive)
        order = live[np.argsort(self.kind[live], kind="stable")]
        remap = np.full(self.n, -1, dtype=np.int64)
        remap[order] = np.arange(len(order))
        matrix = np.zeros((len(order), self.dim), dtype=np.float32)
        in_main = order < self.n_main
        if self.matrix.shape[1] == self.dim:
            matrix[in_main] = self.matrix[order[in_main]]
        if self.tail.shape[1] == self.dim:
            matrix[~in_main] = self.tail[order[~in_main] - self.n_main]
        take = pa.array(order)
        cols = {name: self._cols[name].take(take).combine_chunks() for name in _COLS}
        ids = [self.ids[r] for r in order.tolist()]
        snap = Snapshot()
        snap.generation, snap.model, snap.vector_count = self.generation, self.model, self.vector_count
        snap._kinds, snap._projects, snap._sessions = self._kinds, self._projects, self._sessions
        tags = cols["tags"]
        flat = pc.list_flatten(tags).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(tags).to_numpy(zero_copy_only=False).astype(np.int64)
        self.row_of.clear()
        self.row_of.update((i, r) for r, i in enumerate(ids))
        snap._set(len(order), ids, self.row_hash[order], self.kind[order], self.project[order], self.session[order],
                  self.created[order], None if self.created_us is None else self.created_us[order],
                  self.updated[order], self.votes[order], self.has_vector[order],
                  np.ones(len(order), dtype=bool), cols, {t: parents[flat == t] for t in set(flat.tolist())},
                  matrix, np.zeros((0, self.dim), dtype=np.float32), self.row_of)
        log.info("search snapshot compacted to %d rows", len(order))
        return snap, remap

    # -- reading -----------------------------------------------------------------------------------------
    def with_keyword(self, analytics) -> KeywordIndex:
        if self.keyword is None:
            self.keyword = KeywordIndex.load(analytics, self.row_of, self.alive)
        return self.keyword

    def kind_mask(self, kinds: tuple[str, ...]) -> np.ndarray:
        """Live rows of those kinds; read-only (kept for the next searches)."""
        if kinds not in self._kind_masks:
            mask = _member(self.kind, self.kind_names, kinds) & self.alive
            mask.flags.writeable = False
            self._kind_masks[kinds] = mask
        return self._kind_masks[kinds]

    def live_projects(self) -> set:
        """Project names of the live rows; computed once per version (~1 ms at 100k rows), for a search that
        names projects."""
        if self._live_projects is None:
            self._live_projects = {self.project_names[c] for c in np.unique(self.project[self.alive]).tolist()}
        return self._live_projects

    def missing_vectors(self, kinds: tuple[str, ...]) -> np.ndarray:
        """Live rows of those kinds without a vector (kept: a version's vectors do not change)."""
        if kinds not in self._missing_vectors:
            self._missing_vectors[kinds] = np.flatnonzero(self.kind_mask(kinds) & ~self.has_vector)
        return self._missing_vectors[kinds]

    def vector_matches(self, q: np.ndarray, mask: np.ndarray, kinds: tuple[str, ...], *, threshold: float,
                       pool: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A mask of the rows of `mask` whose cosine with `q` is >= threshold; the rows among them that can be in
        the top `pool` (ascending), with their cosines. Exact (vectors.py): a first pass over every row of the
        kinds (an fp16 copy for big blocks), exact float32 only for the rows the first pass cannot decide."""
        q = np.ascontiguousarray(q, dtype=np.float32)
        qnorm = float(np.sqrt(np.dot(q.astype(np.float64), q.astype(np.float64))))
        qsum = float(np.abs(q).sum(dtype=np.float64))
        parts = []                      # (first row, first-pass scores, bound)
        if self.matrix.shape[1] == len(q):
            for kind in kinds:
                a, b = self.kind_blocks.get(kind, (0, 0))
                if b > a:
                    parts.append((a, *self.first_pass.scores(a, b, q, qnorm, qsum)))
        if self.n > self.n_main and self.tail.shape[1] == len(q):
            if self._tail_scan is None or self._tail_scan.matrix is not self.tail:
                self._tail_scan = vectors.BlockScan(self.tail)
            parts.append((self.n_main, *self._tail_scan.scores(0, len(self.tail), q, qnorm, qsum, half=False)))
        delta = max((d for _, _, d in parts), default=0.0)
        if len(parts) == 1 and len(parts[0][1]) == self.n:       # one block holds every row: no copy
            first = parts[0][1]
        else:
            first = np.full(self.n, -np.inf, dtype=np.float32)
            for a, scores, _ in parts:
                first[a:a + len(scores)] = scores

        def rescore(rows: np.ndarray) -> np.ndarray:
            split = int(np.searchsorted(rows, self.n_main))
            return np.concatenate([vectors.exact(self.matrix, rows[:split], q),
                                   vectors.exact(self.tail, rows[split:] - self.n_main, q)])

        got = vectors.matches(first, delta, mask, rescore, threshold=threshold, pool=pool)
        if got is None:          # the first pass broke its bound (a changed kernel?): score every row exactly
            log.warning("first-pass vector scores outside their bound: exact scan, fp16 scan disabled")
            vectors.HalfKernel.disable()
            got = vectors.matches(first, 1e30, mask, rescore, threshold=threshold, pool=pool)
        return got

    def value(self, column: str, row: int):
        return self._cols[column][row].as_py()

    def values(self, column: str, rows) -> list:
        return self._cols[column].take(pa.array(np.asarray(rows, dtype=np.int64))).to_pylist()

    def columns(self, names, rows) -> dict[str, list]:
        """`values(name, rows)` for each name, for a page's few rows: value by value, as Arrow's `take` and
        `to_pylist` cost ~0.3 ms right after the model's forward pass has left the caches cold (~0.1 ms so)."""
        rows = [int(r) for r in rows]
        return {name: [col[r].as_py() for r in rows] for name in names for col in (self._cols[name],)}

    def created_micros(self, rows) -> list | None:
        """created_at of `rows` as integer microseconds since 1970 (None: missing); None if the column does not
        hold naive microsecond timestamps."""
        if self.created_us is None:
            return None
        return [None if u == _NO_TIME else u for u in self.created_us[np.asarray(rows, dtype=np.int64)].tolist()]

    def created_at(self, rows) -> list:
        """`values("created_at", rows)`, twice as fast: Arrow builds datetimes slowly (~0.8 us each)."""
        micros = self.created_micros(rows)
        if micros is None:
            return self.values("created_at", rows)
        return [None if u is None else _EPOCH + timedelta(microseconds=u) for u in micros]

    def tags_of(self, row: int) -> tuple[str, ...]:
        return tuple(self.value("tags", row) or ())


def _diff(previous: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in `current` of hashes not in `previous`, hashes of `previous` not in `current`); each array
    holds distinct values. DuckDB scans a table in insertion order, so between two scans most rows keep their
    position: only the positions that differ are compared as sets (sorting 100k hashes costs ~5-20 ms)."""
    m = min(len(previous), len(current))
    differ = np.flatnonzero(previous[:m] != current[:m])
    at = np.concatenate([differ, np.arange(m, len(current))])
    now, then = current[at], np.concatenate([previous[differ], previous[m:]])
    return at[~_in_sorted(now, np.sort(then))], then[~_in_sorted(then, np.sort(now))]


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """values[i] in sorted_values, by binary search."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[pos] == values


def _chunks(col) -> list:
    return col.chunks if isinstance(col, pa.ChunkedArray) else [col]


def _vector_count(analytics, model: str) -> int:
    return analytics.rows("SELECT count(*) FROM embeddings WHERE model = ?", [model])[0][0]


def _member(codes: np.ndarray, names: list, wanted) -> np.ndarray:
    ids = [i for i, n in enumerate(names) if n in set(wanted)]
    return np.isin(codes, ids) if ids else np.zeros(len(codes), dtype=bool)


def _micros(arr) -> np.ndarray | None:
    """Naive microsecond timestamps as int64 (missing: _NO_TIME), without Arrow on the query path; None for
    another type (created_at then goes through Arrow's datetimes)."""
    if arr.type != pa.timestamp("us"):
        return None
    return arr.cast(pa.int64()).fill_null(_NO_TIME).to_numpy(zero_copy_only=False).astype(np.int64)


def _epoch(arr) -> np.ndarray:
    """Naive-UTC timestamps as float seconds; missing ones as -inf (older than anything)."""
    out = arr.cast("int64").to_numpy(zero_copy_only=False).astype(np.float64) / 1e6
    out[~np.asarray(arr.is_valid(), dtype=bool)] = -np.inf
    return out
