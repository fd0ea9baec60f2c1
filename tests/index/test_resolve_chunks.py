"""How a big batch's resolution is split for the worker pool (resolve_pool._chunks)."""
import heapq
import random

import pytest

from graphbuddy.index.resolve_pool import _chunks


def _finish_times(chunks, work_of, workers):
    """When each worker is done, taking chunks in order as each becomes free (what the pool does)."""
    free = [0.0] * workers
    for chunk in chunks:
        heapq.heappush(free, heapq.heappop(free) + sum(work_of[p] for p in chunk))
    return sorted(free)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("workers", [2, 4])
def test_chunks_keep_file_order_and_let_the_workers_finish_together(seed, workers):
    rng = random.Random(seed)
    paths = [f"pkg/m{i:04d}.py" for i in range(1800)]
    work = [int(rng.lognormvariate(8, 1.5)) for _ in paths]       # a few files weigh 100x the median
    chunks = _chunks(paths, work, workers)
    assert [p for c in chunks for p in c] == paths
    work_of = dict(zip(paths, work))
    sizes = [sum(work_of[p] for p in c) for c in chunks]
    assert sizes[0] > sizes[-1] * 4                               # big first, small last
    assert len(chunks) < 40 * workers
    ends = _finish_times(chunks, work_of, workers)
    # the workers end within about the smallest chunk plus the heaviest file (equal file counts could leave
    # one worker a sixteenth of the whole batch behind)
    assert ends[-1] - ends[0] <= sum(work) / (workers * 32) + max(work)


def test_files_without_work_still_form_chunks():
    assert [p for c in _chunks(["a", "b", "c"], [0, 0, 0], 2) for p in c] == ["a", "b", "c"]
