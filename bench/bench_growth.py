"""Graph file growth under re-indexing, and what `store compact` takes back (docs/benchmarks.md, "Graph file growth
and `store compact`").

Each scenario starts from a fresh index of a copy of the stdlib, prints the size of graph.kuzu (and its WAL)
as it goes, then compacts the store through the CLI and prints the size before and after with the seconds:

  full N       `graphbuddy index --full` N times, one process each
  cli-delta N  one changed file re-indexed N times, one CLI process each (every run checkpoints at close)
  delta N      the same in one process (watch mode, the owner, a notebook), sizes every 10 runs
  remove N     `project remove` + `index` N times
  rename N     `project rename` N times (back and forth)

The edits alternate between appending a function to a file (patched in place) and adding a line at the top
(every line moves: rebuilt), over functools.py, json/encoder.py and inspect.py.

Automatic compaction is off for these runs (they measure the growth), unless `--auto`: then index runs compact
by themselves (default policy, or $GRAPHBUDDY_AUTO_COMPACT), every run's size and seconds are printed, and a
summary gives the largest file, the compactions, and the mean seconds per run against the median of the runs
that did not compact (the cost of automatic compaction spread over the runs).

    .venv/bin/python bench/bench_growth.py full 8 [--corpus DIR] [--keep] [--auto]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EDITED = ("functools.py", "json/encoder.py", "inspect.py")
AUTO = {"on": False}      # --auto


def cli(store: Path, *args: str) -> dict | None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if not AUTO["on"]:
        env["GRAPHBUDDY_AUTO_COMPACT"] = "off"
    out = subprocess.run([sys.executable, "-m", "graphbuddy.cli", *args, "--store", str(store), "--json"],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"graphbuddy {' '.join(args)}: {out.stderr.strip()}")
    return json.loads(out.stdout) if out.stdout.strip() else None


def size(store: Path) -> str:
    g, w = store / "graph.kuzu", store / "graph.kuzu.wal"
    wal = w.stat().st_size if w.exists() else 0
    return f"{g.stat().st_size / 2 ** 20:8.1f} MB" + (f" (+ WAL {wal / 2 ** 10:.0f} KB)" if wal else "")


def edit(src: Path, i: int) -> None:
    f = src / EDITED[i % len(EDITED)]
    text = f.read_text()
    f.write_text(text + f"\n\ndef _gb_edit_{i}(x):\n    return len(str(x)) + {i}\n" if i % 2 else f"# edit {i}\n{text}")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))     # a new mtime even within one tick


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["full", "cli-delta", "delta", "remove", "rename"])
    ap.add_argument("n", type=int)
    ap.add_argument("--corpus", type=Path, default=REPO / ".bench" / "stdlib", help="default: .bench/stdlib of "
                    "this checkout (bench_index.py makes it)")
    ap.add_argument("--keep", action="store_true", help="keep the store and the copy (printed)")
    ap.add_argument("--auto", action="store_true", help="automatic compaction on; every run printed, a summary")
    args = ap.parse_args()
    AUTO["on"] = args.auto
    tmp = Path(tempfile.mkdtemp(prefix="gb-growth-"))
    store, src = tmp / "store", tmp / "src"
    try:
        shutil.copytree(args.corpus, src)
        cli(store, "index", str(src), "--project", "p", "--no-progress")
        cli(store, "index", str(src), "--project", "p", "--no-progress")     # settles: no-change from here
        print(f"fresh            {size(store)}", flush=True)
        run(args.scenario, args.n, store, src)
        report = cli(store, "store", "compact", "--no-progress")
        print(f"compact          {report['bytes_before'] / 2 ** 20:.1f} MB -> {report['bytes_after'] / 2 ** 20:.1f} MB "
              f"in {report['seconds']:.1f} s ({report['nodes']} nodes, {report['rels']} edges checked)")
        after = cli(store, "index", str(src), "--project", "p", "--no-progress")
        print(f"next index       {after['mode']}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp)


def run(scenario: str, n: int, store: Path, src: Path) -> None:
    runs: list[tuple[float, dict | None, int]] = []      # (seconds, compaction, bytes after), --auto

    def note(i: int, seconds: float, report: dict) -> None:
        runs.append((seconds, report.get("compaction"), (store / "graph.kuzu").stat().st_size))
        c = report.get("compaction")
        print(f"{scenario} {i:<{16 - len(scenario) - 1}}{size(store)}  {seconds * 1000:.0f} ms"
              + (f"  compacted {c['bytes_before'] / 2 ** 20:.1f} -> {c['bytes_after'] / 2 ** 20:.1f} MB in "
                 f"{c['seconds']:.1f} s" if c else ""), flush=True)

    if scenario == "delta":
        import graphbuddy

        with graphbuddy.open(store, auto_compact=None if AUTO["on"] else 0) as gb:
            for i in range(1, n + 1):
                edit(src, i)
                started = time.perf_counter()
                report = gb.index(src, project="p")
                assert report.mode == "delta"
                if AUTO["on"]:
                    note(i, time.perf_counter() - started, report.as_dict())
                elif i % 10 == 0 or i == n:
                    print(f"delta {i:<10} {size(store)}", flush=True)
        print(f"closed           {size(store)}")
        summary(runs)
        return
    name = "p"
    for i in range(1, n + 1):
        started = time.perf_counter()
        if scenario == "full":
            report = cli(store, "index", str(src), "--project", "p", "--full", "--no-progress")
            if AUTO["on"]:
                note(i, time.perf_counter() - started, report)
                continue
        elif scenario == "cli-delta":
            edit(src, i)
            report = cli(store, "index", str(src), "--project", "p", "--no-progress")
            assert report["mode"] == "delta"
            if AUTO["on"]:
                note(i, time.perf_counter() - started, report)
                continue
        elif scenario == "remove":
            cli(store, "project", "remove", "p")
            print(f"remove {i:<9} {size(store)}", flush=True)
            cli(store, "index", str(src), "--project", "p", "--no-progress")
        else:
            new = "q" if name == "p" else "p"
            cli(store, "project", "rename", name, new)
            name = new
        if scenario != "cli-delta" or i % 10 == 0 or i == n:
            print(f"{scenario} {i:<{16 - len(scenario) - 1}}{size(store)}  {time.perf_counter() - started:.1f} s",
                  flush=True)
    if name != "p":
        cli(store, "project", "rename", name, "p")
        print(f"rename back      {size(store)}", flush=True)
    summary(runs)


def summary(runs: list[tuple[float, dict | None, int]]) -> None:
    """--auto: the largest file, the compactions, and the mean run against the median run without one."""
    if not runs:
        return
    done = [c for _, c, _ in runs if c]
    line = (f"automatic compaction: largest file {max(b for *_, b in runs) / 2 ** 20:.1f} MB after a run, "
            f"{len(done)} compactions in {len(runs)} runs")
    if done:
        line += f" ({min(c['seconds'] for c in done):.1f}-{max(c['seconds'] for c in done):.1f} s each)"
    plain = [s for s, c, _ in runs if not c]
    if plain:
        mean, median = statistics.fmean(s for s, _, _ in runs), statistics.median(plain)
        line += f"; mean run {mean:.2f} s = {mean / median:.2f}x the median run without one ({median:.2f} s)"
    print(line, flush=True)


if __name__ == "__main__":
    main()
