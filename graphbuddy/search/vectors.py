"""Exact cosine matches and top-k over the snapshot's matrices, reading half the bytes of a float32 scan.

A float32 scan of 100k x 384 reads 154 MB per query and is memory-bound (~3 ms on 2 cores when quiet, 5-8 ms
when another process holds a core). So a search runs in two passes:

1. *first pass*: every row of the requested kinds scored against the query by a kernel whose error is bounded:
   blocks of at least `HALF_MIN_ROWS` rows by a half-precision copy of the block (fbgemm's fp16 x fp32 GEMV
   in torch: 77 MB, ~1.3-2.5 ms, on one thread: `_OneThread`), smaller blocks and the tail by numpy float32;
2. *exact pass*: only the rows whose first-pass score cannot decide the answer are scored exactly (float32,
   `exact`): rows near the similarity threshold and rows that might belong to the top `pool`.

With a bound `delta` on |first pass - exact| for every row, a row above `threshold + delta` matches, a row
below `threshold - delta` does not, and a row more than `2 delta` below the `pool`-th best sure match cannot
be in the top `pool`. So matches, their count and the pool (its order, ties by id) are the same as scoring
every row exactly: nothing is approximate in the result.

The bound, for rows x and query q (float32, n = dim, u = 2**-24, gamma = n u / (1 - n u)):
- fp16 copy: the rounding e = x - fp16(x) adds |q . e| <= |q| E, E the largest |e| over the block's rows,
  measured when the copy is made (at most N 2**-11 + 2**-25 sqrt(n), as |e_j| <= 2**-11 |x_j| + 2**-25:
  round to nearest, subnormals included; ~half of that on real vectors, so about half the rows to rescore);
  the two float32 sums are off by at most gamma |q| (N + E) and gamma |q| N, so
  delta = min(|q| E, |q| N 2**-11 + 2**-25 |q|_1) + gamma |q| (2 N + E) + slack, N the largest row norm;
- float32 first pass (same numbers, another summation order than `exact`): delta = 2 gamma |q| N + slack.
`HalfKernel` checks once that the kernel keeps the query in float32 and rounds weights to nearest fp16; every
query also checks the bound on the rows it scored exactly, and falls back to float32 if it ever fails.

`exact` scores rows in groups of 4: OpenBLAS's sgemv scores the last (rows mod 4) rows of a call, and the rows
at its thread split, with another summation order (1 ulp apart), so a plain `matrix @ q` gives a row a value
that depends on where it sits. Groups of 4 give every row the same value wherever it sits.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from typing import NamedTuple

import numpy as np

log = logging.getLogger(__name__)

HALF_MIN_ROWS = 32768       # smaller blocks are scanned in float32: the fp16 copy would not pay for its memory
_SLACK = 1e-6               # covers rounding the float64 limits to float32 for the comparisons


def exact(matrix: np.ndarray, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """float32 cosine of `q` with `matrix[rows]`, the same value for a row wherever it sits (groups of 4)."""
    m = len(rows)
    if not m:
        return np.zeros(0, dtype=np.float32)
    pad = (-m) % 4
    if pad:
        rows = np.concatenate([rows, np.repeat(rows[-1:], pad)])
    return (matrix[rows] @ q)[:m]


class HalfKernel:
    """fbgemm's fp16-weight, fp32-activation linear from torch, if present and behaving as the bound assumes."""

    _lock = threading.Lock()
    _checked: bool = False
    _ops = None

    @classmethod
    def ops(cls):
        with cls._lock:
            if not cls._checked:
                cls._checked = True
                try:
                    cls._ops = cls._probe()
                except Exception as exc:       # torch missing or an unexpected build: float32 it is
                    log.info("half-precision vector scan unavailable (%s): float32 scan", exc)
                    cls._ops = None
            return cls._ops

    @classmethod
    def disable(cls) -> None:
        with cls._lock:
            cls._checked, cls._ops = True, None

    @staticmethod
    def _probe():
        import torch

        ops = torch.ops.quantized
        w = torch.zeros(8, 16)
        w[0, 0], w[1, 1], w[2, 2], w[3, 3] = 1.0, 1e-6, 3e-8, 0.1
        q = torch.zeros(1, 16)
        q[0, 0], q[0, 1], q[0, 2], q[0, 3] = 1 + 2 ** -20, 1.0, 1.0, 1.0
        got = ops.linear_dynamic_fp16(q, ops.linear_prepack_fp16(w, None))[0, :4].tolist()
        want = [1 + 2 ** -20] + [float(np.float32(np.float16(v))) for v in (1e-6, 3e-8, 0.1)]
        if got != want:
            raise RuntimeError(f"fp16 kernel gives {got}, expected {want}")
        return torch, ops


class BlockScan:
    """First-pass scoring of row blocks [a, b) of one matrix, with the block's packed fp16 copy (built on first
    use) and largest row norm. Shared by the snapshot versions that share the matrix; thread-safe."""

    def __init__(self, matrix: np.ndarray):
        self.matrix = matrix
        self._blocks: dict[tuple[int, int], tuple[_Half | None, float, bool]] = {}   # fp16, norm, packing tried
        self._lock = threading.Lock()

    def _block(self, a: int, b: int, half: bool) -> tuple[_Half | None, float]:
        """(packed fp16 copy or None, largest row norm) of rows [a, b)."""
        got = self._blocks.get((a, b))
        if got is None or (half and not got[2]):
            with self._lock:
                got = self._blocks.get((a, b))
                if got is None or (half and not got[2]):
                    norm = got[1] if got is not None else _largest_norm(self.matrix[a:b])
                    packed = _pack(self.matrix[a:b]) if half and np.isfinite(norm) and norm < 60000 else None
                    got = self._blocks[(a, b)] = (packed, norm, half)
        return got[0], got[1]

    def scores(self, a: int, b: int, q: np.ndarray, qnorm: float, qsum: float, *,
               half: bool = True) -> tuple[np.ndarray, float]:
        """First-pass scores of rows [a, b) and the bound on their distance from `exact`; `half`: an fp16 copy
        may be used (not for the tail, which every write replaces)."""
        n = self.matrix.shape[1]
        gamma = n * 2.0 ** -24 / (1 - n * 2.0 ** -24)
        packed, norm = self._block(a, b, half and b - a >= HALF_MIN_ROWS)
        kernel = HalfKernel.ops() if packed is not None else None
        if kernel is not None:
            torch, ops = kernel
            with _OneThread(torch):
                out = ops.linear_dynamic_fp16(torch.from_numpy(q[None, :]), packed.weights)[0].numpy()
            # the rounding the block actually has, or the worst case fp16 allows if that were ever smaller
            rounding = min(qnorm * packed.rounding, qnorm * norm * 2.0 ** -11 + 2.0 ** -25 * qsum)
            return out, rounding + gamma * qnorm * (2 * norm + packed.rounding) + _SLACK
        return self.matrix[a:b] @ q, 2 * gamma * qnorm * norm + _SLACK


_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_RUNNABLE_RECHECK_S = 0.25   # how long one reading of /proc/loadavg stands (a search reads it at most so often)
_last_reading: list = [-1e9, 1 << 30]   # (when, runnable threads): one slice assignment replaces both


def _busy() -> bool:
    """More threads runnable than cores; /proc/loadavg is read at most every `_RUNNABLE_RECHECK_S`: opening
    and reading it cost ~50 us per query with cold caches, right after the model's forward pass."""
    now = time.monotonic()
    if now - _last_reading[0] >= _RUNNABLE_RECHECK_S:
        _last_reading[:] = now, _runnable()
    return _last_reading[1] > _CORES


def _runnable() -> int:
    """Threads running or waiting for a CPU right now, this one included (Linux /proc/loadavg: ~10 us); a
    large number elsewhere, so a busy machine is assumed."""
    try:
        with open("/proc/loadavg", "rb") as fh:
            return int(fh.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return 1 << 30


class _OneThread:
    """On a busy machine, runs the calling thread's torch CPU ops on one OpenMP thread, for that thread only
    (libgomp keeps the thread count per thread; `torch.set_num_threads` would also change the default new
    threads start with). torch splits the fp16 GEMV over its threads: right after the model's forward pass
    on a busy 2-core machine, the call then waits for the half whose thread is not running (5.7 vs 2.7 ms
    p50 at load 6.5, the same CPU: docs/benchmarks.md). Without torch's own libgomp (another build),
    threads are left as they are."""

    _gomp = None
    _looked = False
    _lock = threading.Lock()

    def __init__(self, torch):
        self._torch, self._before = torch, 0

    @classmethod
    def _omp(cls):
        if cls._looked:
            return cls._gomp
        with cls._lock:
            if not cls._looked:
                cls._looked = True
                try:
                    import ctypes

                    import torch

                    path = os.path.join(os.path.dirname(torch.__file__), "lib", "libgomp.so.1")
                    cls._gomp = ctypes.CDLL(path) if os.path.exists(path) else None
                except Exception as exc:     # noqa: BLE001 - only a speed-up: without it torch picks its threads
                    log.info("cannot reach torch's OpenMP runtime (%s): the fp16 scan uses torch's threads", exc)
            return cls._gomp

    def __enter__(self):
        omp = self._omp()
        # only on a busy machine: with a core free, the second thread halves the scan (bench_search on a quiet
        # machine: 4.6 / 4.8 ms beyond the model with two threads, 5.2 / 5.3 with one)
        if omp is not None and _busy():
            self._torch.get_num_threads()          # torch's lazy per-thread setup first: it would undo ours
            self._before = omp.omp_get_max_threads()
            if self._before > 1:
                omp.omp_set_num_threads(1)
        return self

    def __exit__(self, *exc):
        if self._before > 1:
            self._gomp.omp_set_num_threads(self._before)


def _largest_norm(block: np.ndarray, rows: int = 8192) -> float:
    return max((float(np.sqrt(np.einsum("ij,ij->i", block[i:i + rows], block[i:i + rows], dtype=np.float64).max()))
                for i in range(0, len(block), rows)), default=0.0)


class _Half(NamedTuple):
    weights: object        # fbgemm's packed fp16 copy
    rounding: float        # largest |x - fp16(x)| over the rows x of the block (an upper bound)


def _pack(block: np.ndarray) -> _Half | None:
    kernel = HalfKernel.ops()
    if kernel is None:
        return None
    torch, ops = kernel
    with warnings.catch_warnings():                # the Arrow buffer is read-only: torch says so, nothing writes it
        warnings.simplefilter("ignore", UserWarning)
        weights = ops.linear_prepack_fp16(torch.from_numpy(block), None)
    return _Half(weights, _largest_rounding(block))


def _largest_rounding(block: np.ndarray, rows: int = 8192) -> float:
    """max over rows x of |x - fp16(x)|, rounded to nearest as the kernel does (HalfKernel's probe). Each
    difference is exact in float32 (Sterbenz: x and fp16(x) are within a factor 2), its square exact in
    float64; the float64 sums' rounding (~1e-13 relative) is covered by the factor."""
    largest = 0.0
    for i in range(0, len(block), rows):
        part = block[i:i + rows]
        error = part - part.astype(np.float16).astype(np.float32)
        largest = max(largest, float(np.sqrt(np.einsum("ij,ij->i", error, error, dtype=np.float64).max())))
    return largest * (1 + 2.0 ** -20)


def matches(first: np.ndarray, delta: float, mask: np.ndarray, rescore, *, threshold: float,
            pool: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """From first-pass scores `first` (within `delta` of exact; -inf for rows not scored) and the rows allowed
    (`mask`): (a mask of every row with exact score >= threshold; the rows among them that can be in the top
    `pool`, ascending, every row tied with the last included; their exact scores). `rescore(rows)` gives exact
    scores. None if an exact score broke the bound (the caller scores everything exactly). Works on masks
    over all rows: at 100k rows half or more may match, and index arrays that long cost more than masks."""
    possible = first >= threshold - delta
    possible &= mask
    sure = first >= threshold + delta
    sure &= mask
    n_sure = int(np.count_nonzero(sure))
    if n_sure >= pool:
        edge = float(kth_largest(first, pool, among=sure)) - 2 * delta
        check = first >= edge              # sure rows that may be in the pool, and the rows near the threshold
        check |= ~sure
        check &= possible
    else:
        check = possible
    rows = np.flatnonzero(check)
    scores = rescore(rows)
    if len(rows) and float(np.abs(scores.astype(np.float64) - first[rows]).max()) > delta:
        return None
    ok = scores >= threshold
    sure[rows] = ok
    return sure, rows[ok], scores[ok]


def kth_largest(values: np.ndarray, k: int, *, among: np.ndarray | None = None):
    """The k-th largest of `values` (of `values[among]`, a mask), which must hold at least k values.

    A cut first, from every 16th value: if at least k values are >= the cut, the k-th largest is one of them
    and equals their k-th largest (every value >= it is >= the cut), so only those few hundred are
    partitioned, not tens of thousands; otherwise (few values, or an unlucky sample) all of them."""
    step = 16
    pick = 2 * k // step + 1                    # the sample's pick-th best leaves ~2k values above the cut
    if len(values) >= 64 * k:
        sample = values[::step] if among is None else values[::step][among[::step]]
        if len(sample) >= pick:
            cut = np.partition(sample, len(sample) - pick)[len(sample) - pick]
            top = values >= cut
            if among is not None:
                top &= among
            if np.count_nonzero(top) >= k:
                chosen = values[top]
                return np.partition(chosen, len(chosen) - k)[len(chosen) - k]
    chosen = values if among is None else values[among]
    return np.partition(chosen, len(chosen) - k)[len(chosen) - k]
