"""Per-language indexing speed on the pinned multi-language corpus.

Build the corpus once (registries only, pinned versions; see the script's header):
    bench/make_corpus.sh .bench/corpus
Then:
    .venv/bin/python bench/bench_languages.py [--corpus .bench/corpus] [--limit N]

For every top-level folder of the corpus (python, js, ts, go, rust, ruby, php, java, c, ... and any other folder
holding files of a registered language) it prints, measured in the same run:
  files per language, parse-only time (tree-sitter; 1 process, and the pipeline's process count),
  full index time (discover + parse + extract + resolve + load into an in-memory store, created and opened
  before the clock starts) as a ratio to
  1-process parse-only (target <= 2.0x; the same baseline as docs/benchmarks.md) and to N-process
  parse-only, and files/s of the full index; the CPU seconds of both (all processes), a ratio that a loaded
  machine distorts less; extr1: parse + extract (our queries and adapters) in one process.
`--stages` adds wall seconds per pipeline stage; `--only F ...` runs some folders.
`--limit N` indexes only the first N files of each folder (copied to a temp dir) for a quick run.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import graphbuddy  # noqa: E402
from graphbuddy.index.parse import POOL_THRESHOLD  # noqa: E402
from graphbuddy.languages import adapter_for, language_for_path  # noqa: E402

TARGET_RATIO = 2.0


def _parse_chunk(items: list[tuple[str, str]]) -> int:
    for path, language in items:
        with open(path, "rb") as fh:
            adapter_for(language).parser.parse(fh.read())
    return len(items)


def _extract_chunk(items: list[tuple[str, str]]) -> int:
    for path, language in items:
        with open(path, "rb") as fh:
            adapter_for(language).extract(fh.read(), path=path, hash="")
    return len(items)


def extract_only(files: list[tuple[str, str]]) -> float:
    """Read + parse + extract (the language's tags query and adapter) in one process: our share of parse."""
    t = time.perf_counter()
    _extract_chunk(files)
    return time.perf_counter() - t


class StageTimer:
    """Wall time per pipeline stage, by wrapping the stage functions the pipeline calls (bench only)."""

    def __init__(self):
        self.seconds: Counter = Counter()
        self._undo = []

    def wrap(self, module, name: str, label: str, generator: bool = False) -> None:
        orig = getattr(module, name)
        seconds = self.seconds

        if generator:
            def wrapped(*a, **k):
                t = time.perf_counter()
                for item in orig(*a, **k):
                    seconds[label] += time.perf_counter() - t
                    yield item
                    t = time.perf_counter()
                seconds[label] += time.perf_counter() - t
        else:
            def wrapped(*a, **k):
                t = time.perf_counter()
                try:
                    return orig(*a, **k)
                finally:
                    seconds[label] += time.perf_counter() - t
        setattr(module, name, wrapped)
        self._undo.append((module, name, orig))

    def __enter__(self):
        from graphbuddy.index import load, pipeline, resolve_pool, state

        self.wrap(pipeline, "discover", "discover")
        self.wrap(pipeline, "extract_all", "parse+extract", generator=True)
        self.wrap(pipeline, "SymbolIndex", "symbol index")
        self.wrap(resolve_pool, "resolve_to_edges", "resolve")          # a small batch: all of it
        self.wrap(resolve_pool.Resolving, "result", "resolve")          # a big one: waiting for the workers
        for fn in ("insert_files", "insert_edges", "delete_files", "delete_outgoing", "imported_modules",
                   "remove_orphan_modules"):
            self.wrap(load, fn, "graph load")
        self.wrap(state.IndexState, "write", "state write")
        self.wrap(pipeline, "sync_code_documents", "documents")
        return self

    def __exit__(self, *exc):
        for module, name, orig in reversed(self._undo):
            setattr(module, name, orig)

    def line(self, total: float) -> str:
        rest = total - sum(self.seconds.values())
        parts = [f"{k} {v:.2f}" for k, v in self.seconds.items()] + [f"other {rest:.2f}"]
        return "         stages s: " + ", ".join(parts)


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (pool workers): less sensitive to machine load than
    wall time when other processes share the cores."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def parse_only(files: list[tuple[str, str]], workers: int) -> float:
    """Read + tree-sitter parse every file, nothing else."""
    t = time.perf_counter()
    if workers <= 1 or len(files) < POOL_THRESHOLD:
        _parse_chunk(files)
    else:
        import multiprocessing as mp

        chunks = [files[i:i + 32] for i in range(0, len(files), 32)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            sum(pool.map(_parse_chunk, chunks))
    return time.perf_counter() - t


def language_files(folder: Path) -> list[tuple[str, str]]:
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            lang = language_for_path(p.name)
            if lang is not None:
                out.append((str(p), lang))
    return out


def limited_copy(folder: Path, files: list[tuple[str, str]], limit: int, dst: Path) -> list[tuple[str, str]]:
    out = []
    for path, lang in files[:limit]:
        rel = Path(path).relative_to(folder)
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        out.append((str(target), lang))
    for cfg in ("go.mod", "tsconfig.json"):          # resolver config files stay with the code
        for p in folder.rglob(cfg):
            target = dst / p.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=HERE.parent / ".bench" / "corpus")
    ap.add_argument("--limit", type=int, default=0, help="index only the first N files of each folder")
    ap.add_argument("--stages", action="store_true", help="also print time per pipeline stage")
    ap.add_argument("--only", nargs="*", default=[], help="corpus folders to run (default: all)")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}: run bench/make_corpus.sh {args.corpus}")
    workers = os.cpu_count() or 1
    print(f"corpus {args.corpus} ({workers} processes for parse-only and for the pipeline; machine load "
          f"{os.getloadavg()[0]:.1f})")
    print(f"{'folder':<8} {'files':>6} {'languages':<22} {'parse1 s':>8} {'parseN s':>8} {'index s':>8} "
          f"{'extr1 s':>8} {'ratio1':>7} {'ratioN':>7} {'files/s':>8}  target ratio1 <= {TARGET_RATIO}x")
    with tempfile.TemporaryDirectory() as tmp, graphbuddy.open(memory=True) as gb:   # one-off imports (pyarrow)
        (Path(tmp) / "warm.py").write_text("def warm():\n    return 1\n")
        gb.index(Path(tmp), project="warm")
    total_files = total_parse = total_index = 0.0
    for folder in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
        files = language_files(folder)
        if not files or (args.only and folder.name not in args.only):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            root = folder
            if args.limit:
                root = Path(tmp) / folder.name
                files = limited_copy(folder, files, args.limit, root)
            langs = Counter(lang for _, lang in files)
            parse_1 = min(parse_only(files, 1) for _ in range(2))           # the first run warms the cache
            c = cpu_seconds()
            parse_only(files, 1)
            parse_cpu = cpu_seconds() - c
            parse_s = parse_only(files, workers)
            extract_1 = extract_only(files)
            with graphbuddy.open(memory=True) as gb, StageTimer() if args.stages else nullcontext() as stages:
                gb.projects()      # creating the store (its schema) is a one-off per store, not part of an index
                t, c = time.perf_counter(), cpu_seconds()
                report = gb.index(root, project=folder.name)
                index_s, index_cpu = time.perf_counter() - t, cpu_seconds() - c
        label = ",".join(f"{k}={v}" for k, v in langs.most_common())
        ratio = index_s / parse_1
        print(f"{folder.name:<8} {len(files):>6} {label[:22]:<22} {parse_1:>8.2f} {parse_s:>8.2f} {index_s:>8.2f} "
              f"{extract_1:>8.2f} {ratio:>6.2f}x {index_s / parse_s:>6.2f}x {len(files) / index_s:>8.0f}  "
              f"{'ok' if ratio <= TARGET_RATIO else 'MISS'}  (defs {report.functions + report.classes}, "
              f"calls {report.calls})")
        print(f"         cpu s: parse-only {parse_cpu:.2f}, full index {index_cpu:.2f} (all processes) = "
              f"{index_cpu / parse_cpu:.2f}x")
        if stages is not None:
            print(stages.line(index_s))
        total_files += len(files)
        total_parse += parse_1
        total_index += index_s
    if total_parse:
        print(f"{'all':<8} {int(total_files):>6} {'':<22} {total_parse:>8.2f} {'':>8} {total_index:>8.2f} {'':>8} "
              f"{total_index / total_parse:>6.2f}x {'':>7} {total_files / total_index:>8.0f}")


if __name__ == "__main__":
    main()
