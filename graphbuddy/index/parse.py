"""Parse stage: read, hash, screen and extract files, in worker processes for big batches.

Workers get paths (not contents) and send back compact frozen records; a file whose content hash matches
the stored one comes back as `Unchanged` without being parsed.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from ..languages import adapter_for
from .facts import FileFacts
from .state import decode_symbols, encode

log = logging.getLogger(__name__)

POOL_THRESHOLD = 48        # below this many files, a pool costs more than it saves
CHUNK = 32


@dataclass(frozen=True, slots=True)
class Task:
    path: str
    language: str
    old_hash: str | None
    size: int = 0          # bytes at discovery: the pool hands out the biggest chunks first


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unchanged:
    path: str
    hash: str


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _screen(data: bytes) -> str | None:
    """Reason to skip a file's content, or None."""
    head = data[:8192]
    if b"\0" in head:
        return "binary"
    if len(data) > 4096:
        newlines = data.count(b"\n", 0, 65536)
        sample = min(len(data), 65536)
        if sample / (newlines + 1) > 400:
            return "minified"
    if b"@generated" in head[:1024] or b"DO NOT EDIT" in head[:1024]:
        return "generated"
    return None


def extract_one(root: str, task: Task):
    full = os.path.join(root, task.path)
    try:
        with open(full, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return Skipped(task.path, "vanished")
    except OSError:
        return Skipped(task.path, "unreadable")
    digest = content_hash(data)
    if digest == task.old_hash:
        return Unchanged(task.path, digest)
    reason = _screen(data)
    if reason:
        return Skipped(task.path, reason)
    try:
        return adapter_for(task.language).extract(data, path=task.path, hash=digest)
    except RecursionError:
        return Skipped(task.path, "too_deeply_nested")


@dataclass(frozen=True, slots=True)
class Encoded:
    """FileFacts sent from a worker as its state blobs."""

    path: str
    symbols: bytes
    body: bytes


@dataclass
class Prepared:
    """What a big run's parse workers prepare beside the facts, so the writer does not build it serially:
    each file's state blobs (`state.encode`) and the batch's graph nodes (`load.node_tables`)."""

    project: str
    now: datetime
    blobs: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    nodes: list = field(default_factory=list)      # load.NodeTables, one per batch


def _extract_chunk(root: str, tasks: list[Task], project: str | None = None, now: datetime | None = None):
    records = [extract_one(root, t) for t in tasks]
    if project is None:
        return records, None
    from . import load      # pyarrow: only in a big run's workers

    facts = [r for r in records if isinstance(r, FileFacts)]
    others = [r for r in records if not isinstance(r, FileFacts)]
    # the facts travel as their state blobs: pickled once here, not once for the pipe and again for DuckDB
    return ([Encoded(f.path, *encode(f)) for f in facts] + others,
            load.node_tables(project, facts, now))


def extract_all(root: Path, tasks: list[Task], *, workers: int | None = None,
                progress: Callable[[int], None] | None = None,
                prepared: Prepared | None = None) -> Iterator[FileFacts | Skipped | Unchanged]:
    """Yield one record per task (order not guaranteed); `progress(n)` after each batch of n files.
    `prepared`: filled by the workers when a pool runs (left empty otherwise); the facts of such a run come
    without call sites and local bindings (`facts.symbol_part`): `prepared.blobs` holds them."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if len(tasks) < POOL_THRESHOLD or workers <= 1:
        for t in tasks:
            yield extract_one(str(root), t)
            if progress:
                progress(1)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor     # here: a no-change run never starts a pool (~6 ms)

    # Chunks keep the per-task pickling overhead low.
    ordered = sorted(tasks, key=lambda t: t.path)
    chunks = [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]
    chunks.sort(key=lambda c: -sum(t.size for t in c))      # big ones first: no worker is left with one late
    n = len(chunks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                             initializer=_start_worker) as pool:
        for batch, nodes in pool.map(_extract_chunk, [str(root)] * n, chunks, [prepared and prepared.project] * n,
                                     [prepared and prepared.now] * n):
            for rec in batch:
                if isinstance(rec, Encoded):
                    rec = _decode(rec, prepared.blobs)
                yield rec
            if nodes is not None:
                prepared.nodes.append(nodes)
            if progress:
                progress(len(batch))


def _decode(rec: Encoded, blobs: dict[str, tuple[bytes, bytes]]) -> FileFacts:
    """The file's symbols part: its call bodies stay a blob here, decoded where the file is resolved."""
    blobs[rec.path] = (rec.symbols, rec.body)
    return decode_symbols(rec.symbols)


def _start_worker() -> None:
    from . import load

    die_with_parent()
    load.without_pandas()


def die_with_parent() -> None:
    """Pool worker initializer: on Linux, the kernel kills the worker when the indexing process dies (a
    kill -9 of the indexer would otherwise leave workers blocked on their task queue forever)."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except OSError:
            pass
