"""Annotated packed sources: the format of the language fixtures (tests) and the accuracy suite (bench).

One text file packs one or more source files. A line whose text, after a comment prefix (`//`, `#`, `--`,
`/*`, `;`), is `--- path: rel/path.ext ---` starts a new file; without any such line the whole text is one
file named `main.<ext>` (the language's first registered extension), and so is code before the first such
line. Expectations are comments anywhere:

    expect: def <kind> <qualified_name>
    expect: call <caller_qn> -> <callee_qn>
    expect: nocall <caller_qn> -> <callee_qn>
    expect: import <file path> -> <file path | module:<name>>
    expect: inherits <class_qn> -> <base_qn> [extends|implements|includes]

`unpack` writes the files (`unpack_file`: a fixture file, its folder naming the language), `graph_facts` reads
what an indexed project holds, `check` compares the two. Used by tests/languages/test_annotated_fixtures.py and
bench/bench_accuracy.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_COMMENT = re.compile(r"^\s*(?://+|#+|--+|/\*+|;+|\*)\s?")
_PATH_LINE = re.compile(r"^---\s*path:\s*(\S+)\s*---\s*(?:\*/)?\s*$")
_EXPECT = re.compile(r"expect:\s*(.*?)\s*(?:\*/|-->)?\s*$")
_COMMENT_BEFORE = re.compile(r"//|#|--|/\*|;|^\s*\*")


@dataclass(frozen=True, slots=True)
class Expectation:
    kind: str                 # def | call | nocall | import | inherits
    left: str                 # def: the definition kind; others: caller / importer / class
    right: str                # def: the qualified name; others: callee / target / base
    extra: str = ""           # inherits: extends|implements|includes ("" = any)
    line: int = 0             # line in the packed text (for messages)

    def __str__(self) -> str:
        if self.kind == "def":
            return f"def {self.left} {self.right}"
        return f"{self.kind} {self.left} -> {self.right}" + (f" [{self.extra}]" if self.extra else "")


@dataclass(frozen=True, slots=True)
class Packed:
    files: dict[str, str]
    expectations: tuple[Expectation, ...]


def default_extension(language: str) -> str:
    from . import EXTENSIONS

    for ext, lang in EXTENSIONS.items():
        if lang == language:
            return ext
    raise KeyError(f"no extension registered for language {language!r}")


def parse_packed(text: str, *, language: str) -> Packed:
    files: dict[str, list[str]] = {}
    current: str | None = None
    preamble: list[str] = []
    expectations: list[Expectation] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _COMMENT.match(line)
        if m:
            pm = _PATH_LINE.match(line[m.end():].strip())
            if pm:
                current = pm.group(1)
                files.setdefault(current, [])
                continue
        at = line.find("expect:")
        if at >= 0 and _COMMENT_BEFORE.search(line[:at]):
            expectations.append(_parse_expectation(_EXPECT.match(line, at).group(1), lineno))
        (files[current] if current is not None else preamble).append(line)
    if not files or any(line.strip() and not _COMMENT.match(line) for line in preamble):
        files = {"main" + default_extension(language): preamble, **files}    # code before the first path line
    return Packed({p: "\n".join(lines) + "\n" for p, lines in files.items()}, tuple(expectations))


def _parse_expectation(body: str, lineno: int) -> Expectation:
    parts = body.split()
    if not parts:
        raise ValueError(f"line {lineno}: empty expectation")
    kind = parts[0]
    if kind == "def" and len(parts) == 3:
        return Expectation("def", parts[1], parts[2], line=lineno)
    if kind in ("call", "nocall", "import", "inherits") and len(parts) in (4, 5) and parts[2] == "->":
        extra = parts[4] if len(parts) == 5 else ""
        if extra and kind != "inherits":
            raise ValueError(f"line {lineno}: unexpected trailing {extra!r} in {body!r}")
        return Expectation(kind, parts[1], parts[3], extra, lineno)
    raise ValueError(f"line {lineno}: cannot read expectation {body!r}")


def unpack(packed: Packed, root: Path) -> Path:
    for rel, content in packed.files.items():
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(content, encoding="utf-8")
    return root


def unpack_file(fixture: Path, root: Path) -> Packed:
    """Unpack `<language>/<case>.txt` (a fixture or accuracy program) into `root`; returns what it packs."""
    packed = parse_packed(fixture.read_text(encoding="utf-8"), language=fixture.parent.name)
    unpack(packed, root)
    return packed


@dataclass
class GraphFacts:
    """What an indexed project holds, as plain sets of qualified names and paths."""

    defs: set[tuple[str, str]] = field(default_factory=set)          # (kind, qualified_name)
    calls: set[tuple[str, str]] = field(default_factory=set)         # (caller_qn, callee_qn)
    imports: set[tuple[str, str]] = field(default_factory=set)       # (path, path | "module:<name>")
    inherits: set[tuple[str, str, str]] = field(default_factory=set)  # (class_qn, base_qn, kind)


def graph_facts(gb, project: str) -> GraphFacts:
    out = GraphFacts()
    for r in gb.cypher("MATCH (f:Function {project: $p}) RETURN f.kind AS k, f.qualified_name AS q "
                       "UNION ALL MATCH (c:Class {project: $p}) RETURN c.kind AS k, c.qualified_name AS q",
                       p=project).rows():
        out.defs.add((r["k"], r["q"]))
    for r in gb.cypher("MATCH (a:Function {project: $p})-[:CALLS]->(b:Function) "
                       "RETURN a.qualified_name AS a, b.qualified_name AS b", p=project).rows():
        out.calls.add((r["a"], r["b"]))
    for r in gb.cypher("MATCH (a:File {project: $p})-[:IMPORTS]->(b:File) RETURN a.path AS a, b.path AS b",
                       p=project).rows():
        out.imports.add((r["a"], r["b"]))
    for r in gb.cypher("MATCH (a:File {project: $p})-[:IMPORTS]->(m:Module) RETURN a.path AS a, m.name AS b",
                       p=project).rows():
        out.imports.add((r["a"], "module:" + r["b"]))
    for r in gb.cypher("MATCH (a:Class {project: $p})-[i:INHERITS]->(b:Class) "
                       "RETURN a.qualified_name AS a, b.qualified_name AS b, i.kind AS k", p=project).rows():
        out.inherits.add((r["a"], r["b"], r["k"]))
    return out


def check(expectations, facts: GraphFacts) -> list[str]:
    """Failed expectations, one message each (empty: all hold)."""
    failed = []
    for e in expectations:
        if e.kind == "def":
            ok = (e.left, e.right) in facts.defs
            hint = sorted(q for k, q in facts.defs if q.endswith(e.right.rsplit(".", 1)[-1]))[:5]
        elif e.kind == "call":
            ok = (e.left, e.right) in facts.calls
            hint = sorted(b for a, b in facts.calls if a == e.left)[:8]
        elif e.kind == "nocall":
            ok, hint = (e.left, e.right) not in facts.calls, []
        elif e.kind == "import":
            ok = (e.left, e.right) in facts.imports
            hint = sorted(b for a, b in facts.imports if a == e.left)[:8]
        else:
            kinds = {k for a, b, k in facts.inherits if a == e.left and b == e.right}
            ok = bool(kinds) and (not e.extra or e.extra in kinds)
            hint = sorted(f"{b} [{k}]" for a, b, k in facts.inherits if a == e.left)
        if not ok:
            failed.append(f"line {e.line}: {e}" + (f"  (have: {hint})" if hint else ""))
    return failed


def index_packed(packed: Packed, root: Path, *, project: str = "fixture"):
    """Unpack into `root`, index into a fresh in-memory store; returns (gb, GraphFacts). Caller closes gb."""
    import graphbuddy

    unpack(packed, root)
    gb = graphbuddy.open(memory=True)
    gb.index(root, project=project)
    return gb, graph_facts(gb, project)
