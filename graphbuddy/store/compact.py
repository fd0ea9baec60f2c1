"""Compaction: rewrite the graph into a new file and swap it in (Kùzu 0.11.3 has no VACUUM).

Kùzu did not shorten its file in any run measured. A page freed by a write becomes reusable only after the
next checkpoint, and a checkpoint after a small delta rewrites whole column chunks out of place, so a store
that is re-indexed keeps growing (docs/benchmarks.md, "Graph file growth and `store compact`"). `compact_graph`
copies every table into a new database beside the old one, compares the two table by table, and renames the
new file over the old:

1. under the store's write lock, the database closed (which checkpoints: the WAL folded in, the size before)
   and opened again (a quiet file to read, and Kùzu's in-memory state fresh: see `compact_graph`);
2. a bare database at `graph.kuzu.compact`: each table created from the old catalog (`create_statement`:
   defaults and later ALTERs kept, which EXPORT DATABASE loses), then filled by COPY from Arrow, node tables
   first, rel tables per (from, to) pair, in batches of `COPY_BATCH` rows;
3. every table read back from the new database and compared with what was read from the old one, sorted
   (node tables by primary key, rel tables by every column): any difference aborts with the old file kept;
4. the new database checkpointed and closed; the old one closed (`GraphStore.replace_file`), refused if it
   left a WAL behind; the new file fsynced and renamed over `graph.kuzu` (`os.replace`), the folder fsynced;
   the store opened again on the new file.

The rename is the commit. Killed before it, the old file is untouched and the half-written new one is a
leftover that the next compaction removes first; killed after it, the new file is complete and
checkpointed. Nothing in DuckDB changes: the index state's graph stamps are the Projects' `indexed_at`
values, copied as they are, and the recorded roots stay valid (the file is never empty or new).

`AutoCompact` decides when an index run compacts by itself (`compact_if_grown`, from `GraphBuddy.index`): when
the file has grown to `factor` times its baseline and by at least `min_growth` bytes. The baseline is the
file's size after the last compaction (or, until the first, when a run first found the file).
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from ..errors import GraphbuddyError, InvalidArgument, StoreError, StoreLocked
from .graph import GraphStore

log = logging.getLogger(__name__)

COPY_BATCH = 100_000                 # rows per COPY (each its own transaction: it must fit the buffer pool)
TARGET_SUFFIX = ".compact"           # the new file while it is written: graph.kuzu.compact
SIDE_FILES = ("", ".wal", ".shadow")     # a Kùzu database's own file, its write-ahead log, its checkpoint pages

BASELINE_KEY = "graph_compact_baseline"      # DuckDB meta: the graph file's bytes without waste, as far as known
FACTOR_ENV = "GRAPHBUDDY_AUTO_COMPACT"              # "off", or the growth factor that triggers a compaction
MIN_GROWTH_ENV = "GRAPHBUDDY_AUTO_COMPACT_MIN_MB"   # and the growth in MB it needs at least
DEFAULT_FACTOR = 4.0
DEFAULT_MIN_GROWTH_MB = 64.0

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class AutoCompact:
    """When an index run compacts the graph file by itself. `factor=0`: never.

    The defaults trade disk for pauses: on the stdlib (57 MB compacted) a compaction takes 4-18 s by host and
    load, and one-file CLI deltas grow the file 8-24 MB each (every run checkpoints when it closes), so 40 of
    them compacted 3 times and the file stayed under 231 MB (docs/benchmarks.md, "Session 11")."""

    factor: float = DEFAULT_FACTOR
    min_growth: int = int(DEFAULT_MIN_GROWTH_MB * 2 ** 20)

    def __post_init__(self):
        if self.factor and not self.factor >= 1:
            raise InvalidArgument(f"automatic compaction factor must be 0 (off) or at least 1, not {self.factor}")
        if not self.min_growth >= 0:
            raise InvalidArgument(f"automatic compaction needs a growth of 0 bytes or more, not {self.min_growth}")

    @classmethod
    def of(cls, setting) -> "AutoCompact":
        """`setting`: an AutoCompact, a factor (0: never), or None for the environment (`from_env`)."""
        if setting is None:
            return cls.from_env()
        return setting if isinstance(setting, AutoCompact) else cls(float(setting))

    @classmethod
    def from_env(cls, environ=os.environ) -> "AutoCompact":
        """From $GRAPHBUDDY_AUTO_COMPACT (`off`, `0` or a factor) and $GRAPHBUDDY_AUTO_COMPACT_MIN_MB."""
        factor, min_mb = environ.get(FACTOR_ENV, "").strip(), environ.get(MIN_GROWTH_ENV, "").strip()
        return cls(factor=0.0 if factor.lower() in ("off", "no", "false") else _number(FACTOR_ENV, factor,
                                                                                         DEFAULT_FACTOR),
                   min_growth=int(_number(MIN_GROWTH_ENV, min_mb, DEFAULT_MIN_GROWTH_MB) * 2 ** 20))

    def due(self, size: int, baseline: int) -> bool:
        """Has a file of `size` bytes grown enough past `baseline` to be compacted?"""
        return bool(self.factor) and size >= self.factor * baseline and size - baseline >= self.min_growth


def _number(name: str, text: str, default: float) -> float:
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise InvalidArgument(f"${name} must be a number{' or off' if name == FACTOR_ENV else ''}, "
                              f"not {text!r}") from None


@dataclass(frozen=True)
class CompactReport:
    path: str
    bytes_before: int
    bytes_after: int
    seconds: float
    nodes: int            # node rows copied and compared
    rels: int             # rel rows copied and compared
    tables: int

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        change = 100 * (self.bytes_after / self.bytes_before - 1) if self.bytes_before else 0.0
        share = f"{-change:.0f}% less" if change <= 0 else f"{change:.0f}% more: it was compact already"
        return (f"compacted {self.path}: {_mb(self.bytes_before)} -> {_mb(self.bytes_after)} ({share}) in "
                f"{self.seconds:.1f} s; {self.nodes} nodes and {self.rels} edges copied and checked")


def compact_if_grown(graph: GraphStore, analytics, policy: AutoCompact, *, size_before: int,
                     progress: Progress | None = None) -> CompactReport | None:
    """After an index run that wrote: compact the graph file when `policy` says it has grown enough past its
    baseline, the size after the last compaction (for a store never compacted: its size when a run first
    found it, `size_before`, as the last checkpoint left it). A compaction that fails leaves the run as it is:
    logged, and the baseline moved to the current size, so the next try waits for as much growth again."""
    baseline = analytics.meta(BASELINE_KEY)
    if not policy.factor or baseline is None and not size_before:
        return None
    if baseline is None:
        # Not a size measured now: Kùzu's file size means something only after a checkpoint (the sample's
        # first index: 67 KB in process, 35 MB once closed), and a CHECKPOINT statement between index runs
        # crashed Kùzu 0.11.3 (docs/architecture.md, "Store file growth and compaction").
        analytics.set_meta(BASELINE_KEY, str(size_before))
        return None
    path = Path(graph.path)
    size = graph_bytes(path)
    if not policy.due(size, int(baseline)):
        return None
    try:
        return compact_graph(graph, progress=progress, analytics=analytics)
    except StoreLocked as exc:      # another GraphStore of this process holds the file: refused before any work
        log.info("graph file %s has grown to %.0f MB; not compacting it now: %s", path, size / 2 ** 20, exc)
        return None
    except (GraphbuddyError, OSError, RuntimeError) as exc:
        log.warning("automatic compaction failed, the graph is unchanged (next try after as much growth again; "
                    "`graphbuddy store compact` tries now): %s", str(exc).splitlines()[0])
        analytics.set_meta(BASELINE_KEY, str(size))
        return None


def compact_graph(graph: GraphStore, *, progress: Progress | None = None, analytics=None) -> CompactReport:
    """Rewrite the graph file of `graph` compactly and swap it in; every row is compared before the swap.
    `analytics`: the store's DuckDB, where the new size is recorded as the automatic compaction's baseline."""
    started = time.perf_counter()
    path = Path(graph.path)
    target = path.with_name(path.name + TARGET_SUFFIX)
    remove_leftovers(path)
    with graph.transaction_lock():
        # Closed and opened again rather than CHECKPOINTed: after a checkpoint in a process that had indexed,
        # Kùzu 0.11.3 crashed (segfault) scanning rel tables; an opened database starts from the file alone.
        graph.replace_file(lambda: None)
        before = graph_bytes(path)
        try:
            nodes, rels, tables = _rewrite(graph, target, progress)
            graph.replace_file(lambda: _install(target, path))
        finally:
            remove_leftovers(path)          # nothing left once the rename happened; else the half-written file
    report = CompactReport(path=str(path), bytes_before=before, bytes_after=graph_bytes(path),
                           seconds=time.perf_counter() - started, nodes=nodes, rels=rels, tables=tables)
    if analytics is not None:
        analytics.set_meta(BASELINE_KEY, str(report.bytes_after))
    log.info("%s", report.line())
    return report


def remove_leftovers(path: Path) -> None:
    """Remove what an interrupted compaction left beside the graph file (never the graph file itself)."""
    for side in SIDE_FILES:
        leftover = path.with_name(path.name + TARGET_SUFFIX + side)
        if leftover.exists():
            leftover.unlink()


def _rewrite(graph: GraphStore, target_path: Path, progress: Progress | None) -> tuple[int, int, int]:
    """Copy every table of `graph` into a new database at `target_path`; compare each one. (nodes, rels, tables)"""
    kinds = dict(graph.tables())
    order = [t for t, kind in kinds.items() if kind == "NODE"] + [t for t, kind in kinds.items() if kind == "REL"]
    reads = {t: _reads(graph, t) for t in order}
    total = sum(graph.rows(f"MATCH {count} RETURN count(*)")[0][0] for t in order for _, count, _ in reads[t])
    done = {"NODE": 0, "REL": 0}
    target = GraphStore(target_path, migrate=False)
    try:
        for table in order:
            target.execute(graph.create_statement(table))
        for table in order:
            kind = kinds[table]
            for query, _, pair in reads[table]:
                data = graph.arrow(query)
                for start in range(0, data.num_rows, COPY_BATCH):
                    target.copy(table, data.slice(start, COPY_BATCH), pair=pair)
                _compare(table, data, target.arrow(query), keys=None if kind == "REL" else [data.column_names[0]])
                done[kind] += data.num_rows
                if progress:
                    progress("compact", done["NODE"] + done["REL"], total)
        target.execute("CHECKPOINT")
    finally:
        target.close()
    return done["NODE"], done["REL"], len(order)


def _reads(graph: GraphStore, table: str) -> list[tuple[str, str, tuple[str, str] | None]]:
    """(query returning the table's rows in COPY column order, its MATCH pattern, COPY pair) per part of a
    table: one for a node table (primary key first), one per (from, to) pair for a rel table."""
    columns = graph.columns(table)
    pairs = graph.rel_pairs(table)
    if not pairs:
        key = [name for name, _, primary in columns if primary]
        names = key + [name for name, _, primary in columns if not primary]
        if [name for name, _, _ in columns] != names:
            raise StoreError(f"cannot compact: table {table} does not start with its primary key", path=graph.path)
        pattern = f"(n:{table})"
        return [(f"MATCH {pattern} RETURN " + ", ".join(f"n.`{c}` AS `{c}`" for c in names), pattern, None)]
    keys = {tuple(r[:2]): (r[2], r[3]) for r in graph.rows(f"CALL show_connection('{table}') RETURN *")}
    out = []
    for src, dst in pairs:
        src_key, dst_key = keys[(src, dst)]
        pattern = f"(a:{src})-[r:{table}]->(b:{dst})"
        props = "".join(f", r.`{c}` AS `{c}`" for c, _, _ in columns)
        out.append((f"MATCH {pattern} RETURN a.`{src_key}` AS `from`, b.`{dst_key}` AS `to`{props}", pattern,
                    (src, dst) if len(pairs) > 1 else None))
    return out


def _compare(table: str, old, new, *, keys: list[str] | None) -> None:
    """Refuse to go on unless `new` holds exactly the rows of `old` (any order). `keys`: columns that order the
    rows uniquely (a primary key); None: every column."""
    if old.num_rows != new.num_rows or old.schema != new.schema or not _sorted(old, keys).equals(_sorted(new, keys)):
        raise StoreError(f"compaction aborted, the graph is unchanged: table {table} differs in the new file "
                         f"({old.num_rows} rows before, {new.num_rows} after)")


def _sorted(data, keys: list[str] | None):
    import pyarrow as pa

    try:
        return data.sort_by([(c, "ascending") for c in (keys or data.column_names)]).combine_chunks()
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):      # a list column: order the rows in Python
        rows = sorted(data.to_pylist(), key=repr)
        return pa.Table.from_pylist(rows, schema=data.schema).combine_chunks()


def _install(target: Path, path: Path) -> None:
    """Rename the finished new file over the closed old one (the commit of a compaction)."""
    for side in SIDE_FILES[1:]:
        for leftover in (path.with_name(path.name + side), target.with_name(target.name + side)):
            if leftover.exists() and leftover.stat().st_size:
                raise StoreError(f"compaction aborted, the graph is unchanged: {leftover.name} was not empty after "
                                 "closing the database", path=str(path))
    _fsync(target)
    os.replace(target, path)
    _fsync(path.parent)
    for side in SIDE_FILES[1:]:           # empty ones, which belonged to the old file
        side_file = path.with_name(path.name + side)
        if side_file.exists():
            side_file.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def graph_bytes(path: Path) -> int:
    """The size of a graph file with its write-ahead log (0 when there is none yet)."""
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + ".wal")) if p.exists())


def _mb(n: int) -> str:
    return f"{n / 2 ** 20:.1f} MB"
