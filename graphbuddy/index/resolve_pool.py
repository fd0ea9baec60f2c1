"""Resolve stage driver: resolve files and turn them into edge tables, in forked workers for big batches.

Each file's resolution only reads the shared `SymbolIndex`, so a fork pool inherits the index once
(copy-on-write) and each worker returns Arrow edge tables plus the files' keys: pickling the
`FileResolution` objects themselves cost more than resolving them (stdlib: ~3 s of pickling for ~3 s of
resolution, measured), while Arrow tables cross the process boundary in milliseconds.
"""
from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from . import load
from .facts import FileFacts
from .parse import die_with_parent
from .resolve import SymbolIndex, resolve_files
from .state import decode_body, pack_keys, unpack_keys

# Work below which a pool costs more than it saves (forking, shipping tables back: ~0.15-0.2 CPU-s), in body
# bytes (state blobs: ~40-70 per call site). JS, 925 files, 0.4 MB: in process 0.73-0.80 CPU-s for the whole
# index against 0.92-0.99 with a pool; Go, 905 files, 2.8 MB: the same either way on a busy machine.
POOL_MIN_BODY_BYTES = 1 << 20
BODY_BYTES_PER_CALL = 55      # for facts held decoded (a delta's): their call sites stand in for the bytes


@dataclass(frozen=True)
class Resolved:
    keys: dict[str, frozenset[str]]       # path -> lookup keys its resolution depended on
    unresolved: int                       # call sites left unresolved
    edges: load.EdgeTables
    packed: dict[str, bytes] | None = None    # path -> its keys `pack_keys`-ed, when resolved in a worker


_shared: tuple[SymbolIndex, str, dict[str, FileFacts], dict[str, bytes]] | None = None     # set before forking the pool
_pool_lock = threading.Lock()       # one pool forking at a time: `_shared` is what its workers inherit


def _resolve_chunk(paths: list[str], shared: tuple | None = None) -> Resolved:
    index, project, facts, bodies = shared or _shared
    for p in paths:
        if p in bodies:
            index.add_body(p, decode_body(facts[p], bodies[p]))
    resolutions = resolve_files(index, paths)
    return Resolved({p: r.keys for p, r in resolutions.items()}, sum(len(r.unresolved) for r in resolutions.values()),
                    load.edge_tables(project, list(resolutions.values()), facts, index.node_ids))


def _resolve_in_worker(paths: list[str]) -> Resolved:
    """The keys cross the pipe packed (stdlib x3: 11 MB against a 38 MB pickle), to be unpacked interned."""
    done = _resolve_chunk(paths)
    return Resolved({}, done.unresolved, done.edges, {p: pack_keys(k) for p, k in done.keys.items()})


def _work(path: str, facts: dict[str, FileFacts], bodies: dict[str, bytes]) -> int:
    return len(bodies[path]) if path in bodies else BODY_BYTES_PER_CALL * len(facts[path].calls)


def _chunks(ordered: list[str], work: list[int], workers: int) -> list[list[str]]:
    """Runs of `ordered` (neighbouring files share lookups) whose work shrinks as less remains (guided
    scheduling): each is about the remaining work over twice the workers, none under 1/32 of a worker's share.
    The pool hands them out in order, so the last ones are small and the workers finish together (equal file
    counts left one worker alone on a big last chunk for ~0.4 s of the stdlib's 3-5 s of resolution)."""
    total = sum(work)
    least = total / (workers * 32)
    chunks, run, acc, left = [], [], 0, total
    for path, w in zip(ordered, work):
        run.append(path)
        acc += w
        if acc >= max(left / (2 * workers), least):
            chunks.append(run)
            left -= acc
            run, acc = [], 0
    if run:
        chunks.append(run)
    return chunks


class Resolving:
    """A resolution under way: `result()` waits for it. Leaving it as a context manager stops its workers
    (on an error the caller does not wait for their chunks)."""

    def __init__(self, done: Resolved | None = None, pool: ProcessPoolExecutor | None = None, futures=(), *,
                 unpack: bool = True):
        self._done, self._pool, self._futures = done, pool, futures
        # each chunk's keys are unpacked as it arrives, in the pool's result thread (~0.3 s on the stdlib:
        # off the path from the last chunk to the edge COPY), or by `result()` if it gets there first; not at
        # all when the caller takes them packed (`unpack=False`: its `keys` are then empty)
        self._unpacks = unpack
        self._keys: dict[int, dict[str, frozenset[str]]] = {}
        self._keys_lock = threading.Lock()
        for i, f in enumerate(futures if unpack else ()):
            f.add_done_callback(functools.partial(self._unpack, i))

    def _unpack(self, i: int, future) -> None:
        with self._keys_lock:
            if self._unpacks and i not in self._keys and not future.cancelled() and future.exception() is None:
                self._keys[i] = {p: unpack_keys(b) for p, b in future.result().packed.items()}

    @property
    def in_workers(self) -> bool:
        return self._pool is not None

    def result(self) -> Resolved:
        """The resolution, once: the caller owns it from then on (its tables and keys are big: it drops them
        when written)."""
        if self._done is None:
            parts = [f.result() for f in self._futures]
            self._pool.shutdown()
            keys: dict[str, frozenset[str]] = {}
            packed: dict[str, bytes] = {}
            for i, (f, part) in enumerate(zip(self._futures, parts)):
                self._unpack(i, f)
                keys.update(self._keys.pop(i, {}))
                packed.update(part.packed)
            self._futures = ()
            self._done = Resolved(keys, sum(p.unresolved for p in parts),
                                  load.merge_edge_tables([p.edges for p in parts]), packed)
        done, self._done = self._done, None
        return done

    def __enter__(self) -> "Resolving":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def resolve_to_edges(index: SymbolIndex, project: str, paths, facts: dict[str, FileFacts], *,
                     bodies: dict[str, bytes] | None = None, workers: int | None = None,
                     unpack: bool = True) -> Resolving:
    """Start resolving `paths`. A big batch goes to forked workers, all started before this returns, so the
    caller may write to the stores meanwhile (a full index loads its nodes while they resolve); a small one
    is resolved here and now. `bodies`: body blobs (`state.encode`) of files whose `facts` are symbols only,
    decoded where the file is resolved (in a worker, the parent never holds them). `unpack=False`: the
    workers' keys stay packed (`Resolved.packed`; `keys` holds those of an in-process resolution only)."""
    global _shared
    bodies = bodies or {}
    ordered = sorted(paths)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    work = [_work(p, facts, bodies) for p in ordered]
    if not ordered or workers <= 1 or sum(work) < POOL_MIN_BODY_BYTES:
        return Resolving(_resolve_chunk(ordered, (index, project, facts, bodies)))
    import multiprocessing as mp

    chunks = _chunks(ordered, work, workers)
    with _pool_lock:
        _shared = (index, project, facts, bodies)
        try:
            # a fork-context pool forks every worker at the first submit: they hold `_shared` from there on
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                                       initializer=die_with_parent)
            futures = [pool.submit(_resolve_in_worker, c) for c in chunks]
        finally:
            _shared = None
    return Resolving(pool=pool, futures=futures, unpack=unpack)
