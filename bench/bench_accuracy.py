"""Call-graph accuracy per language against hand-written ground truth, plus Python definitions vs `ast`.

Each `bench/accuracy/<language>/<program>.txt` is a packed program (format: graphbuddy/languages/annotated.py)
whose `expect: call A -> B` lines are the COMPLETE set of call edges among the program's own functions
(module-level code calls from the module's qualified name). Every program is indexed with the real pipeline
into an in-memory store; every CALLS edge the graph holds is a prediction:
    precision = true edges found / edges in the graph     (an extra edge is a false positive)
    recall    = true edges found / ground-truth edges
Targets: precision >= 0.95 for every language; recall >= 0.80 for Python, JavaScript, TypeScript, Java, Go.

`--stdlib`: definitions found by the Python adapter on the whole stdlib copy (.bench/stdlib, made like
bench_index.py makes it) against `ast` FunctionDef/AsyncFunctionDef/ClassDef nodes, matched by (line, name).
Target >= 99%.

    .venv/bin/python bench/bench_accuracy.py [--lang go ...] [-v] [--stdlib]
"""
from __future__ import annotations

import argparse
import ast
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from graphbuddy.languages.annotated import index_packed, parse_packed  # noqa: E402

SUITE = HERE / "accuracy"
RECALL_TARGET = {"python": 0.80, "javascript": 0.80, "typescript": 0.80, "java": 0.80, "go": 0.80}
PRECISION_TARGET = 0.95


def measure_language(language: str, verbose: bool) -> tuple[int, int, int, int]:
    """(programs, true positives, false positives, false negatives) over the language's programs."""
    tp = fp = fn = 0
    programs = sorted((SUITE / language).glob("*.txt"))
    for program in programs:
        packed = parse_packed(program.read_text(encoding="utf-8"), language=language)
        truth = {(e.left, e.right) for e in packed.expectations if e.kind == "call"}
        with tempfile.TemporaryDirectory() as tmp:
            gb, facts = index_packed(packed, Path(tmp) / program.stem, project=program.stem)
            gb.close()
        found = facts.calls
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        if verbose:
            for a, b in sorted(found - truth):
                print(f"  {language}/{program.stem}: EXTRA  {a} -> {b}")
            for a, b in sorted(truth - found):
                print(f"  {language}/{program.stem}: MISSED {a} -> {b}")
    return len(programs), tp, fp, fn


def stdlib_definitions(corpus: Path) -> None:
    from graphbuddy.languages import adapter_for

    adapter = adapter_for("python")
    expected = found = extra = files = skipped = 0
    for path in sorted(corpus.rglob("*.py")):
        data = path.read_bytes()
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            skipped += 1           # not Python 3 (lib2to3 test data, bad encodings): no ground truth
            continue
        files += 1
        truth = {(n.lineno, n.name) for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        facts = adapter.extract(data, path=str(path.relative_to(corpus)), hash="")
        ours = {(d.start_line, d.name) for d in facts.definitions if d.kind != "module"}
        expected += len(truth)
        found += len(truth & ours)
        extra += len(ours - truth)
    share = found / expected if expected else 0.0
    print(f"\nPython stdlib definitions vs ast: {files} files ({skipped} not parseable by ast, skipped)")
    print(f"  ast definitions {expected}, found {found} ({share:.2%}, target >= 99%), extra {extra}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", action="append", help="only these languages (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every extra and missed edge")
    ap.add_argument("--stdlib", action="store_true", help="also compare Python definitions with ast on the stdlib")
    ap.add_argument("--corpus", type=Path, default=HERE.parent / ".bench" / "stdlib")
    args = ap.parse_args()
    languages = args.lang or sorted(p.name for p in SUITE.iterdir() if p.is_dir() and any(p.glob("*.txt")))
    print(f"{'language':<12} {'programs':>8} {'edges':>6} {'found':>6} {'extra':>6} {'precision':>10} "
          f"{'recall':>8}  targets")
    for language in languages:
        n, tp, fp, fn = measure_language(language, args.verbose)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        rt = RECALL_TARGET.get(language)
        verdict = ("ok" if precision >= PRECISION_TARGET and (rt is None or recall >= rt) else "MISS")
        target = f"P>={PRECISION_TARGET}" + (f" R>={rt}" if rt else "")
        print(f"{language:<12} {n:>8} {tp + fn:>6} {tp:>6} {fp:>6} {precision:>10.3f} {recall:>8.3f}  "
              f"{target} {verdict}")
    if args.stdlib:
        if not args.corpus.exists():
            from bench_index import stdlib_copy

            stdlib_copy(args.corpus)
        stdlib_definitions(args.corpus)


if __name__ == "__main__":
    main()
