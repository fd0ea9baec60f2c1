"""find_related_code: from a file, function or class, walk imports/calls/inheritance with a why for each hit."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import queries
from .errors import InvalidArgument, NotFound

RELATIONS = ("imports", "imported_by", "calls", "called_by", "inherits", "inherited_by")
# relation -> (edge label, direction, node kind the walk runs on)
_EDGES = {
    "imports": ("IMPORTS", "out", "File"),
    "imported_by": ("IMPORTS", "in", "File"),
    "calls": ("CALLS", "out", "Function"),
    "called_by": ("CALLS", "in", "Function"),
    "inherits": ("INHERITS", "out", "Class"),
    "inherited_by": ("INHERITS", "in", "Class"),
}
MAX_DEPTH = 5


@dataclass(frozen=True)
class Hop:
    source: str
    relation: str
    target: str
    line: int | None
    confidence: float | None
    reason: str | None


@dataclass
class Related:
    id: str
    kind: str                      # Function | Class | File | Module
    name: str | None
    qualified_name: str | None
    file: str | None
    line: int | None
    relation: str
    depth: int
    confidence: float
    path: list[Hop] = field(default_factory=list)

    @property
    def why(self) -> str:
        parts = []
        for h in self.path:
            detail = ", ".join(x for x in (f"line {h.line}" if h.line else "", h.reason or "",
                                            f"confidence {h.confidence:.2f}" if h.confidence is not None else "") if x)
            parts.append(f"{h.source} -{h.relation}-> {h.target}" + (f" ({detail})" if detail else ""))
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "qualified_name": self.qualified_name,
                "file": self.file, "line": self.line, "relation": self.relation, "depth": self.depth,
                "confidence": round(self.confidence, 4), "why": self.why,
                "path": [h.__dict__ for h in self.path]}


@dataclass
class Target:
    id: str
    kind: str          # Function | Class | File
    label: str
    file: str          # the file's id (its own id for a file)


def resolve_target(run, text: str, project: str | None) -> Target:
    """A file path, function or class (id, qualified or short name). Ambiguity is an error listing candidates."""
    hits = run("code.find_symbol", text=text, project=project)
    files = run("code.find_file", text=text, project=project)
    exact_files = [f for f in files if f["rank"] == 0]
    best_symbols = [h for h in hits if h["rank"] == min((x["rank"] for x in hits), default=9)]
    if exact_files and (not best_symbols or best_symbols[0]["rank"] > 0):
        candidates = [Target(f["id"], "File", f["path"], f["id"]) for f in exact_files]
    elif best_symbols:
        candidates = [Target(h["id"], h["kind"], h["qualified_name"], h["file"]) for h in best_symbols]
    else:
        candidates = [Target(f["id"], "File", f["path"], f["id"]) for f in files]
    if not candidates:
        scope = f" in project '{project}'" if project else ""
        raise NotFound(f"no file, function or class named '{text}'{scope}")
    if len(candidates) > 1:
        shown = ", ".join(c.id for c in candidates[:8])
        more = f" (+{len(candidates) - 8} more)" if len(candidates) > 8 else ""
        raise InvalidArgument(f"'{text}' is ambiguous: {shown}{more}; pass a qualified name, a path or --project")
    return candidates[0]


def find_related(run, target: Target, relations: list[str], depth: int) -> list[Related]:
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidArgument(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    if "all" in relations:
        relations = list(RELATIONS)
    bad = [r for r in relations if r not in RELATIONS]
    if bad:
        raise InvalidArgument(f"unknown relation(s) {', '.join(bad)}; choose from {', '.join(RELATIONS)}, all")
    seeds = _seeds(run, target)
    results: dict[tuple[str, str], Related] = {}
    # Per relation: its frontier (node -> path to it), the nodes it has seen, and path confidences.
    walks = {r: _Walk({s: [] for s in seeds[_EDGES[r][2]]}) for r in relations}
    for level in range(1, depth + 1):
        for direction in ("out", "in"):     # one query per direction and level, shared by its relations
            active = [r for r in relations if _EDGES[r][1] == direction and walks[r].frontier]
            if not active:
                continue
            ids = sorted(set().union(*(walks[r].frontier for r in active)))
            rows = run("code.related_out" if direction == "out" else "code.related_in",
                       ids=ids, rels=sorted({_EDGES[r][0] for r in active}))
            for relation in active:
                label = _EDGES[relation][0]
                walk = walks[relation]
                mine = [r for r in rows if r["rel"] == label and r["source"] in walk.frontier]
                walk.step(relation, level, mine, results)
    return sorted(results.values(), key=lambda x: (RELATIONS.index(x.relation), x.depth, -x.confidence, x.id))


class _Walk:
    """A breadth-first walk along one relation."""

    def __init__(self, frontier: dict[str, list[Hop]]):
        self.frontier = frontier
        self.seen = set(frontier)
        self.conf = {s: 1.0 for s in frontier}

    def step(self, relation: str, level: int, rows: list[dict], results: dict) -> None:
        nxt: dict[str, list[Hop]] = {}
        for r in sorted(rows, key=lambda r: (r["source"], r["target"], r["line"] or 0)):
            tgt = r["target"]
            if tgt in self.seen:
                continue
            hop = Hop(r["source"], relation, tgt, r["line"], r["confidence"], r["reason"] or r["inherit_kind"])
            path = self.frontier[r["source"]] + [hop]
            c = self.conf[r["source"]] * (r["confidence"] if r["confidence"] is not None else 1.0)
            nxt[tgt] = path
            self.conf[tgt] = c
            self.seen.add(tgt)
            results.setdefault((relation, tgt), Related(
                tgt, r["target_kind"], r["name"], r["qualified_name"], r["file"], r["start_line"],
                relation, level, c, path))
        self.frontier = {t: p for t, p in nxt.items() if not t.startswith(("python:", "js:"))}


def _seeds(run, target: Target) -> dict[str, list[str]]:
    """Start nodes per node kind: a file walks calls through its functions, a class through its methods."""
    seeds = {"File": [], "Function": [], "Class": []}
    if target.kind == "File":
        seeds["File"].append(target.id)
        for m in run("code.members", ids=[target.id]):
            seeds[m["kind"]].append(m["member"])
    elif target.kind == "Class":
        seeds["Class"].append(target.id)
        seeds["Function"] += [m["member"] for m in run("code.members", ids=[target.id]) if m["kind"] == "Function"]
        seeds["File"].append(target.file)
    else:
        seeds["Function"].append(target.id)
        seeds["File"].append(target.file)
    return seeds
