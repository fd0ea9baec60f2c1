"""Equality proof for extraction changes: extract every file of some corpora with two checkouts of graphbuddy
and compare the FileFacts field by field (all fields, `extra` included, with exact types: `1` is not `True`).

    .venv/bin/python bench/extract_equal.py OLD_TREE NEW_TREE ROOT [ROOT ...]

OLD_TREE / NEW_TREE: directories holding a `graphbuddy` package (`git archive <commit> graphbuddy | tar -x -C
dir` for the old one; `.` for this checkout). Each side runs in its own process; exit status 1 if any file
differs. `ROOT::SUB` walks ROOT/SUB with paths relative to ROOT (part of a corpus, same paths as the whole).
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile


def canon(v):
    import dataclasses

    if dataclasses.is_dataclass(v):
        return type(v).__qualname__, tuple(canon(getattr(v, f.name)) for f in dataclasses.fields(v))
    if isinstance(v, (tuple, list)):
        return type(v).__name__, tuple(canon(x) for x in v)
    if isinstance(v, dict):
        return "dict", tuple((canon(k), canon(x)) for k, x in v.items())
    assert v is None or type(v) in (str, int, bool, float, bytes), type(v)
    return type(v).__name__, v


def dump(out: str, roots: list[str]) -> None:
    """Child process: {path: canonical facts, or the exception's name} of every file under the roots."""
    from graphbuddy.index.parse import content_hash
    from graphbuddy.languages import adapter_for, language_for_path

    sys.setrecursionlimit(10000)
    facts = {}
    for arg in roots:
        root, _, sub = arg.partition("::")
        for dirpath, _, names in os.walk(os.path.join(root, sub)):
            for name in names:
                path = os.path.join(dirpath, name)
                language = language_for_path(path)
                if not language:
                    continue
                data = open(path, "rb").read()
                try:
                    facts[path] = canon(adapter_for(language).extract(
                        data, path=os.path.relpath(path, root), hash=content_hash(data)))
                except Exception as e:      # the same failure on both sides is equality too
                    facts[path] = type(e).__name__
    with open(out, "wb") as fh:
        pickle.dump(facts, fh)


def main() -> int:
    if sys.argv[1] == "--dump":
        dump(sys.argv[2], sys.argv[3:])
        return 0
    old, new, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as tmp:
        sides = []
        for i, tree in enumerate((old, new)):
            out = os.path.join(tmp, f"{i}.pkl")
            env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
            subprocess.run([sys.executable, os.path.abspath(__file__), "--dump", out, *roots], env=env,
                           check=True, cwd=tmp)
            with open(out, "rb") as fh:
                sides.append(pickle.load(fh))
    a, b = sides
    differ = sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p))
    for p in differ[:20]:
        print("differs:", p)
    print(f"{len(a.keys() | b.keys())} files, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
