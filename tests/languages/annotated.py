"""The shared annotated-fixture format: packed files plus `expect:` comment lines (see docs/languages.md).

Used by the generic fixture test and by the accuracy benchmark (bench/_lang_b_accuracy.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import graphbuddy

DEFAULT_EXT = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "ruby": "rb", "php": "php",
               "c": "c", "cpp": "cpp", "go": "go", "rust": "rs", "java": "java", "kotlin": "kt", "csharp": "cs"}
_COMMENT = r"^\s*(?://|#|/\*|\*)?\s*"
_FILE = re.compile(_COMMENT + r"--- path: (\S+) ---")
_EXPECT = re.compile(_COMMENT + r"expect: (.+?)\s*(?:\*/)?\s*$")


def unpack(fixture: Path, target: Path) -> list[str]:
    """Write the fixture's files under `target`; return its expectation lines."""
    files: dict[str, list[str]] = {}
    current = f"main.{DEFAULT_EXT.get(fixture.parent.name, 'txt')}"
    expects = []
    for line in fixture.read_text(encoding="utf-8").splitlines():
        m = _FILE.match(line)
        if m:
            current = m.group(1)
            continue
        e = _EXPECT.match(line)
        if e:
            expects.append(e.group(1))
        files.setdefault(current, []).append(line)
    for rel, lines in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expects


def index_graph(root: Path, project: str = "fx") -> dict:
    """Index `root` into an in-memory store; return its definitions and edges as plain sets."""
    with graphbuddy.open(memory=True) as gb:
        gb.index(root, project=project)
        q = {"p": project}
        defs = {(r["k"], r["q"]) for label in ("Function", "Class") for r in gb.cypher(
            f"MATCH (d:{label} {{project: $p}}) RETURN d.kind AS k, d.qualified_name AS q", **q).rows()}
        calls = {(r["a"], r["b"]) for r in gb.cypher(
            "MATCH (a:Function {project: $p})-[:CALLS]->(b:Function) RETURN a.qualified_name AS a, b.qualified_name AS b",
            **q).rows()}
        imports = set()
        for r in gb.cypher("MATCH (f:File {project: $p})-[:IMPORTS]->(m) RETURN f.path AS f, m.id AS m", **q).rows():
            target = r["m"][len(project) + 1:] if r["m"].startswith(project + ":") else "module:" + r["m"]
            imports.add((r["f"], target))
        inherits = {(r["a"], r["b"], r["k"]) for r in gb.cypher(
            "MATCH (a:Class {project: $p})-[i:INHERITS]->(b:Class) RETURN a.qualified_name AS a, "
            "b.qualified_name AS b, i.kind AS k", **q).rows()}
    return {"defs": defs, "calls": calls, "imports": imports, "inherits": inherits}


def check(expects: list[str], graph: dict) -> list[str]:
    """Failed expectations, each as a one-line message."""
    failed = []
    for e in expects:
        kind, _, rest = e.partition(" ")
        if kind == "def":
            dkind, _, qn = rest.partition(" ")
            ok = (dkind, qn) in graph["defs"]
        elif kind in ("call", "nocall"):
            a, _, b = rest.partition(" -> ")
            ok = ((a, b) in graph["calls"]) == (kind == "call")
        elif kind == "import":
            a, _, b = rest.partition(" -> ")
            if b.startswith("module:"):                      # module:stdio.h matches the id c:stdio.h too
                ok = any(f == a and (t == b or t.split(":", 2)[-1] == b[7:]) for f, t in graph["imports"])
            else:
                ok = (a, b) in graph["imports"]
        elif kind == "inherits":
            a, _, b = rest.partition(" -> ")
            b, _, k = b.partition(" ")
            ok = any(x == a and y == b and (not k or z == k) for x, y, z in graph["inherits"])
        else:
            ok = False
        if not ok:
            failed.append(e)
    return failed


def expected_calls(expects: list[str]) -> set[tuple[str, str]]:
    return {tuple(e[5:].split(" -> ", 1)) for e in expects if e.startswith("call ")}
