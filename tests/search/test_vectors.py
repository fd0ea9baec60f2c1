"""The vector scan reads an fp16 copy first and scores exactly only the rows it cannot decide: its matches, pool
and scores must equal scoring every row exactly, wherever the rows sit (kind blocks, tail, masks)."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from graphbuddy.search import engine as engine_module
from graphbuddy.search import vectors
from graphbuddy.search.snapshot import Snapshot

from .conftest import add_docs

THRESHOLD, POOL = 0.2, 100


def _unit(rng, n, dim):
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _clustered(rng, n, dim):
    """Rows near a few centres, many near-ties and many cosines around the 0.2 threshold (like real notes)."""
    centres = _unit(rng, 12, dim)
    m = centres[rng.integers(0, 12, n)] + rng.normal(0, 0.09, (n, dim)).astype(np.float32)
    m[: n // 10] = m[n // 10: 2 * (n // 10)]                    # exact duplicates: equal scores, ties by id
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def test_exact_gives_a_row_the_same_value_wherever_it_sits():
    rng = np.random.default_rng(1)
    m, q = _unit(rng, 1003, 384), _unit(rng, 1, 384)[0]
    every = vectors.exact(m, np.arange(len(m)), q)
    for size in (1, 2, 3, 5, 7, 33, 101):
        rows = np.sort(rng.choice(len(m), size, replace=False))
        assert np.array_equal(vectors.exact(m, rows, q), every[rows])
    assert np.allclose(every, m @ q, atol=1e-6)


def test_the_half_kernel_keeps_the_query_in_float32():
    pytest.importorskip("torch")
    assert vectors.HalfKernel.ops() is not None     # the probe: fp32 query, weights rounded to nearest fp16


class _Snap:
    """The parts of a Snapshot that vector_matches reads: main rows in kind blocks, then tail rows."""

    def __init__(self, matrix, tail, blocks):
        self.matrix, self.tail, self.kind_blocks = matrix, tail, blocks
        self.n_main, self.n = len(matrix), len(matrix) + len(tail)
        self.first_pass, self._tail_scan = vectors.BlockScan(matrix), None

    vector_matches = Snapshot.vector_matches


def _exact_answer(snap, q, mask, kinds, ids):
    scores = np.full(snap.n, -np.inf, dtype=np.float32)
    for kind in kinds:
        a, b = snap.kind_blocks.get(kind, (0, 0))
        scores[a:b] = vectors.exact(snap.matrix, np.arange(a, b), q)
    scores[snap.n_main:] = vectors.exact(snap.tail, np.arange(len(snap.tail)), q)
    rows = np.flatnonzero(mask & (scores >= THRESHOLD))
    pool = rows[engine_module._pool(rows, scores[rows], ids)]
    return rows, pool, scores[pool]


@pytest.mark.parametrize("half_min_rows", [1, 10**9])          # the fp16 first pass, and the float32 one
def test_vector_matches_equal_scoring_every_row_exactly(monkeypatch, half_min_rows):
    if half_min_rows == 1:
        pytest.importorskip("torch")
    monkeypatch.setattr(vectors, "HALF_MIN_ROWS", half_min_rows)
    rng = np.random.default_rng(half_min_rows)
    dim = 96
    data = _clustered(rng, 6001, dim)
    snap = _Snap(data[:5000], data[5000:], {"code": (0, 3001), "reflection": (3001, 5000)})
    ids = [f"r{i:05d}" for i in rng.permutation(snap.n)]
    decided_by_first_pass = 0
    for i in range(40):
        q = data[rng.integers(0, len(data))] + rng.normal(0, 0.3 * (i % 3), dim).astype(np.float32)
        q = (q / np.linalg.norm(q)).astype(np.float32)
        kinds = [("code", "reflection"), ("reflection",), ("code",)][i % 3]
        mask = np.zeros(snap.n, dtype=bool)
        for kind in kinds:
            mask[slice(*snap.kind_blocks[kind])] = True
        mask[snap.n_main:] = True
        if i % 4 == 3:
            mask &= rng.random(snap.n) < 0.05                     # a narrow filter: fewer matches than the pool
        matched, best, sims = snap.vector_matches(q, mask, kinds, threshold=THRESHOLD, pool=POOL)
        rows = np.flatnonzero(matched)
        order = engine_module._pool(best, sims, ids)
        want_rows, want_pool, want_scores = _exact_answer(snap, q, mask, kinds, ids)
        assert np.array_equal(rows, want_rows)
        assert np.array_equal(best[order], want_pool) and np.array_equal(sims[order], want_scores)
        decided_by_first_pass += len(rows) - len(best)
    assert decided_by_first_pass > 0           # most matches were counted without an exact score
    assert any(packed is not None for packed, _, _ in snap.first_pass._blocks.values()) == (half_min_rows == 1)


def test_the_fp16_bound_from_the_measured_rounding_holds_for_every_row(monkeypatch):
    """delta uses the block's largest |x - fp16(x)|: every row's first-pass score is within it of `exact`, for
    rows of unit, tiny (fp16 subnormal) and large norms, and for unnormalised queries."""
    pytest.importorskip("torch")
    monkeypatch.setattr(vectors, "HALF_MIN_ROWS", 1)
    rng = np.random.default_rng(11)
    dim = 96
    data = _clustered(rng, 3000, dim)
    data[:300] *= np.float32(1e-4)                      # components down to fp16's subnormal range
    data[300:400] *= np.float32(300.0)
    data[400:450, : dim // 2] = 0                        # exact zeros
    scan = vectors.BlockScan(data)
    for i in range(30):
        q = (data[rng.integers(400, 3000)] + rng.normal(0, 0.5, dim)).astype(np.float32) * np.float32(1 + i % 4)
        qnorm = float(np.sqrt(np.dot(q.astype(np.float64), q.astype(np.float64))))
        first, delta = scan.scores(0, len(data), q, qnorm, float(np.abs(q).sum(dtype=np.float64)))
        exact = vectors.exact(data, np.arange(len(data)), q)
        assert float(np.abs(exact.astype(np.float64) - first).max()) <= delta
    packed, norm = scan._block(0, len(data), True)
    assert packed is not None and packed.rounding < norm * 2.0 ** -11      # tighter than the worst case


def test_a_first_pass_outside_its_bound_falls_back_to_exact(monkeypatch, caplog):
    rng = np.random.default_rng(3)
    data = _clustered(rng, 2000, 64)
    snap = _Snap(data, np.zeros((0, 64), dtype=np.float32), {"reflection": (0, 2000)})
    ids = [f"r{i:05d}" for i in range(snap.n)]
    real = vectors.BlockScan.scores

    def lying(self, a, b, q, qnorm, qsum, **kw):
        scores, delta = real(self, a, b, q, qnorm, qsum, **kw)
        return scores + np.float32(0.01), delta                 # off by more than the bound it claims

    monkeypatch.setattr(vectors.BlockScan, "scores", lying)
    monkeypatch.setattr(vectors.HalfKernel, "_checked", False)   # disable() below must not leak into other tests
    monkeypatch.setattr(vectors.HalfKernel, "_ops", None)
    q = data[7]
    mask = np.ones(snap.n, dtype=bool)
    with caplog.at_level(logging.WARNING):
        matched, best, sims = snap.vector_matches(q, mask, ("reflection",), threshold=THRESHOLD, pool=POOL)
    rows = np.flatnonzero(matched)
    assert "outside their bound" in caplog.text
    want_rows, want_pool, want_scores = _exact_answer(snap, q, mask, ("reflection",), ids)
    order = engine_module._pool(best, sims, ids)
    assert np.array_equal(rows, want_rows) and np.array_equal(best[order], want_pool)


def test_search_pages_are_the_same_with_the_fp16_scan(gb, monkeypatch):
    pytest.importorskip("torch")
    words = "cache token writer index vector retry lock queue parser config session deploy timeout".split()
    rng = np.random.default_rng(5)
    add_docs(gb, *[{"content": " ".join(rng.choice(words, rng.integers(3, 9))), "age_days": float(i % 40),
                    "kind": ("reflection", "insight", "code")[i % 3]} for i in range(600)])
    engine = gb._search_engine()
    queries = ("cache token", "retry the lock after a timeout", "deploy config", "vector index parser")

    def answers():
        engine._snap = None                                       # a fresh snapshot: fresh first-pass copies
        out = []
        for q in queries:
            for kinds in (None, "code", ["reflection", "code"]):
                page = engine.search(q, kinds=kinds, limit=30)
                out.append((page.total, [(h.id, h.scores["vector"], round(h.scores["rrf"], 12)) for h in page.hits]))
        return out

    monkeypatch.setattr(vectors, "HALF_MIN_ROWS", 10**9)
    float32 = answers()
    monkeypatch.setattr(vectors, "HALF_MIN_ROWS", 50)
    assert answers() == float32


def test_kth_largest_equals_a_full_partition():
    rng = np.random.default_rng(11)
    cases = [rng.random(20000).astype(np.float32),                       # the sampled cut
             np.round(rng.random(50000), 2).astype(np.float32),           # many ties
             np.tile(np.r_[np.ones(1, np.float32), np.zeros(15, np.float32)], 2000),   # the sample sees only 1s
             np.tile(np.r_[np.zeros(1, np.float32), rng.random(15).astype(np.float32)], 2000),  # ... only 0s
             rng.random(300).astype(np.float32)]                          # too few to sample
    for values in cases:
        for among in (None, rng.random(len(values)) < 0.7, np.arange(len(values)) % 16 != 0):
            chosen = values if among is None else values[among]
            for k in (1, 7, 100, len(chosen) // 3):
                want = np.sort(chosen)[len(chosen) - k]
                assert vectors.kth_largest(values, k, among=among) == want


def test_on_a_busy_machine_the_fp16_scan_runs_on_one_thread_of_this_thread_only(monkeypatch):
    import threading

    torch = pytest.importorskip("torch")
    if vectors._OneThread._omp() is None:
        pytest.skip("a torch build without its own libgomp: threads are left to torch")
    before = torch.get_num_threads()
    if before < 2:
        pytest.skip("torch runs on one thread here anyway")
    seen = []
    monkeypatch.setattr(vectors, "_CORES", 0)           # any load counts as busy
    with vectors._OneThread(torch):
        seen.append(torch.get_num_threads())
        other = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        other.start()
        other.join()
    assert seen == [1, before] and torch.get_num_threads() == before
    monkeypatch.setattr(vectors, "_CORES", 10**6)       # a machine with cores to spare: torch keeps its threads
    with vectors._OneThread(torch):
        assert torch.get_num_threads() == before
