"""Call-graph precision/recall for the accuracy programs of C, C++, Ruby and PHP (lang-b's copy of the
runner; lang-a's bench/bench_accuracy.py is the shared one and replaces it after the merge).

Each bench/accuracy/<language>/*.txt is a packed program (format: docs/languages.md) whose `expect: call`
lines are the complete ground truth. Usage: python bench/_lang_b_accuracy.py [-v] [language ...]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.languages.annotated import expected_calls, index_graph, unpack  # noqa: E402


def measure(language: str, verbose: bool) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for program in sorted((ROOT / "bench" / "accuracy" / language).glob("*.txt")):
        with tempfile.TemporaryDirectory() as tmp:
            truth = expected_calls(unpack(program, Path(tmp)))
            found = index_graph(Path(tmp))["calls"]
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        if verbose:
            for a, b in sorted(found - truth):
                print(f"  FP {language}/{program.stem}: {a} -> {b}")
            for a, b in sorted(truth - found):
                print(f"  FN {language}/{program.stem}: {a} -> {b}")
    return tp, fp, fn


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    languages = [a for a in argv if not a.startswith("-")] or ["c", "cpp", "ruby", "php"]
    print(f"{'language':10} {'edges':>6} {'found':>6} {'precision':>9} {'recall':>7}")
    for lang in languages:
        tp, fp, fn = measure(lang, verbose)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{lang:10} {tp + fn:6d} {tp + fp:6d} {precision:9.3f} {recall:7.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
