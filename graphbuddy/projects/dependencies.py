"""Typed dependencies between projects: declared by hand (source `manual`), discovered from package
manifests (source `manifest`) or from cross-project imports (source `code`, written by
`index/crossproject.py`). Stored as DEPENDS_ON(Project -> Project, type, source, description, created_at).
"""
from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidArgument

if TYPE_CHECKING:
    from .manifests import ManifestScan

# .manifests and .registry (pyarrow) are imported where used: a no-change index run imports this module
# only for `cached_scan_holds`.

DEPENDENCY_TYPES = ("uses", "extends", "references", "shares_code")
SOURCES = ("manual", "manifest", "code")


@dataclass(frozen=True)
class Dependency:
    project: str
    on: str
    type: str
    source: str
    description: str | None = None


@dataclass(frozen=True)
class ClosureEntry:
    """How `project` relates to the closure's origin: `distance` hops along `path` (typed edges), and whether
    the origin depends on it (`upstream`) or it depends on the origin (`downstream`)."""

    project: str
    distance: int
    path: tuple[tuple[str, str, str], ...]    # (from, to, type) edges, in DEPENDS_ON direction
    direction: str                            # self | upstream | downstream

    @property
    def first_type(self) -> str | None:
        return self.path[0][2] if self.path else None


@dataclass(frozen=True)
class DiscoveryReport:
    added: tuple[Dependency, ...]
    removed: tuple[Dependency, ...]
    manifests: int
    errors: tuple[tuple[str, str, str], ...]    # (project, manifest path, reason)

    def as_dict(self) -> dict:
        return {"added": [d.__dict__ for d in self.added], "removed": [d.__dict__ for d in self.removed],
                "manifests": self.manifests, "errors": [list(e) for e in self.errors]}


def add_dependency(graph, project: str, *, on: str, type: str = "uses", description: str | None = None,
                   source: str = "manual") -> Dependency:
    if type not in DEPENDENCY_TYPES:
        raise InvalidArgument(f"unknown dependency type '{type}' (use {', '.join(DEPENDENCY_TYPES)})")
    if source not in SOURCES:
        raise InvalidArgument(f"unknown dependency source '{source}'")
    if project == on:
        raise InvalidArgument(f"'{project}' cannot depend on itself")
    from .registry import now, require_project

    with graph.transaction():
        require_project(graph, project)
        require_project(graph, on)
        params = {"a": project, "b": on, "t": type, "s": source, "d": description, "now": now()}
        # one edge per (pair, type, source): re-adding updates the description
        graph.execute("MATCH (a:Project {id: $a}), (b:Project {id: $b}) "
                      "MERGE (a)-[r:DEPENDS_ON {type: $t, source: $s}]->(b) "
                      "ON CREATE SET r.created_at = $now SET r.description = $d", params)
    return Dependency(project, on, type, source, description)


def remove_dependency(graph, project: str, *, on: str, type: str | None = None, source: str | None = None) -> int:
    """Remove the matching edges (all types/sources unless given). Returns how many were removed."""
    from .registry import require_project

    require_project(graph, project)
    require_project(graph, on)
    with graph.transaction():
        rows = graph.rows("MATCH (a:Project {id: $a})-[r:DEPENDS_ON]->(b:Project {id: $b}) "
                          "WHERE ($t IS NULL OR r.type = $t) AND ($s IS NULL OR r.source = $s) DELETE r RETURN count(*)",
                          {"a": project, "b": on, "t": type, "s": source})
    return rows[0][0] if rows else 0


def all_dependencies(graph) -> list[Dependency]:
    rows = graph.rows("MATCH (a:Project)-[r:DEPENDS_ON]->(b:Project) "
                      "RETURN a.id, b.id, r.type, r.source, r.description ORDER BY a.id, b.id, r.type, r.source")
    return [Dependency(*r) for r in rows]


def list_dependencies(graph, project: str, *, transitive: bool = False):
    """Direct DEPENDS_ON edges of `project`, or (transitive) its upstream closure as `ClosureEntry`s."""
    from .registry import require_project

    require_project(graph, project)
    if not transitive:
        return [d for d in all_dependencies(graph) if d.project == project]
    closure = dependency_closure(all_dependencies(graph), project)
    return sorted((e for e in closure.values() if e.direction == "upstream"), key=lambda e: (e.distance, e.project))


def dependency_closure(edges: list[Dependency], project: str, *, max_depth: int | None = None) -> dict[str, ClosureEntry]:
    """Breadth-first over DEPENDS_ON both ways. Upstream (what `project` depends on, transitively) wins
    over downstream when a project is both (a cycle); cycles end because a project is visited once.
    Between parallel edges of one pair the strongest type counts (uses > extends > shares_code > references)."""
    rank = {t: i for i, t in enumerate(("uses", "extends", "shares_code", "references"))}
    out_edges: dict[str, dict[str, str]] = {}
    in_edges: dict[str, dict[str, str]] = {}
    for d in edges:
        if d.project == d.on:
            continue
        for table, a, b in ((out_edges, d.project, d.on), (in_edges, d.on, d.project)):
            cur = table.setdefault(a, {}).get(b)
            if cur is None or rank.get(d.type, 9) < rank.get(cur, 9):
                table[a][b] = d.type
    result = {project: ClosureEntry(project, 0, (), "self")}
    for direction, table in (("upstream", out_edges), ("downstream", in_edges)):
        queue = deque([(project, ())])
        seen = {project}
        while queue:
            node, path = queue.popleft()
            if max_depth is not None and len(path) >= max_depth:
                continue
            for nxt, typ in sorted(table.get(node, {}).items()):
                if nxt in seen:
                    continue
                seen.add(nxt)
                edge = (node, nxt, typ) if direction == "upstream" else (nxt, node, typ)
                step = path + (edge,)
                if nxt not in result:
                    result[nxt] = ClosureEntry(nxt, len(step), step, direction)
                queue.append((nxt, step))
    return result


# -- discovery from manifests ----------------------------------------------------------------------------
def project_roots(graph) -> dict[str, str]:
    return {r[0]: r[1] for r in graph.rows("MATCH (p:Project) RETURN p.id, p.root ORDER BY p.id")}


def scan_projects(graph, analytics=None, *, rescan: set[str] | None = None) -> dict[str, ManifestScan]:
    """Manifest scans of every project. Without `analytics` (or with `rescan=None`) every root is walked.
    With it, only projects in `rescan` are walked; the others reuse the scan cached in DuckDB `meta`
    (`manifests:<project>`) as long as every manifest file it read keeps its mtime and size (a manifest
    added to a project not being re-scanned is found by its next full index or by `discover`)."""
    from .manifests import scan

    roots = {n: r for n, r in project_roots(graph).items() if r}
    out = {}
    for name, root in roots.items():
        cached = None if analytics is None or rescan is None or name in rescan else _cached_scan(analytics, name, root)
        if cached is None:
            cached = scan(root)
            if analytics is not None:
                _store_scan(analytics, name, root, cached)
        out[name] = cached
    return out


def _signature(root: str, paths) -> dict[str, list[int]]:
    sig = {}
    for rel in paths:
        try:
            st = (Path(root) / rel).stat()
            sig[rel] = [st.st_mtime_ns, st.st_size]
        except OSError:
            sig[rel] = [-1, -1]
    return sig


def _store_scan(analytics, name: str, root: str, s: ManifestScan) -> None:
    from dataclasses import asdict

    files = [m.path for m in s.manifests] + [e[0] for e in s.errors]
    data = {"sig": _signature(root, files), "manifests": [asdict(m) for m in s.manifests], "errors": s.errors}
    analytics.set_meta(f"manifests:{name}", json.dumps(data))


def _cached_scan(analytics, name: str, root: str) -> ManifestScan | None:
    from .manifests import Manifest, ManifestScan

    stored = analytics.meta(f"manifests:{name}")
    if stored is None:
        return None
    data = json.loads(stored)
    if _signature(root, data["sig"]) != data["sig"]:
        return None
    return ManifestScan(tuple(Manifest(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in m.items()})
                              for m in data["manifests"]), tuple(tuple(e) for e in data["errors"]))


def cached_scan_holds(analytics, name: str, root: str) -> bool:
    """Whether `name` has a cached manifest scan whose files all keep their mtime and size (what
    `scan_projects` would reuse). The SQL has no bound parameters: duckdb's first binding imports pandas."""
    stored = analytics.meta(f"manifests:{name}")
    if stored is None:
        return False
    sig = json.loads(stored)["sig"]
    return _signature(root, sig) == sig


def providers(roots: dict[str, str], scans: dict[str, ManifestScan]) -> dict[tuple[str, str], list[str]]:
    """(ecosystem, package name) -> projects publishing it, most specific (deepest root) first: a monorepo
    and its sub-package registered on its own both publish the sub-package's name; the sub-project wins."""
    out: dict[tuple[str, str], list[str]] = {}
    for name, s in scans.items():
        for key in s.provided():
            out.setdefault(key, []).append(name)
    depth = {n: len(Path(r).parts) for n, r in roots.items()}
    for key, names in out.items():
        names.sort(key=lambda n: (-depth.get(n, 0), n))
    return out


def discover_dependencies(graph, scans: dict[str, ManifestScan] | None = None) -> DiscoveryReport:
    """Replace every `manifest` DEPENDS_ON edge by what the manifests of indexed projects declare now."""
    roots = project_roots(graph)
    scans = scan_projects(graph) if scans is None else scans
    by_name = providers(roots, scans)
    wanted: dict[tuple[str, str], str] = {}
    for project, s in scans.items():
        for key, manifest_path in s.required().items():
            for provider in by_name.get(key, [])[:1]:
                if provider != project and not _inside(roots[project], roots[provider]):
                    wanted.setdefault((project, provider), f"{manifest_path} requires {key[1]} ({key[0]})")
    existing = {(d.project, d.on): d for d in all_dependencies(graph) if d.source == "manifest"}
    added, removed = [], []
    if set(existing) == set(wanted):
        errors = tuple((p, path, reason) for p, s in sorted(scans.items()) for path, reason in s.errors)
        return DiscoveryReport((), (), sum(len(s.manifests) for s in scans.values()), errors)
    with graph.transaction():
        for pair, d in existing.items():
            if pair not in wanted:
                graph.execute("MATCH (a:Project {id: $a})-[r:DEPENDS_ON {source: 'manifest'}]->(b:Project {id: $b}) "
                              "DELETE r", {"a": pair[0], "b": pair[1]})
                removed.append(d)
        for (a, b), why in sorted(wanted.items()):
            if (a, b) not in existing:
                added.append(add_dependency(graph, a, on=b, type="uses", description=why, source="manifest"))
    errors = tuple((p, path, reason) for p, s in sorted(scans.items()) for path, reason in s.errors)
    return DiscoveryReport(tuple(added), tuple(removed), sum(len(s.manifests) for s in scans.values()), errors)


def _inside(root_a: str, root_b: str) -> bool:
    """A monorepo root does not depend on its own sub-package just because a nested manifest names it."""
    try:
        Path(root_b).relative_to(root_a)
        return True
    except ValueError:
        return False
