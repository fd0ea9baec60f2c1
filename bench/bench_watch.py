"""Watch-mode latency: from a file save to the graph updated (issue: code graph breadth, watch mode).

Indexes a copy of the stdlib (see bench_index.py), starts `gb.watch` in a thread, then saves one file at a
time and waits for the update that includes it. Prints, measured in the same run:
  the in-process delta index of one changed file (the baseline: what watch mode cannot go below);
  save -> graph updated through watch mode (p50 and p95), and the watch overhead over the baseline.

    .venv/bin/python bench/bench_watch.py [--corpus DIR] [--edits 20]
"""
from __future__ import annotations

import argparse
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_index import HERE, stdlib_copy  # noqa: E402

import graphbuddy  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=HERE.parent / ".bench" / "stdlib")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--step-ms", type=int, default=10, help="watch step (library default 10)")
    ap.add_argument("--settle-ms", type=int, default=100, help="quiet time closing a multi-file burst")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "stdlib"                       # edits go to a private copy of the corpus
        shutil.copytree(stdlib_copy(args.corpus), corpus)
        targets = sorted(corpus.rglob("*.py"))[100:100 + args.edits]
        gb = graphbuddy.open(Path(tmp) / "store")
        t = time.perf_counter()
        gb.index(corpus, project="stdlib")
        print(f"corpus: {corpus} ({sum(1 for _ in corpus.rglob('*.py'))} files), full index "
              f"{time.perf_counter() - t:.2f}s")

        baseline = []
        for i, path in enumerate(targets):
            path.write_text(path.read_text() + f"\n\ndef _bench_direct_{i}():\n    return {i}\n")
            t = time.perf_counter()
            gb.index(corpus, project="stdlib")
            baseline.append((time.perf_counter() - t) * 1000)

        updates: queue.Queue = queue.Queue()
        stop, ready = threading.Event(), threading.Event()
        th = threading.Thread(target=gb.watch, args=(corpus,), daemon=True,
                              kwargs=dict(project="stdlib", on_update=lambda u: updates.put((time.perf_counter(), u)),
                                          stop=stop, ready=ready, step_ms=args.step_ms,
                                          settle_ms=args.settle_ms))
        th.start()
        ready.wait(60)
        updates.get(timeout=60)                              # catch-up run
        latencies, overheads, deltas = [], [], []
        for i, path in enumerate(targets):
            rel = path.relative_to(corpus).as_posix()
            t = time.perf_counter()
            path.write_text(path.read_text() + f"\n\ndef _bench_watch_{i}():\n    return {i}\n")
            while True:
                done, update = updates.get(timeout=60)
                if rel in update.paths:
                    break
            assert update.error is None and update.report.files_parsed == 1, update
            latencies.append((done - t) * 1000)
            overheads.append((done - t) * 1000 - update.index_ms)     # watch's own share: save -> delta start
            deltas.append(update.index_ms)
        stop.set()
        th.join(10)
        gb.close()

    b50, w50 = statistics.median(baseline), statistics.median(latencies)
    print(f"delta index of 1 changed file (baseline, in process): p50 {b50:.0f} ms")
    print(f"watch: save -> graph updated: p50 {w50:.0f} ms, p95 {pct(latencies, 0.95):.0f} ms "
          f"(target <= 200 ms p50); overhead over baseline {w50 - b50:+.0f} ms "
          f"(step {args.step_ms} ms: a one-file batch closes after one quiet step)")
    print(f"watch overhead (save -> delta started, measured per update; excludes the delta): "
          f"p50 {statistics.median(overheads):.0f} ms, p95 {pct(overheads, 0.95):.0f} ms, "
          f"max {max(overheads):.0f} ms; delta inside watch p50 {statistics.median(deltas):.0f} ms")


if __name__ == "__main__":
    main()
