"""find_related_code: from a file, function or class, walk imports/calls/inheritance with a why for each hit."""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

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
MAX_TARGETS = 10_000      # resolved names kept per code version


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


def related_code(gb, text: str, project: str | None, relations: list[str], depth: int):
    """find_related_code: the target, then what relates to it, checking the code's index stamps once."""
    cache = _edge_cache(gb)
    target = resolve_target(gb, text, project, cache=cache)
    return target, find_related(gb, target, relations, depth, cache=cache)


def resolve_target(gb, text: str, project: str | None, *, cache: "_EdgeCache | None" = None) -> Target:
    """A file path, function or class (id, qualified or short name). Ambiguity is an error listing candidates.
    Answers are kept until the code changes (the edge cache's stamps): the name scans cost ~5 ms a call, most
    of a warm find_related_code or get_callers (agents ask about the same few names again and again)."""
    if not text or not text.strip():
        raise InvalidArgument("empty target: give a file path, a qualified name or a short name")
    cache = cache or _edge_cache(gb)
    key = (text, project)
    found = cache.targets.get(key)
    if found is None:
        found = _lookup_target(gb, text, project)
        if len(cache.targets) >= MAX_TARGETS:
            cache.targets.clear()
        cache.targets[key] = found
    return found


def _close_names(gb, text: str, project: str | None) -> list[str]:
    """Up to 5 function or class names close to the last part of `text` (a typo, another case): the error's
    hint. Only on the error path (a scan of every name: tens of ms on a big graph)."""
    import difflib
    import re

    word = re.split(r"[./:]", text.strip().rstrip("./:"))[-1].lower()
    names: dict[str, str] = {}
    for row in gb.query("code.symbol_names", project=project).rows():
        if row["name"]:
            names.setdefault(row["name"].lower(), row["name"])
    return [names[n] for n in difflib.get_close_matches(word, list(names), n=5, cutoff=0.8)] if word else []


def _lookup_target(gb, text: str, project: str | None) -> Target:
    # primary-key lookups: the common, cheap case (no row: the text is no id)
    exact = [t for e in gb.query("code.find_by_id", id=text).rows()
             for t in (Target(e["function"], "Function", e["function_name"], e["function_file"]),
                       Target(e["class"], "Class", e["class_name"], e["class_file"]),
                       Target(e["file"], "File", e["path"], e["file"]))
             if t.id is not None and (project is None or t.id.startswith(project + ":"))]
    if len(exact) == 1:
        return exact[0]
    hits = gb.query("code.find_symbol", text=text, project=project).rows()
    files = gb.query("code.find_file", text=text, project=project).rows()
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
        close = _close_names(gb, text, project)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise NotFound(f"no file, function or class named '{text}'{scope}{hint}")
    if len(candidates) > 1:
        shown = ", ".join(c.id for c in candidates[:8])
        more = f" (+{len(candidates) - 8} more)" if len(candidates) > 8 else ""
        raise InvalidArgument(f"'{text}' is ambiguous: {shown}{more}; pass a qualified name, a path or --project")
    return candidates[0]


def find_related(gb, target: Target, relations: list[str], depth: int, *,
                 cache: "_EdgeCache | None" = None) -> list[Related]:
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidArgument(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    if "all" in relations:
        relations = list(RELATIONS)
    bad = [r for r in relations if r not in RELATIONS]
    if bad:
        raise InvalidArgument(f"unknown relation(s) {', '.join(bad)}; choose from {', '.join(RELATIONS)}, all")
    seeds = _seeds(gb, target)
    hops = _hops(gb, cache or _edge_cache(gb))
    results: dict[tuple[str, str], Related] = {}
    for relation in relations:
        node_kind = _EDGES[relation][2]
        if not seeds[node_kind]:
            continue
        frontier = {s: [] for s in seeds[node_kind]}
        seen = set(frontier)
        conf = {s: 1.0 for s in frontier}
        for level in range(1, depth + 1):
            if not frontier:
                break
            adjacency, nodes = hops(relation, sorted(frontier))
            rows = [(src, *edge) for src in frontier for edge in adjacency.get(src, ())]
            nxt: dict[str, list[Hop]] = {}
            for src, tgt, line, confidence, reason in sorted(rows, key=lambda r: (r[0], r[1], r[2] or 0)):
                if tgt in seen:
                    continue
                hop = Hop(src, relation, tgt, line, confidence, reason)
                path = frontier[src] + [hop]
                c = conf[src] * (confidence if confidence is not None else 1.0)
                nxt[tgt] = path
                conf[tgt] = c
                seen.add(tgt)
                kind, name, qualified_name, file, start_line = nodes.get(tgt) or (None, None, None, None, None)
                results.setdefault((relation, tgt), Related(
                    tgt, kind, name, qualified_name, file, start_line, relation, level, c, path))
            # an external Module ends a walk: other projects importing it are not related through it
            frontier = {t: p for t, p in nxt.items() if (nodes.get(t) or ("",))[0] != "Module"}
    return sorted(results.values(), key=lambda x: (RELATIONS.index(x.relation), x.depth, -x.confidence, x.id))


def _seeds(gb, target: Target) -> dict[str, list[str]]:
    """Start nodes per node kind: a file walks calls through its functions, a class through its methods."""
    seeds = {"File": [], "Function": [], "Class": []}
    if target.kind == "File":
        seeds["File"].append(target.id)
        for m in gb.query("code.file_members", id=target.id).rows():
            seeds[m["kind"]].append(m["member"])
    elif target.kind == "Class":
        seeds["Class"].append(target.id)
        seeds["Function"] += [m["member"] for m in gb.query("code.class_methods", id=target.id).rows()]
        seeds["File"].append(target.file)
    else:
        seeds["Function"].append(target.id)
        seeds["File"].append(target.file)
    return seeds


# -- hops: from Kùzu for a first walk, then from the edge cache -----------------------------------------------
def _hops(gb, cache: "_EdgeCache"):
    """`hops(relation, ids) -> (adjacency, nodes)`: the edges of one relation leaving `ids` (id -> [(other, line,
    confidence, reason)]) and the display fields of the nodes they reach (id -> (kind, name, qualified_name,
    file, start_line)). The first walk since the code last changed asks Kùzu hop by hop (stdlib: ~5 ms a hop
    and relation, so ~60 ms for depth 2 over all relations): loading the edge cache costs 0.3-0.6 s, which a
    one-shot caller such as the CLI would pay for one answer (1.2 s per `graphbuddy related`, measured). A
    process that walks again loads the cache, and its walks take a few ms from then on."""
    with cache.lock:
        direct = not cache.walked
        cache.walked = True
    if direct:
        return lambda relation, ids: _hop_from_graph(gb, relation, ids)

    def from_cache(relation: str, ids: list[str]):
        label, direction, _ = _EDGES[relation]
        return cache.adjacency(gb, label)[0 if direction == "out" else 1], cache.nodes
    return from_cache


def _hop_from_graph(gb, relation: str, ids: list[str]):
    adjacency: dict[str, list] = {}
    nodes: dict[str, tuple] = {}
    columns = [c.to_pylist() for c in gb.query(f"code.step_{relation}", ids=ids).arrow().columns]
    for src, tgt, line, confidence, reason, kind, name, qn, file, start_line in zip(*columns):
        adjacency.setdefault(src, []).append((tgt, line, confidence, reason))
        nodes[tgt] = (kind, name, qn, file, start_line)
    return adjacency, nodes


# -- edge cache ------------------------------------------------------------------------------------------------
# A walk over Kùzu costs 0.5-7 ms per hop and relation even with labelled primary-key matches (measured on the
# stdlib: the planner scans the far node table behind a semi-mask), so depth 2 over all relations took 26-65 ms.
# The edges of one relation kind fit in RAM (stdlib: 164k calls, ~0.3 s to load), so the walk runs over
# adjacency dicts. The cache holds the code as of its `stamp` (every project's `indexed_at`; indexing stamps a
# project in the transaction that writes its edges). An index run in this process tells the cache which files
# it rewrote (`index_run`), and the cache reloads only those files' nodes and outgoing edges the next time it
# is used (a delta of one file: a few ms, where reloading everything cost 0.4-1.8 s); any other change of the
# stamps (another process indexed, a full run) starts a new cache. The API calls that relink cross-project
# edges without an index run (dependency add/remove/discover) drop the cache with `forget_edges`.
_LOADS = {"CALLS": ("code.all_calls", ("code.all_function_nodes",)),
          "IMPORTS": ("code.all_imports", ("code.all_file_and_module_nodes",)),
          "INHERITS": ("code.all_inherits", ("code.all_class_nodes",))}
_NODE_KIND = {"code.all_function_nodes": "Function", "code.all_class_nodes": "Class"}
# each load restricted to the nodes of some files and the edges leaving them
_IN_FILES = {"code.all_calls": "code.calls_from_files", "code.all_imports": "code.imports_from_files",
             "code.all_inherits": "code.inherits_from_files", "code.all_function_nodes": "code.function_nodes_in_files",
             "code.all_class_nodes": "code.class_nodes_in_files",
             "code.all_file_and_module_nodes": "code.file_and_module_nodes_in_files"}


class _EdgeCache:
    def __init__(self) -> None:
        self.stamp: list | None = None
        self.edges: dict[str, tuple[dict, dict]] = {}       # label -> (out, in): id -> ((other, line, conf, reason),)
        self.nodes: dict[str, tuple] = {}                   # id -> (kind, name, qualified_name, file, start_line)
        self.in_file: dict[str, set[str]] = {}              # file id -> the ids of its nodes held (itself included)
        self.loaded_nodes: set[str] = set()
        self.walked = False          # a walk ran since the code last changed: the next one loads the cache
        self.targets: dict[tuple, Target] = {}                # (text, project) -> resolve_target's answer
        self.lock = threading.Lock()
        # index runs of this process since `stamp`: the files they rewrote (id -> path), and the stamps they left
        self.rewritten: dict[str, str] = {}
        self.rewritten_stamp: list | None = None

    def adjacency(self, gb, label: str) -> tuple[dict, dict]:
        from .gc_pause import gc_paused

        with self.lock:
            if label not in self.edges:
                edge_query, node_queries = _LOADS[label]
                with gc_paused():
                    out: dict[str, list] = {}
                    into: dict[str, list] = {}
                    for src, tgt, line, confidence, reason in _columns(gb.query(edge_query)):
                        out.setdefault(src, []).append((tgt, line, confidence, reason))
                        into.setdefault(tgt, []).append((src, line, confidence, reason))
                    self.edges[label] = (_frozen(out), _frozen(into))
                    for q in node_queries:
                        if q not in self.loaded_nodes:
                            self._add_nodes(gb.query(q).arrow(), q)
                            self.loaded_nodes.add(q)
            return self.edges[label]

    def _add_nodes(self, table, query: str) -> None:
        get = {c: table.column(c).to_pylist() for c in table.column_names}
        if query in _NODE_KIND:
            kind = _NODE_KIND[query]
            for i, n, qn, f, line in zip(get["id"], get["name"], get["qualified_name"], get["file"], get["start_line"]):
                self.nodes[i] = (kind, n, qn, f, line)
                self.in_file.setdefault(f, set()).add(i)        # a symbol's `file` is its file's id
        else:
            for i, kind, n, f in zip(get["id"], get["kind"], get["name"], get["file"]):
                self.nodes[i] = (kind, n, None, f, None)
                if kind == "File":
                    self.in_file.setdefault(i, set()).add(i)

    def refresh(self, gb, files: dict[str, str]) -> None:
        """Reload what the given files (id -> path) hold: their nodes and the edges leaving them. Edges into
        them from other files need no reload: the pipeline re-resolves and names (`rewritten`) every file
        whose edges into a changed file could change. The graph is read first and each entry then replaced in
        one step, so a walk running meanwhile (the owner serves reads concurrently) reads every node's edges
        either before or after."""
        from .gc_pause import gc_paused

        ids = sorted(files)
        with self.lock, gc_paused():
            added = {label: list(_columns(gb.query(_IN_FILES[_LOADS[label][0]], files=ids))) for label in self.edges}
            symbols = {q: gb.query(_IN_FILES[q], files=ids).arrow() for q in _NODE_KIND}
            others = {}
            if "code.all_file_and_module_nodes" in self.loaded_nodes:
                modules = sorted({r[1] for r in added.get("IMPORTS", ()) if r[1] not in self.nodes})
                others = {"code.all_file_and_module_nodes": gb.query(
                    _IN_FILES["code.all_file_and_module_nodes"], files=ids, modules=modules).arrow()}
            gone = set().union(*(self.in_file.pop(f, ()) for f in ids))
            for label, (out, into) in self.edges.items():
                new_out: dict[str, list] = {}
                new_in: dict[str, list] = {}
                for src, tgt, line, confidence, reason in added[label]:
                    new_out.setdefault(src, []).append((tgt, line, confidence, reason))
                    new_in.setdefault(tgt, []).append((src, line, confidence, reason))
                for tgt in {e[0] for src in gone for e in out.get(src, ())}:
                    new_in.setdefault(tgt, [])
                for tgt, edges in new_in.items():
                    new_in[tgt] = [e for e in into.get(tgt, ()) if e[0] not in gone] + edges
                out.update(_frozen(new_out))
                into.update(_frozen({t: e for t, e in new_in.items() if e}))
                for src in gone - set(new_out):
                    out.pop(src, None)
                for tgt in [t for t, e in new_in.items() if not e]:
                    into.pop(tgt, None)
                    if label == "IMPORTS" and self.nodes.get(tgt, ("",))[0] == "Module":
                        del self.nodes[tgt]         # no file imports it any more: gone from the graph too
            for q in self.loaded_nodes:
                self._add_nodes(symbols[q] if q in symbols else others[q], q)
            for i in gone - set().union(*(self.in_file.get(f, ()) for f in ids)):
                self.nodes.pop(i, None)
            self._forget_targets(files, symbols.values())

    def _forget_targets(self, files: dict[str, str], symbols) -> None:
        """Drop the resolved names the rewrite can have changed: those that found a node of a rewritten file
        (it may have moved or gone), and those a node of a rewritten file could answer to now (`_lookup_target`
        matches ids, qualified and short names, paths and path endings: a new match can win or make the
        name ambiguous). A node that went away and answered to a name was that name's answer, or the name
        was ambiguous and never kept."""
        names = set(files)
        for path in files.values():
            parts = path.split("/")
            names.update("/".join(parts[k:]) for k in range(len(parts)))
        for table in symbols:
            for column in ("id", "name", "qualified_name"):
                names.update(table.column(column).to_pylist())
        self.targets = {k: t for k, t in self.targets.items() if t.file not in files and k[0] not in names}


def _frozen(adjacency: dict[str, list]) -> dict[str, tuple]:
    """Edge lists as tuples of tuples of plain values: the cyclic GC stops tracking those after its first look,
    where ~400k lists (the stdlib's cache) made every full collection in the process cost ~100 ms more."""
    return {k: tuple(v) for k, v in adjacency.items()}


def _columns(result):
    return zip(*(c.to_pylist() for c in result.arrow().columns))


_caches: "weakref.WeakKeyDictionary[object, _EdgeCache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def forget_edges(gb) -> None:
    """Drop `gb`'s edge cache: cross-project links rewritten outside an index run (a dependency declared,
    removed or discovered) change edges without changing any project's stamp."""
    with _caches_lock:
        _caches.pop(gb, None)


def index_stamp(gb) -> list | None:
    """Before an index run: the stamps, when `gb` holds an edge cache worth keeping (else None: no query)."""
    with _caches_lock:
        cache = _caches.get(gb)
        if cache is None or not cache.edges:
            return None
    return gb.query("code.index_stamps").rows()


def index_run(gb, before: list | None, report, relinked) -> None:
    """After an index run of this process: note for the edge cache the files whose nodes or edges the run
    rewrote (the project's `report.rewritten`, and the `relinked` (project, path) whose cross-project edges
    `after_index` rewrote), to be reloaded by the next walk, when the run started from the code the cache
    holds; else (a full run, another writer in between) drop the cache."""
    if before is None or report.mode == "unchanged" and not relinked:
        return
    after = gb.query("code.index_stamps").rows()
    from .index.load import file_id

    with _caches_lock:
        cache = _caches.get(gb)
        if cache is None:
            return
        held = cache.rewritten_stamp if cache.rewritten_stamp is not None else cache.stamp
        if report.rewritten is None or held != before:
            _caches.pop(gb, None)
            return
        cache.rewritten.update((file_id(report.project, p), p) for p in report.rewritten)
        cache.rewritten.update((file_id(project, p), p) for project, p in relinked)
        cache.rewritten_stamp = after


def _edge_cache(gb) -> _EdgeCache:
    stamp = gb.query("code.index_stamps").rows()
    with _caches_lock:
        cache = _caches.get(gb)
        if cache is not None and cache.rewritten_stamp == stamp:
            cache.refresh(gb, cache.rewritten)
            cache.rewritten, cache.rewritten_stamp = {}, None
            cache.stamp = stamp
        elif cache is None or cache.stamp != stamp:
            cache = _caches[gb] = _EdgeCache()
            cache.stamp = stamp
        return cache
