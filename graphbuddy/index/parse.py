"""Parse stage: read, hash, screen and extract files, in worker processes for big batches.

Workers get paths (not contents) and send back compact frozen records; a file whose content hash matches
the stored one comes back as `Unchanged` without being parsed.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..languages import adapter_for
from .facts import FileFacts

log = logging.getLogger(__name__)

POOL_THRESHOLD = 48        # below this many files, a pool costs more than it saves
CHUNK = 32


@dataclass(frozen=True, slots=True)
class Task:
    path: str
    language: str
    old_hash: str | None


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


def _extract_chunk(root: str, tasks: list[Task]):
    return [extract_one(root, t) for t in tasks]


def extract_all(root: Path, tasks: list[Task], *, workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> Iterator[FileFacts | Skipped | Unchanged]:
    """Yield one record per task (order not guaranteed); `progress(n)` after each batch of n files."""
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
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                             initializer=die_with_parent) as pool:
        for batch in pool.map(_extract_chunk, [str(root)] * len(chunks), chunks):
            yield from batch
            if progress:
                progress(len(batch))


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
