"""Peak memory of a full index as the project grows (issue: memory on bigger projects).

Indexes, each in a fresh child process and a fresh store: the stdlib copy, the stdlib copied 3 times into
one project (built under the temp folder from the same copy), and optionally more folders (`--corpus`, each
as one project). Prints per run: wall time, peak RSS of the indexing process (ru_maxrss of itself) and of
its largest worker (ru_maxrss of its children: the max over them), CPU seconds of all processes (interpreter
start and imports included), and the graph's size.
`--timeline` also samples RSS every 20 ms by pipeline stage (the main process, and the sum and the largest
of its workers) and prints the peak of each stage.

    .venv/bin/python bench/bench_memory.py [--timeline] [--copies 3] [--corpus DIR ...] [--repeat 1]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_index import stdlib_copy  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


class Timeline:
    """RSS samples attributed to the stage the main thread is in (and the background tasks running)."""

    def __init__(self, interval: float = 0.02):
        self.stage = "start"
        self.background: set[str] = set()
        self.peaks: dict[str, list[int]] = {}     # stage -> [main, workers sum, largest worker]
        self.order: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        me = os.getpid()
        while not self._stop.wait(interval):
            kids = [_rss(c) for c in _children(me)]
            key = self.stage + "".join(f" +{b}" for b in sorted(self.background))
            if key not in self.peaks:
                self.peaks[key] = [0, 0, 0]
                self.order.append(key)
            p = self.peaks[key]
            p[0], p[1], p[2] = max(p[0], _rss()), max(p[1], sum(kids)), max(p[2], max(kids, default=0))

    def wrap(self, owner, name: str, label: str | None = None, *, background: bool = False, generator=False):
        fn = getattr(owner, name)
        label = label or name
        tl = self

        if generator:
            def wrapped(*a, **k):
                tl.stage = label
                yield from fn(*a, **k)
                tl.stage = "after " + label
        elif background:
            def wrapped(*a, **k):
                tl.background.add(label)
                try:
                    return fn(*a, **k)
                finally:
                    tl.background.discard(label)
        else:
            def wrapped(*a, **k):
                tl.stage = label
                try:
                    return fn(*a, **k)
                finally:
                    tl.stage = "after " + label
        setattr(owner, name, wrapped)


def instrument(tl: Timeline) -> None:
    from graphbuddy.index import load, parse, pipeline, resolve, resolve_pool, state
    from graphbuddy.search import documents

    # the pipeline imports its stages when a run has work, from these modules: wrapped there
    tl.wrap(parse, "extract_all", "parse", generator=True)
    tl.wrap(resolve, "SymbolIndex", "symbol index")
    tl.wrap(resolve_pool, "resolve_to_edges", "fork resolvers")
    tl.wrap(load, "insert_files", "COPY nodes")
    tl.wrap(load, "merge_node_tables", "merge docs")
    tl.wrap(documents, "sync_code_documents", "documents", background=True)
    tl.wrap(pipeline, "state_rows", "state rows", background=True)
    tl.wrap(resolve_pool.Resolving, "result", "wait resolvers")
    tl.wrap(load, "insert_edges", "COPY edges")
    tl.wrap(state.IndexState, "write", "state write")
    tl.wrap(pipeline, "return_free_memory", "trim")


def child(corpus: str, store: str, project: str, timeline: bool) -> None:
    """One full index in this process: its ru_maxrss is its own, its children's are the workers'."""
    import graphbuddy

    tl = Timeline() if timeline else None
    if tl:
        instrument(tl)
        tl.__enter__()
    t = time.perf_counter()
    with graphbuddy.open(store) as gb:
        report = gb.index(corpus, project=project)
        if tl:
            tl.stage = "after_index + close"
    seconds = time.perf_counter() - t
    if tl:
        tl.__exit__()
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime     # steadier than wall on a busy host
    print(json.dumps({"seconds": seconds, "cpu": cpu, "main_mb": own.ru_maxrss / 1024,
                      "worker_mb": kids.ru_maxrss / 1024, "report": report.as_dict(),
                      "timeline": [(k, *(v / 2**20 for v in tl.peaks[k])) for k in tl.order] if tl else None}))


def run_one(corpus: Path, project: str, timeline: bool) -> dict:
    store = Path(tempfile.mkdtemp(prefix="gb-mem-")) / "store"
    try:
        out = subprocess.run([sys.executable, __file__, "--child", str(corpus), str(store), project]
                             + (["--timeline"] if timeline else []), capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"index of {corpus} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(store.parent, ignore_errors=True)


def copies_of(src: Path, n: int) -> Path:
    """`n` copies of `src` side by side in one folder (built once, reused)."""
    dst = Path(tempfile.gettempdir()) / f"gb-bench-{src.name}-x{n}"
    if not (dst / f"copy{n - 1}").exists():
        for i in range(n):
            if not (dst / f"copy{i}").exists():
                shutil.copytree(src, dst / f"copy{i}")
    return dst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stdlib", type=Path, default=HERE.parent / ".bench" / "stdlib")
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--corpus", type=Path, action="append", default=[])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeline", action="store_true")
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(*args.child, args.timeline)
        return

    stdlib = stdlib_copy(args.stdlib)
    runs = [(stdlib, "stdlib")]
    if args.copies > 1:
        runs.append((copies_of(stdlib, args.copies), f"stdlib x{args.copies}"))
    runs += [(c, c.name) for c in args.corpus]
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for corpus, name in runs:
        for _ in range(args.repeat):
            r = run_one(corpus, name.replace(" ", ""), args.timeline)
            rep = r["report"]
            print(f"{name}: {rep['files_total']} files, {rep['functions']} functions, {rep['classes']} classes, "
                  f"{rep['calls']} calls, {rep['imports']} imports, {rep['inherits']} inherits: "
                  f"full index {r['seconds']:.2f} s ({r['cpu']:.1f} CPU-s, all processes), peak RSS main {r['main_mb']:.0f} MB, "
                  f"largest worker {r['worker_mb']:.0f} MB  [target <= 1024 MB]", flush=True)
            for stage, main_mb, kids_mb, big_mb in r["timeline"] or ():
                print(f"    {stage:<40} main {main_mb:6.0f} MB   workers {kids_mb:6.0f} MB "
                      f"(largest {big_mb:5.0f} MB)")


if __name__ == "__main__":
    main()
