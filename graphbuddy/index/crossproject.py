"""Cross-project code edges: an import that no file of its own project provides, but an indexed project
publishes (by package name), links to that project's file instead of an external Module, and calls through
it bind to that project's functions.

This is a pass over stored state, run after every index run (one hook line in pipeline.py), after
`remove_project`/`rename_project`, and on demand. It recomputes the links of every project that could have
any (an external import some indexed project publishes, or links recorded last time), from the facts kept in
DuckDB, so the result does not depend on the order projects were indexed in:
- B indexed after A: A's external imports that B now provides get linked;
- B re-indexed and a file A imported removed/renamed: the DETACH DELETE of B's file dropped A's edge; the
  pass re-resolves A's import against B's new module map (linked to the new file, or back to a Module);
- A re-indexed by delta: the pipeline re-creates A's Module edges; the pass replaces them again.
Recorded links live in DuckDB `meta` under `xlinks:<project>` (path, line, module id) so a link that
disappears is turned back into its Module edge.

Languages: Python (matched by distribution name == top-level package, or a top-level package of a project
the importer depends on) and JavaScript/TypeScript (matched by package.json name, subpaths and entry files).
"""
from __future__ import annotations

import json
import logging
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .state import IndexState

if TYPE_CHECKING:
    from .facts import Import
    from .resolve import Resolver, SymbolIndex

log = logging.getLogger(__name__)
REASON = "cross_project"
CONFIDENCE = 0.9


@dataclass(frozen=True)
class LinkReport:
    projects: tuple[str, ...]       # importer projects examined
    imports: int                    # cross-project IMPORTS edges now present from them
    calls: int                      # cross-project CALLS edges now present from them
    restored: int                   # links that vanished and became Module edges again
    files: tuple[tuple[str, str], ...] = ()     # (project, path) of the files whose edges were rewritten


@dataclass(frozen=True)
class _Provided:
    project: str
    key: str                        # module-map key inside the provider ("py:pkg.mod", "js:src/index")


class _Providers:
    """Which indexed project publishes a Python top-level package or an npm package."""

    def __init__(self, graph, analytics, scans):
        from ..projects.dependencies import all_dependencies, providers, project_roots

        self.graph, self.state = graph, IndexState(analytics)
        self.analytics = analytics
        roots = project_roots(graph)
        self.roots = roots
        by_name = providers(roots, scans)
        self.python: dict[str, list[str]] = {}
        self.npm: dict[str, tuple[str, str, str | None]] = {}
        for (eco, name), projects in by_name.items():
            if eco == "python":
                self.python.setdefault(name.replace("-", "_"), []).extend(projects)
        for project, s in scans.items():
            for m in s.manifests:
                if m.ecosystem == "npm":
                    for name in m.provides:
                        if by_name.get(("npm", name), [None])[0] == project:
                            self.npm[name] = (project, posixpath.dirname(m.path), m.entry)
        self.upstream: dict[str, set[str]] = {}
        for d in all_dependencies(graph):
            if d.source != "code":
                self.upstream.setdefault(d.project, set()).add(d.on)
        self._indexes: dict[str, SymbolIndex | None] = {}

    def index(self, project: str) -> SymbolIndex | None:
        if project not in self._indexes:
            from .resolve import SymbolIndex

            symbols = self.state.load_symbols(project)
            self._indexes[project] = SymbolIndex(symbols, _config(self.analytics, project)) if symbols else None
        return self._indexes[project]

    def may_provide(self, module_id: str, provider: str | None = None) -> bool:
        """Could an indexed project (`provider`, if given) publish this external module?"""
        lang, _, name = module_id.partition(":")
        if lang == "python":
            owners = self.python.get(name.split(".")[0], [])
            if provider is None:
                return bool(owners) or bool(self.upstream)
            return provider in owners or any(provider in ups for ups in self.upstream.values())
        hit = self.npm.get(name)
        return hit is not None and (provider is None or hit[0] == provider)

    def _contains(self, importer: str, owner: str) -> bool:
        """A monorepo project holds its sub-packages' files itself: no link from it into their projects."""
        from ..projects.dependencies import _inside

        a, b = self.roots.get(importer), self.roots.get(owner)
        return bool(a and b) and _inside(a, b)

    def find(self, importer: str, imp: Import, resolver: Resolver) -> _Provided | None:
        if resolver.family == "py":
            if imp.module.startswith("."):
                return None
            top = imp.module.split(".")[0]
            owners = [p for p in self.python.get(top, []) if p != importer and not self._contains(importer, p)]
            if not owners:      # no distribution of that name: a top-level package of a declared dependency
                owners = [p for p in sorted(self.upstream.get(importer, ())) if self._has_top(p, top)]
            for owner in owners[:1]:
                idx = self.index(owner)
                for key in resolver.adapter.import_candidates(imp, resolver.path, {}):
                    if idx is not None and f"py:{key}" in idx.module_map:
                        return _Provided(owner, f"py:{key}")
            return None
        pkg = resolver.adapter.external_module_name(imp)
        hit = self.npm.get(pkg)
        if hit is None or hit[0] == importer or not imp.module.startswith(pkg) or self._contains(importer, hit[0]):
            return None
        owner, pkg_dir, entry = hit
        idx = self.index(owner)
        if idx is None:
            return None
        sub = imp.module[len(pkg):].lstrip("/")
        if sub:
            stems = [sub, posixpath.join("src", sub)]
        else:
            stems = []
            if entry:
                stem = posixpath.normpath(entry).rsplit(".", 1)[0]
                stems += [stem] + [stem.replace(d, "src", 1) for d in ("dist", "lib", "build", "out") if stem.startswith(d)]
            stems += ["index", "src/index", "src"]
        for stem in stems:
            key = "js:" + posixpath.normpath(posixpath.join(pkg_dir, stem)).removesuffix(".d")
            if key in idx.module_map:
                return _Provided(owner, key)
        return None

    def _has_top(self, project: str, top: str) -> bool:
        idx = self.index(project)
        return idx is not None and f"py:{top}" in idx.module_map


def link_projects(graph, analytics, *, scans=None, around: str | None = None) -> LinkReport:
    """Recompute cross-project IMPORTS/CALLS edges (see the module docstring). `around`: only the importers
    that project can affect (itself, projects linked to it, projects with external imports it publishes)."""
    from ..projects.dependencies import scan_projects

    scans = scan_projects(graph, analytics, rescan=set()) if scans is None else scans
    prov = _Providers(graph, analytics, scans)
    recorded = {k.split(":", 1)[1]: json.loads(v) for k, v in
                analytics.rows("SELECT key, value FROM meta WHERE key LIKE 'xlinks:%'")}
    candidates = set(p for p, links in recorded.items() if links and (around is None or p == around
                                                                    or any(x[3:4] == [around] for x in links)))
    for project, module in graph.rows("MATCH (f:File)-[:IMPORTS]->(m:Module) RETURN DISTINCT f.project, m.id"):
        if project not in candidates and prov.may_provide(module, around if project != around else None):
            candidates.add(project)
    known = {r[0] for r in graph.rows("MATCH (p:Project) RETURN p.id")}
    plans = [_plan(prov, a, recorded.get(a, [])) for a in sorted(candidates & known)]
    if not plans:
        return LinkReport((), 0, 0, 0)
    with graph.transaction():
        for plan in plans:
            _write(graph, plan)
    with graph.transaction():       # after the commit: a count in the writing transaction missed new edges
        remove_orphan_modules(graph)
    with analytics.transaction():
        for plan in plans:
            analytics.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                              [f"xlinks:{plan['project']}", json.dumps(plan["links"])])
    # a plan deletes and rewrites the cross-project edges of the files linked before or now (calls cross only
    # from files with a linked import), and the Module edges of those links
    files = sorted({(p["project"], link[0]) for p in plans for link in p["links"] + recorded.get(p["project"], [])})
    return LinkReport(tuple(p["project"] for p in plans), sum(len(p["imports"]["from"]) for p in plans),
                      sum(len(p["calls"]["from"]) for p in plans), sum(len(p["restore"]) for p in plans),
                      tuple(files))


def _plan(prov: _Providers, project: str, recorded: list) -> dict:
    from .load import file_id       # load, pyarrow and the resolver only when relinking: a no-change run never
    from .resolve import Resolver

    index = prov.index(project)
    plan = {"project": project, "links": [], "unlink": [], "restore": [], "depends": set(),
            "imports": {"from": [], "to": [], "line": [], "name": []},
            "calls": {"from": [], "to": [], "line": [], "confidence": [], "reason": []}}
    if index is None:
        return plan
    linked_files: dict[str, list[tuple[Import, _Provided]]] = {}
    linked_keys, external = set(), set()
    for path in sorted(index.facts):
        r = Resolver(index, path)
        for imp in index.facts[path].imports:
            edge = r.resolve_import(imp)
            if edge.external is None:
                continue
            external.add((path, imp.line, edge.external))
            hit = prov.find(project, imp, r)
            if hit is None:
                continue
            target = prov.index(hit.project).module_map[hit.key]
            fid = file_id(project, path)
            plan["imports"]["from"].append(fid)
            plan["imports"]["to"].append(file_id(hit.project, target))
            plan["imports"]["line"].append(imp.line)
            plan["imports"]["name"].append(edge.name)
            plan["unlink"].append({"f": fid, "line": imp.line, "m": edge.external})
            plan["links"].append([path, imp.line, edge.external, hit.project])
            plan["depends"].add(hit.project)
            linked_keys.add((path, imp.line, edge.external))
            linked_files.setdefault(path, []).append((imp, (hit.project, target)))
    plan["restore"] = [{"f": file_id(project, p), "line": line, "m": m, "name": m.split(":", 1)[1]}
                       for p, line, m, *_ in recorded if (p, line, m) in external - linked_keys]
    if linked_files:
        _plan_calls(prov, project, index, linked_files, plan["calls"])
    return plan


def _plan_calls(prov, project: str, index: SymbolIndex, linked: dict, out: dict) -> None:
    """Bind calls the project's own resolver left open and that go through a linked import."""
    from .load import definition_ids
    from .resolve import Resolver, SymbolIndex, _scope_chain

    bodies = prov.state.load_bodies(project, sorted(linked), index.facts)
    full = dict(index.facts)
    full.update(bodies)
    own = SymbolIndex(full, index.config)
    for path, pairs in linked.items():
        facts = full[path]
        by_alias = {imp.alias: (imp, hit) for imp, hit in pairs if imp.alias}
        if not by_alias:
            continue
        caller_ids = definition_ids(project, facts)
        r = Resolver(own, path)
        for call in facts.calls:
            head = call.name if call.receiver is None else call.receiver.split(".")[0]
            chain = _scope_chain(r.view, call.caller)
            type_expr = None
            if head not in by_alias and call.receiver is not None:
                type_expr = _receiver_type(r.view, call, chain)
                head = type_expr.split(".")[0] if type_expr else None
            if head not in by_alias:
                continue
            if any(head in r.view.children.get(s, {}) for s in chain) or r.view.top_level(head) is not None:
                continue                               # a local name shadows the import
            hit, _ = r.resolve_call(call)
            if hit is not None:
                continue                               # the pipeline already bound it inside the project
            found = _through(prov, by_alias[head], call, type_expr)
            caller = caller_ids.get((call.caller, False)) or caller_ids.get((call.caller, True))
            if found is None or caller is None:
                continue
            owner, callee_path, d = found
            callee = definition_ids(owner, prov.index(owner).facts[callee_path]).get((d.key, False))
            if callee is None:
                continue
            for k, v in (("from", caller), ("to", callee), ("line", call.line), ("confidence", CONFIDENCE),
                         ("reason", REASON)):
                out[k].append(v)


def _through(prov, link: tuple[Import, tuple[str, str]], call, type_expr: str | None = None):
    """Follow `alias[.attr...].name(...)` into the providing project: (project, path, Definition) or None.
    With `type_expr` (`x = alias.Client()` / `alias.Client().m()`), `name` is a method of that class."""
    from .resolve import Resolver, family

    imp, (owner, target) = link
    idx = prov.index(owner)
    rb = Resolver(idx, target)
    lang = family(idx.facts[target].language)
    if imp.name in (None, "*"):
        start = ("module", target)
        if lang == "py" and imp.alias and "." in imp.module and imp.module.split(".")[0] == imp.alias:
            top = idx.module_map.get(f"py:{imp.alias}")
            start = ("module", top) if top else None
    elif imp.name == "default" and lang == "js":
        view = idx.view(target)
        start = next((("def", target, d) for d in view.children.get(None, {}).values()
                      if d.exported and d.name == view.facts.extra.get("default_export")), None)
    else:
        start = rb.symbol_in(target, imp.name)
        if start is None and lang == "py":
            sub = idx.module_map.get(f"py:{imp.module}.{imp.name}")
            start = ("module", sub) if sub else None
    walked = type_expr if type_expr is not None else call.receiver
    for part in walked.split(".")[1:] if walked is not None else []:
        if start is None:
            return None
        if start[0] == "module":
            nxt = rb.symbol_in(start[1], part)
            start = nxt if nxt is not None or lang != "py" else rb._submodule_of(start[1], part)
        elif start[2].is_class:
            start = rb.member(start[1], start[2], part)
        else:
            return None
    if start is None:
        return None
    if type_expr is not None:                    # an instance of the class reached: its method
        if start[0] != "def" or not start[2].is_class:
            return None
        start = rb.member(start[1], start[2], call.name)
    elif call.receiver is not None:
        if start[0] == "module":
            start = rb.symbol_in(start[1], call.name)
        elif start[2].is_class:
            start = rb.member(start[1], start[2], call.name)
        else:
            return None
    if start is None or start[0] != "def":
        return None
    if start[2].is_class:
        start = rb.constructor(start[1], start[2])
        if start is None:
            return None
    return owner, start[1], start[2]


def _receiver_type(view, call, chain: list[str]) -> str | None:
    """`Foo()` receivers and local variables bound once to `Foo()` / `x: Foo`: the type as written (not a chain:
    `Foo().b()` is what b returns)."""
    from .resolve import _call_chain

    calls = _call_chain(call.receiver or "")
    if calls is not None:
        return calls[0] if len(calls) == 1 else None
    for scope in chain + [view.facts.module]:
        types = view.bindings.get((scope, call.receiver))
        if types:
            return next(iter(types)) if len(types) == 1 else None
    return None


# Cross-project links are always written row by row: in Kùzu 0.11.3, COPY into IMPORTS/CALLS after this
# transaction's deletes of rows that CREATE had written made the next scan of the table segfault
# (reproduced with tests/fixtures/multi; the pipeline's own COPY path did not trigger it).
_NEVER = 1 << 62


def _write(graph, plan: dict) -> None:
    import pyarrow as pa

    from .load import write_rows

    p = plan["project"]
    graph.execute("MATCH (a:File {project: $p})-[r:IMPORTS]->(b:File) WHERE b.project <> $p DELETE r", {"p": p})
    graph.execute("MATCH (a:Function {project: $p})-[r:CALLS]->(b:Function) WHERE b.project <> $p DELETE r", {"p": p})
    if plan["unlink"]:
        graph.execute("UNWIND $rows AS r MATCH (f:File {id: r.f})-[i:IMPORTS]->(m:Module {id: r.m}) "
                      "WHERE i.line = r.line DELETE i", {"rows": plan["unlink"]})
    for row in plan["restore"]:
        graph.execute("MATCH (f:File {id: $f}) MERGE (m:Module {id: $m}) ON CREATE SET m.name = $name, "
                      "m.language = $lang WITH f, m WHERE NOT EXISTS { MATCH (f)-[i:IMPORTS]->(m) WHERE i.line = $line } "
                      "CREATE (f)-[:IMPORTS {line: $line, name: ''}]->(m)",
                      {**row, "lang": row["m"].split(":", 1)[0]})
    write_rows(graph, "IMPORTS", pa.table(plan["imports"], schema=pa.schema(
        [("from", pa.string()), ("to", pa.string()), ("line", pa.int64()), ("name", pa.string())])),
        pair=("File", "File"), bulk_from=_NEVER)
    write_rows(graph, "CALLS", pa.table(plan["calls"], schema=pa.schema(
        [("from", pa.string()), ("to", pa.string()), ("line", pa.int64()), ("confidence", pa.float64()),
         ("reason", pa.string())])), bulk_from=_NEVER)
    # source `code`: a dependency seen in imports, recorded only where no declared/manifest edge says so
    graph.execute("MATCH (a:Project {id: $p})-[r:DEPENDS_ON {source: 'code'}]->(:Project) DELETE r", {"p": p})
    for on in sorted(plan["depends"]):
        graph.execute("MATCH (a:Project {id: $p}), (b:Project {id: $b}) WHERE NOT EXISTS { MATCH (a)-[:DEPENDS_ON]->(b) } "
                      "CREATE (a)-[:DEPENDS_ON {type: 'uses', source: 'code', description: 'imports its modules', "
                      "created_at: $now}]->(b)",
                      {"p": p, "b": on, "now": _now()})


def remove_orphan_modules(graph) -> None:
    """Module nodes no file imports any more. Run it in its own transaction: on a disk store, inside the
    transaction that had just created File->Module edges, Kùzu saw no edge on the new Module and the
    delete then failed on it (measured with kuzu 0.11.3)."""
    rows = graph.rows("MATCH (m:Module) WHERE NOT EXISTS { MATCH (:File)-[:IMPORTS]->(m) } RETURN m.id")
    if rows:
        graph.execute("UNWIND $ids AS i MATCH (m:Module {id: i}) DELETE m", {"ids": [r[0] for r in rows]})


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(tzinfo=None)


def _config(analytics, project: str) -> dict:
    rows = analytics.rows("SELECT value FROM meta WHERE key = ?", [f"config:{project}"])
    if not rows:
        return {}
    from .pipeline import _parse_config      # tsconfig paths: same parser as the pipeline

    return _parse_config(json.loads(rows[0][0]))


def after_index(graph, analytics, project: str, mode: str, *, root: str | None = None) -> tuple[tuple[str, str], ...]:
    """The hook at the end of an index run: rediscover manifest dependencies, then relink the cross-project
    edges that `project` can affect. A no-change run only re-checks the project's known manifests (stat),
    from DuckDB alone when `root` is given: it opens neither the graph nor imports pyarrow. Returns the
    (project, path) of the files whose edges the relinking rewrote."""
    from ..projects.dependencies import cached_scan_holds, discover_dependencies, scan_projects

    if mode == "unchanged" and root is not None and cached_scan_holds(analytics, project, root):
        return ()
    if mode == "delta" and root is not None and cached_scan_holds(analytics, project, root) \
            and graph.rows("MATCH (p:Project) RETURN count(p)")[0][0] == 1:
        return ()       # the store's only project, its manifests unchanged: nothing to link (~7 ms of a delta)
    rescan = {project} if mode == "full" else set()
    before = analytics.rows("SELECT value FROM meta WHERE key = ?", [f"manifests:{project}"])
    scans = scan_projects(graph, analytics, rescan=rescan)
    after = analytics.rows("SELECT value FROM meta WHERE key = ?", [f"manifests:{project}"])
    if mode == "unchanged" and before == after:
        return ()
    found = discover_dependencies(graph, scans)
    # changed dependencies can change any importer's Python fallback matches: then relink everyone
    return link_projects(graph, analytics, scans=scans, around=None if found.added or found.removed else project).files
