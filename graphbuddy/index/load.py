"""Load stage: turn facts and resolutions into Arrow tables and bulk-COPY them into the graph.

Callers wrap these in one graph transaction. Never per-row CREATE/MERGE on the bulk path.
"""
from __future__ import annotations

import hashlib
import marshal
import math
import sys
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from .facts import FileFacts
from .resolve import FileResolution


def first_conversion() -> None:
    """pyarrow's first conversion imports pandas to learn whether it is installed (0.3-0.4 s): a big run calls
    this while its parse workers run, not on the way to starting them."""
    pa.array([0])


def without_pandas() -> None:
    """In a parse worker (graphbuddy's code only, converting lists): pyarrow's first conversion finds no pandas
    instead of importing it, 0.3-0.4 s of each worker's start."""
    if "pandas" not in sys.modules and _NoPandas not in sys.meta_path:
        sys.meta_path.insert(0, _NoPandas)


class _NoPandas:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ModuleNotFoundError("not imported by graphbuddy's parse workers", name=name)
        return None


def file_id(project: str, path: str) -> str:
    return f"{project}:{path}"


def def_id(project: str, path: str, qualified_name: str) -> str:
    return f"{project}:{path}:{qualified_name}"


def definition_ids(project: str, facts: FileFacts) -> dict[tuple[str, bool], str]:
    """(qualified name or key, is_class) -> node id. A name defined twice in one file (a function and a class,
    or a conditional redefinition) gets `@<line>` on every occurrence after the first; edges that name it bind
    to the first function or the first class of that name. A later class of the same name and its members are
    also found by their own keys (`Definition.alias`: `mod.Popen@12`, `mod.Popen@12.wait`), which edges
    resolved inside it name."""
    out: dict[tuple[str, bool], str] = {}
    taken: set[str] = set()
    prefix = def_id(project, facts.path, "")
    for d in facts.definitions:
        qn, line, is_class = d.qualified_name, d.start_line, d.is_class
        did = prefix + qn
        if did in taken:
            did = f"{did}@{line}"
            if did in taken:       # a second one on the same line: no node, its key names the one there
                if d.alias:
                    out.setdefault((d.alias, is_class), did)
                continue
        taken.add(did)
        out.setdefault((qn, is_class), did)
        out.setdefault((f"{qn}@{line}", is_class), did)
        if d.alias:
            out.setdefault((d.alias, is_class), did)
    return out


def delete_files(graph, project: str, paths: list[str]) -> None:
    """Remove files with their definitions and every edge touching them."""
    _per_file(graph, project, paths, ("MATCH (f:File {id: $id})-[:DEFINES]->(d) DETACH DELETE d",
                                      "MATCH (f:File {id: $id}) DETACH DELETE f"))


# The index's own edges (schema/001_code_graph.cypher), each with a File, Function or Class end, whose nodes carry
# `project`. Memory edges into the code are few: they go with their nodes (`memory_links` keeps them).
_CODE_RELS = ("CALLS", "DEFINES", "HAS_METHOD", "INHERITS", "IMPORTS", "CONTAINS")
_OWNED = ("File", "Function", "Class")
# A rel table is rebuilt (its other rows copied out, the table dropped and created again, the rows copied back)
# when it keeps at most this many rows per row it loses. Kùzu 0.11.3 deletes a rel by scanning both end nodes'
# lists for its id (RelTableData::findMatchingRow): ~7 us a rel at best, more into a node with many edges (the
# stdlib calls assertEqual 34k times). With the stdlib stored twice (1 kept per 1 lost), dropping one copy took
# 3.9-4.1 s rebuilt against 12.7-12.9 s deleted (docs/benchmarks.md, session 9): 2 stays below where the two
# would meet (~3-4 by these figures).
REBUILD_KEPT_PER_DROPPED = 2.0


def drop_project_graph(graph, project: str) -> None:
    """Remove the project's files and definitions with every edge touching them; other projects' nodes and
    edges stay as they are, and so do Module nodes (the caller removes those left without importers). Run it
    inside the caller's transaction: the table rebuilds are DDL, which Kùzu rolls back with the rest."""
    p = {"p": project}
    rebuilt = []
    for rel in _CODE_RELS:
        pairs = [tuple(r[:2]) for r in graph.rows(f"CALL show_connection('{rel}') RETURN *")]
        owned = {pair: " OR ".join(f"{a}.project = $p" for a, t in zip("ab", pair) if t in _OWNED) or "false"
                 for pair in pairs}      # "false": a pair with no File/Function/Class end keeps all its rows
        dropped = kept = 0
        for (src, dst), cond in owned.items():
            n, mine = graph.rows(f"MATCH (a:{src})-[r:{rel}]->(b:{dst}) "
                                 f"RETURN count(r), count(CASE WHEN {cond} THEN 1 END)", p)[0]
            dropped, kept = dropped + mine, kept + n - mine
        if dropped and kept <= REBUILD_KEPT_PER_DROPPED * dropped:
            rebuilt.append(_take_out_rel_table(graph, rel, owned, p))
    # one node table at a time (a label-less match scans every table); while the rebuilt rel tables are out,
    # a node has fewer tables to detach from (the stdlib's Functions: 0.46 s instead of 1.57 s)
    for label in _OWNED:
        graph.execute(f"MATCH (n:{label}) WHERE n.project = $p DETACH DELETE n", p)
    for rel, create, pairs, kept_rows in rebuilt:
        graph.execute(create)
        for pair, rows in zip(pairs, kept_rows):
            graph.copy(rel, rows, pair=pair if len(pairs) > 1 else None)


def _take_out_rel_table(graph, rel: str, owned: dict[tuple[str, str], str], p: dict) -> tuple:
    """Copy out the rows of `rel` that do not touch the project, and drop the table. Returns what puts it back:
    its CREATE statement (from the catalog, so later ALTERs are kept; the schema gives these tables Kùzu's
    default multiplicity and storage direction, which the catalog does not list), its pairs, and the rows."""
    cols = "".join(f", r.{name} AS {name}" for name, _, _ in graph.columns(rel))
    kept = [graph.arrow(f"MATCH (a:{src})-[r:{rel}]->(b:{dst}) WHERE NOT coalesce({cond}, false) "
                        f"RETURN a.id AS `from`, b.id AS `to`{cols}", p) for (src, dst), cond in owned.items()]
    create = graph.create_statement(rel)
    graph.execute(f"DROP TABLE {rel}")
    return rel, create, list(owned), kept


# Edges from the memory of the work into the code (schema/002_memory.cypher): (rel table, its property).
_MEMORY_LINKS = (("ABOUT", "how"), ("TOUCHED", "change"))


def memory_links(graph, project: str, paths: list[str] | None = None) -> list[tuple]:
    """The memory edges (reflections, insights, sessions) into the project's files and definitions, or only
    into those of `paths`. Rebuilding a file drops its nodes with every edge, and these edges are not the
    index's to recompute: the caller reads them first and writes them back (`restore_memory_links`). The
    memory rel tables are small: one scan each, filtered here."""
    files = None if paths is None else {file_id(project, p) for p in paths}
    out = []
    for rel, prop in _MEMORY_LINKS:
        for src_label, src, dst_label, dst, dst_file, value in graph.rows(
                f"MATCH (m)-[e:{rel}]->(x) WHERE x.project = $p "
                f"RETURN label(m), m.id, label(x), x.id, x.file, e.{prop}", {"p": project}):
            if files is None or (dst if dst_label == "File" else dst_file) in files:
                out.append((rel, prop, src_label, src, dst_label, dst, value))
    return out


def restore_memory_links(graph, links: list[tuple]) -> int:
    """Write back `memory_links` whose target node exists again (a definition that is gone takes its links
    with it, as a patched file's do). Row by row, after the run's edge COPYs: a few links, by primary key."""
    for rel, prop, src_label, src, dst_label, dst, value in links:
        graph.execute(f"MATCH (m:{src_label} {{id: $m}}), (x:{dst_label} {{id: $x}}) "
                      f"CREATE (m)-[:{rel} {{{prop}: $v}}]->(x)", {"m": src, "x": dst, "v": value})
    return len(links)


def delete_outgoing(graph, project: str, paths: list[str]) -> None:
    """Remove the resolved edges that start in these files (they are about to be re-resolved)."""
    _per_file(graph, project, paths, ("MATCH (f:File {id: $id})-[r:IMPORTS]->() DELETE r",
                                      "MATCH (f:File {id: $id})-[:DEFINES]->(:Function)-[r:CALLS]->() DELETE r",
                                      "MATCH (f:File {id: $id})-[:DEFINES]->(:Class)-[r:INHERITS]->() DELETE r"))


PER_FILE_LIMIT = 24


def _per_file(graph, project: str, paths: list[str], statements: tuple[str, ...]) -> None:
    """Run `statements` for each file id. A labelled match on one `$id` is a primary-key lookup (~1 ms),
    while `UNWIND $ids AS i MATCH (f:File {id: i})` plans a scan and hash join (10-25 ms per statement on
    the stdlib, even for one id), so few files go one by one and many go through UNWIND."""
    if not paths:
        return
    ids = [file_id(project, p) for p in paths]
    if len(ids) <= PER_FILE_LIMIT:
        for fid in ids:
            for stmt in statements:
                graph.execute(stmt, {"id": fid})
    else:
        for stmt in statements:
            graph.execute("UNWIND $ids AS i " + stmt.replace("{id: $id}", "{id: i}"), {"ids": ids})


_FILE_COLUMNS = ("id", "project", "path", "language", "module", "hash", "size", "lines", "indexed_at",
                 "syntax_errors")
_FN_COLUMNS = ("id", "project", "file", "name", "qualified_name", "kind", "signature", "docstring", "start_line",
               "end_line", "exported")
_CL_COLUMNS = ("id", "project", "file", "name", "qualified_name", "kind", "start_line", "end_line", "docstring")


@dataclass
class _Nodes:
    files: dict[str, list]
    fn: dict[str, list]
    cl: dict[str, list]
    defines_fn: tuple[list, list]
    defines_cl: tuple[list, list]
    has_method: tuple[list, list]
    symbols: list[tuple]          # search.documents.SYMBOL_FIELDS


def _transposed(rows: list[tuple], width: int) -> list[list]:
    return list(map(list, zip(*rows))) if rows else [[] for _ in range(width)]


def _columns(names: tuple[str, ...], rows: list[tuple]) -> dict[str, list]:
    return dict(zip(names, _transposed(rows, len(names))))


def _node_columns(project: str, facts: list[FileFacts], now: datetime) -> _Nodes:
    # one tuple per row, turned into columns once at the end: ~2x cheaper than a list append per cell
    files, fn, cl, symbols = [], [], [], []
    defines_fn, defines_cl, has_method = [], [], []
    seen: set[str] = set()
    for f in facts:
        fid = file_id(project, f.path)
        files.append((fid, project, f.path, f.language, f.module, f.hash, f.size, f.lines, now, f.syntax_errors))
        ids = definition_ids(project, f)
        class_keys = {d.key for d in f.definitions if d.is_class}
        for d in f.definitions:
            is_class = d.is_class
            did = ids.get((f"{d.qualified_name}@{d.start_line}", is_class))
            if did is None or did in seen:
                continue
            seen.add(did)
            if is_class:
                symbols.append((did, "Class", d.kind, d.name, d.qualified_name, None, d.docstring, fid, d.start_line))
                cl.append((did, project, fid, d.name, d.qualified_name, d.kind, d.start_line, d.end_line,
                           d.docstring))
                defines_cl.append((fid, did))
            else:
                symbols.append((did, "Function", d.kind, d.name, d.qualified_name, d.signature, d.docstring, fid,
                                d.start_line))
                fn.append((did, project, fid, d.name, d.qualified_name, d.kind, d.signature, d.docstring,
                           d.start_line, d.end_line, d.exported))
                defines_fn.append((fid, did))
                if d.parent in class_keys:       # the class enclosing it, a later duplicate's by its alias
                    has_method.append((ids[(d.parent, True)], did))
    return _Nodes(_columns(_FILE_COLUMNS, files), _columns(_FN_COLUMNS, fn), _columns(_CL_COLUMNS, cl),
                  *(tuple(_transposed(rows, 2)) for rows in (defines_fn, defines_cl, has_method)), symbols)


# node table -> (Kùzu table, FROM/TO pair when the rel table has several), in write order
_NODE_WRITES = (("files", "File", None), ("fn", "Function", None), ("cl", "Class", None),
                ("contains", "CONTAINS", None), ("defines_fn", "DEFINES", ("File", "Function")),
                ("defines_cl", "DEFINES", ("File", "Class")), ("has_method", "HAS_METHOD", None))


@dataclass(frozen=True)
class NodeTables:
    """Files' nodes (File, Function, Class) and their CONTAINS, DEFINES and HAS_METHOD rows as Arrow tables,
    with the code documents of their symbols (`search.documents.code_documents`): built where the facts are
    (a big run's parse workers) and cheap to send to the writer."""

    tables: dict[str, "pa.Table"]
    docs: "pa.Table"

    @property
    def functions(self) -> int:
        return self.tables["fn"].num_rows

    @property
    def classes(self) -> int:
        return self.tables["cl"].num_rows


def node_tables(project: str, facts: list[FileFacts], now: datetime) -> NodeTables:
    return _as_tables(project, _node_columns(project, facts, now))


def _as_tables(project: str, n: _Nodes) -> NodeTables:
    from ..search.documents import code_documents

    files = pa.table(n.files)
    files = files.set_column(8, "indexed_at", pa.array(n.files["indexed_at"], pa.timestamp("us")))
    return NodeTables({"files": files, "fn": pa.table(n.fn), "cl": pa.table(n.cl),
                       "contains": pa.table({"from": pa.array([project] * files.num_rows, pa.string()),
                                             "to": files["id"]}),
                       "defines_fn": _pairs(n.defines_fn), "defines_cl": _pairs(n.defines_cl),
                       "has_method": _pairs(n.has_method)}, code_documents(n.symbols))


def merge_node_tables(parts: list[NodeTables]) -> NodeTables:
    if len(parts) == 1:
        return parts[0]
    return NodeTables({k: pa.concat_tables([p.tables[k] for p in parts], promote_options="permissive")
                       for k, _, _ in _NODE_WRITES},
                      pa.concat_tables([p.docs for p in parts]))


def insert_files(graph, project: str, facts: list[FileFacts], now: datetime, *,
                 built: list[NodeTables] | None = None, bulk_from: float | None = None) -> NodeTables | None:
    """Nodes for files and their definitions, with CONTAINS, DEFINES and HAS_METHOD. `built`: their tables,
    when the parse workers made them; `bulk_from`: see `write_rows`. Returns what it wrote."""
    if not facts:
        return None
    nodes = merge_node_tables(built) if built else node_tables(project, facts, now)
    for key, table, pair in _NODE_WRITES:
        write_rows(graph, table, nodes.tables[key], pair=pair, bulk_from=bulk_from)
    return nodes


PATCH_LIMIT = 48     # statements; beyond this, rebuilding a file's nodes and edges costs about the same
# Definitions whose properties alone changed (lines moved by an edit above them: one prepared SET each, ~0.3-0.8
# ms) that a patch still takes: a rebuild deletes the nodes, so every file calling into them is re-resolved
# and its edges into them written again (stdlib: 49-120 files for a line added at the top of inspect.py).
PATCH_MOVED_LIMIT = 2048


def plan_patch(project: str, old: FileFacts, new: FileFacts, now: datetime) -> tuple | None:
    """What `patch_file` writes to turn the stored nodes of `old` into those of `new`, or None when more than
    PATCH_LIMIT statements would be needed for added and removed nodes and methods, or more than
    PATCH_MOVED_LIMIT for nodes whose properties changed (the file is rebuilt instead). Decided before
    resolution: whether a file's nodes are rebuilt decides which other files are re-resolved (resolve.py, "e:"
    keys)."""
    o, n = _node_columns(project, [old], now), _node_columns(project, [new], now)
    plans = []
    for label, before, after in (("Function", _by_id(o.fn), _by_id(n.fn)), ("Class", _by_id(o.cl), _by_id(n.cl))):
        gone = [i for i in before if i not in after]
        added = [i for i in after if i not in before]
        changed = [after[i] for i in after if i in before and before[i] != after[i]]
        plans.append((label, gone, added, changed))
    old_hm, new_hm = set(zip(*o.has_method)), set(zip(*n.has_method))
    if sum(len(g) + len(a) for _, g, a, _ in plans) + len(old_hm ^ new_hm) > PATCH_LIMIT or \
            sum(len(c) for *_, c in plans) > PATCH_MOVED_LIMIT:
        return None
    return new, n, plans, old_hm, new_hm


def patch_file(graph, project: str, plan: tuple) -> NodeTables:
    """Turn the stored nodes of a file into those of its new facts in place (`plan_patch`), touching only
    definitions that changed, so unchanged nodes keep their edges (an edit rarely changes more than a few).
    Returns what `insert_files` returns."""
    new, n, plans, old_hm, new_hm = plan
    fid = file_id(project, new.path)
    for label, gone, _, _ in plans:
        for i in gone:
            graph.execute(f"MATCH (d:{label} {{id: $id}}) DETACH DELETE d", {"id": i})
    for a, b in sorted(old_hm - new_hm):
        graph.execute("MATCH (:Class {id: $a})-[r:HAS_METHOD]->(:Function {id: $b}) DELETE r", {"a": a, "b": b})
    for label, _, added, changed in plans:
        cols = n.fn if label == "Function" else n.cl
        if changed:
            props = [c for c in cols if c != "id"]
            graph.execute_many(f"MATCH (d:{label} {{id: $id}}) SET " + ", ".join(f"d.{c} = ${c}" for c in props),
                               changed)
        if added:
            keep = set(added)
            write_rows(graph, label, pa.table(cols).filter(pa.array([i in keep for i in cols["id"]])))
            write_rows(graph, "DEFINES", _pairs(([fid] * len(added), added)), pair=("File", label))
    if new_hm - old_hm:
        write_rows(graph, "HAS_METHOD", _pairs(tuple(map(list, zip(*sorted(new_hm - old_hm))))))
    f = {k: v[0] for k, v in n.files.items()}
    graph.execute("MATCH (f:File {id: $id}) SET f.language = $language, f.module = $module, f.hash = $hash, "
                  "f.size = $size, f.lines = $lines, f.indexed_at = $indexed_at, f.syntax_errors = $syntax_errors",
                  {k: f[k] for k in ("id", "language", "module", "hash", "size", "lines", "indexed_at",
                                     "syntax_errors")})
    return _as_tables(project, n)


def _by_id(cols: dict[str, list]) -> dict[str, dict]:
    names = list(cols)
    return {row[0]: dict(zip(names, row)) for row in zip(*(cols[c] for c in names))}


_OLD_EDGES = {
    "imp_file": "MATCH (f:File {id: $id})-[r:IMPORTS]->(t:File) WHERE t.project = $p "
                "RETURN f.id, t.id, r.line, r.name",
    "imp_mod": "MATCH (f:File {id: $id})-[r:IMPORTS]->(t:Module) RETURN f.id, t.id, r.line, r.name",
    "calls": "MATCH (:File {id: $id})-[:DEFINES]->(a:Function)-[r:CALLS]->(b:Function) WHERE b.project = $p "
             "RETURN a.id, b.id, r.line, r.confidence, r.reason",
    "inherits": "MATCH (:File {id: $id})-[:DEFINES]->(a:Class)-[r:INHERITS]->(b:Class) WHERE b.project = $p "
                "RETURN a.id, b.id, r.kind",
}
_EDGE_DELETE = {
    "imp_file": "MATCH (:File {id: $a})-[r:IMPORTS]->(:File {id: $b}) WHERE r.line = $k DELETE r",
    "imp_mod": "MATCH (:File {id: $a})-[r:IMPORTS]->(:Module {id: $b}) WHERE r.line = $k DELETE r",
    "calls": "MATCH (:Function {id: $a})-[r:CALLS]->(:Function {id: $b}) WHERE r.line = $k DELETE r",
    "inherits": "MATCH (:Class {id: $a})-[r:INHERITS]->(:Class {id: $b}) WHERE r.kind = $k DELETE r",
}


def patch_outgoing(graph, project: str, path: str, edges: "EdgeTables") -> list[str] | None:
    """Make the stored edges leaving `path` (within the project) equal `edges` (its rows) by deleting and
    writing only the (from, to, line) groups that differ. Returns the external modules whose import rows it
    deleted (they may be orphans now); None, having written nothing, when more than PATCH_LIMIT groups differ."""
    plans = []
    for name, query in _OLD_EDGES.items():
        old: dict[tuple, list] = {}
        params = {"id": file_id(project, path), "p": project} if "$p" in query else {"id": file_id(project, path)}
        for row in graph.rows(query, params):
            old.setdefault(tuple(row[:3]), []).append(tuple(row[3:]))
        table = edges.tables[name]
        new: dict[tuple, list] = {}
        for row in zip(*(table[c].to_pylist() for c, _ in _EDGE_SCHEMAS[name])):
            new.setdefault(tuple(row[:3]), []).append(tuple(row[3:]))
        differ = [k for k in old.keys() | new.keys() if sorted(old.get(k, ())) != sorted(new.get(k, ()))]
        plans.append((name, differ, new))
    if sum(len(d) for _, d, _ in plans) > PATCH_LIMIT:
        return None
    dropped = []
    for name, differ, new in plans:
        for a, b, k in differ:
            graph.execute(_EDGE_DELETE[name], {"a": a, "b": b, "k": k})
            if name == "imp_mod":
                dropped.append(b)
        keys = set(differ)
        rows = [k + rest for k in sorted(keys, key=repr) for rest in new.get(k, ())]
        if rows:
            cols = [c for c, _ in _EDGE_SCHEMAS[name]]
            if name == "imp_mod":
                _ensure_modules(graph, sorted({r[1] for r in rows}))
            _write_edges(graph, name, pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)},
                                               schema=_schema(name, ends=False)), bulk_from=math.inf)   # a patch: pipeline.py says why
    return dropped


_EDGE_SCHEMAS = {
    "imp_file": [("from", "string"), ("to", "string"), ("line", "int64"), ("name", "string")],
    "imp_mod": [("from", "string"), ("to", "string"), ("line", "int64"), ("name", "string")],
    "calls": [("from", "string"), ("to", "string"), ("line", "int64"), ("confidence", "float64"), ("reason", "string")],
    "inherits": [("from", "string"), ("to", "string"), ("kind", "string")],
}
# Every edge table also carries the paths of its two ends (dropped before writing): a delta picks rows by them.
_ENDS = [("src", "string"), ("dst", "string")]


@dataclass(frozen=True)
class EdgeTables:
    """Resolved edges as Arrow tables (cheap to send from a worker process), the external modules they
    import, and one digest per source file of its rows: equal digests, identical outgoing edges."""

    tables: dict[str, "pa.Table"]
    modules: tuple[str, ...]
    digests: dict[str, str]

    def rows(self) -> dict[str, int]:
        t = self.tables
        return {"imports": t["imp_file"].num_rows + t["imp_mod"].num_rows, "calls": t["calls"].num_rows,
                "inherits": t["inherits"].num_rows}

    def select(self, sources, *, into=frozenset(), sources_into=frozenset()) -> "EdgeTables":
        """The rows starting in `sources`, plus the rows from `sources_into` that end in a file of `into`."""
        import pyarrow.compute as pc

        def keep(t):
            mask = pc.is_in(t["src"], pa.array(sorted(sources), pa.string()))
            if into and sources_into:
                mask = pc.or_(mask, pc.and_(pc.is_in(t["src"], pa.array(sorted(sources_into), pa.string())),
                                            pc.fill_null(pc.is_in(t["dst"], pa.array(sorted(into), pa.string())),
                                                         False)))
            return t.filter(mask)

        tables = {name: keep(t) for name, t in self.tables.items()}
        modules = set(tables["imp_mod"]["to"].to_pylist())
        return EdgeTables(tables, tuple(m for m in self.modules if m in modules),
                          {p: d for p, d in self.digests.items() if p in sources})


def edge_tables(project: str, resolutions: list[FileResolution], facts: dict[str, FileFacts],
                node_ids: dict[str, tuple] | None = None) -> EdgeTables:
    """IMPORTS, CALLS and INHERITS rows of these resolutions, with node ids. `node_ids`: a cache of
    `definition_ids` per path, kept as (definitions, ids) and used while the definitions are the same."""
    id_maps = {} if node_ids is None else node_ids

    def ids_of(path: str) -> dict:
        defs = facts[path].definitions
        cached = id_maps.get(path)
        if cached is None or cached[0] is not defs:
            cached = id_maps[path] = (defs, definition_ids(project, facts[path]))
        return cached[1]

    def node(m: dict, qn: str, is_class: bool) -> str:
        return m.get((qn, is_class)) or m[(qn, not is_class)]

    # one tuple per row (also what a file's digest hashes), turned into columns once at the end
    tables: dict[str, list[tuple]] = {name: [] for name in _EDGE_SCHEMAS}
    imp_file, imp_mod, calls, inherits = (tables[n].append for n in ("imp_file", "imp_mod", "calls", "inherits"))
    modules: dict[str, None] = {}
    digests: dict[str, str] = {}
    for r in resolutions:
        path = r.path
        fid = file_id(project, path)
        rows: list[tuple] = []
        add = rows.append
        for e in r.imports:
            if e.target_path is not None:
                row = (fid, file_id(project, e.target_path), e.line, e.name, path, e.target_path)
                imp_file(row)
            else:
                modules[e.external] = None
                row = (fid, e.external, e.line, e.name, path, None)
                imp_mod(row)
            add(row)
        if r.calls:
            own = ids_of(path)
            last_path = last_ids = None
            for c in r.calls:
                callee_path = c.callee_path
                if callee_path != last_path:           # calls into one file come in runs
                    last_path, last_ids = callee_path, ids_of(callee_path)
                row = (node(own, c.caller, False), node(last_ids, c.callee, False), c.line, c.confidence,
                       c.reason, path, callee_path)
                calls(row)
                add(row)
        for e in r.inherits:
            row = (node(ids_of(path), e.child, True), node(ids_of(e.base_path), e.base, True), e.kind, path,
                   e.base_path)
            inherits(row)
            add(row)
        digests[path] = rows_digest(rows)
    return EdgeTables({name: pa.table(_columns(tuple(c for c, _ in spec + _ENDS), tables[name]), schema=_schema(name))
                       for name, spec in _EDGE_SCHEMAS.items()}, tuple(modules), digests)


def rows_digest(rows: list[tuple]) -> str:
    """A digest of edge rows by value. marshal version 2 writes values only: pickle's bytes also tell which
    strings are one object, so equal rows hashed differently from run to run (a file counted as rewired)."""
    return hashlib.blake2b(marshal.dumps(rows, 2), digest_size=12).hexdigest()


def merge_edge_tables(parts: list[EdgeTables]) -> EdgeTables:
    if len(parts) == 1:
        return parts[0]
    modules = dict.fromkeys(m for p in parts for m in p.modules)
    digests = {}
    for p in parts:
        digests.update(p.digests)
    return EdgeTables({name: pa.concat_tables([p.tables[name] for p in parts]) for name in _EDGE_SCHEMAS},
                      tuple(modules), digests)


def insert_edges(graph, edges: EdgeTables, *, bulk_from: float | None = None) -> None:
    """Write edges (the old outgoing edges of their source files already deleted). `bulk_from`: see
    `write_rows` (`math.inf`: never COPY, however many rows; see the caller: a Kùzu crash)."""
    t = {name: table.drop_columns([c for c, _ in _ENDS]) for name, table in edges.tables.items()}
    _ensure_modules(graph, list(edges.modules))
    for name in _EDGE_SCHEMAS:
        _write_edges(graph, name, t[name], bulk_from=bulk_from)


# edge table -> (Kùzu rel table, its FROM/TO node tables when it has several pairs)
_REL_TABLES = {"imp_file": ("IMPORTS", ("File", "File")), "imp_mod": ("IMPORTS", ("File", "Module")),
               "calls": ("CALLS", None), "inherits": ("INHERITS", None)}


def _write_edges(graph, name: str, table, *, bulk_from: float | None = None) -> None:
    rel, pair = _REL_TABLES[name]
    write_rows(graph, rel, table, pair=pair, bulk_from=bulk_from)


def _schema(name: str, *, ends: bool = True):
    return pa.schema([(c, getattr(pa, typ)()) for c, typ in _EDGE_SCHEMAS[name] + (_ENDS if ends else [])])


def _ensure_modules(graph, ids: list[str]) -> None:
    if not ids:
        return
    existing = {r[0] for r in graph.rows("UNWIND $ids AS i MATCH (m:Module {id: i}) RETURN m.id", {"ids": ids})}
    new = [i for i in ids if i not in existing]
    if new:
        write_rows(graph, "Module", pa.table({"id": new, "name": [i.split(":", 1)[1] for i in new],
                                       "language": [i.split(":", 1)[0] for i in new]}))


def imported_modules(graph, project: str, paths: list[str]) -> list[str]:
    """External modules these files import: the candidates for removal once their edges are gone."""
    if not paths:
        return []
    ids = [file_id(project, p) for p in paths]
    if len(ids) <= PER_FILE_LIMIT:        # a labelled match per id: UNWIND plans a scan (see _per_file)
        return sorted({r[0] for fid in ids for r in graph.rows(
            "MATCH (f:File {id: $id})-[:IMPORTS]->(m:Module) RETURN m.id", {"id": fid})})
    rows = graph.rows("UNWIND $ids AS i MATCH (f:File {id: i})-[:IMPORTS]->(m:Module) RETURN DISTINCT m.id", {"ids": ids})
    return [r[0] for r in rows]


def remove_orphan_modules(graph, ids: list[str]) -> None:
    if ids:
        graph.execute("UNWIND $ids AS i MATCH (m:Module {id: i}) WHERE NOT EXISTS { MATCH (:File)-[:IMPORTS]->(m) } "
                      "DETACH DELETE m", {"ids": ids})   # DETACH: Kùzu counts edges deleted earlier in the transaction


SMALL_BATCH = 256
# A delta COPYs only a bigger batch than this: Kùzu 0.11.3 checkpoints at the commit of every transaction that
# ran a COPY (it forces one for COPY's pages, which its log does not hold), and a checkpoint after a small
# change rewrites whole column chunks: on the stdlib, each one-file delta that rebuilt inspect.py or
# functools.py grew the file 8-26 MB (12 deltas: 57 -> 138 MB; row by row: no growth), for ~0.5 s less than
# row by row (2.3 against 2.8 s p50; docs/benchmarks.md, "Session 11"). Row by row costs ~0.15-0.3 ms a node
# and ~0.3-0.8 ms an edge, so past a few thousand rows a COPY and its checkpoint are cheaper again.
DELTA_BULK_FROM = 4096
_REL_ENDS = {"CONTAINS": ("Project", "File"), "HAS_METHOD": ("Class", "Function"),
             "CALLS": ("Function", "Function"), "INHERITS": ("Class", "Class")}


def write_rows(graph, table: str, data, pair: tuple[str, str] | None = None, *, bulk_from: int | None = None) -> None:
    """COPY in bulk (more than `bulk_from` rows, default SMALL_BATCH), CREATE for a small batch. On the stdlib,
    each COPY into a non-empty table adds 30-130 ms to the COMMIT (a one-file delta used to spend 110-450 ms
    committing) and makes it a checkpoint (DELTA_BULK_FROM), while an UNWIND CREATE of nodes costs ~0.15 ms a
    row and a prepared per-row CREATE of an edge ~0.3 ms (UNWIND + MATCH plans a scan)."""
    if data.num_rows > (SMALL_BATCH if bulk_from is None else bulk_from):
        graph.copy(table, data, pair=pair)
        return
    if data.num_rows == 0:
        return
    cols = data.column_names
    if cols[:2] == ["from", "to"]:
        a, b = pair or _REL_ENDS[table]
        props = ", ".join(f"{c}: ${c}" for c in cols[2:])
        query = f"MATCH (x:{a} {{id: $from}}), (y:{b} {{id: $to}}) CREATE (x)-[:{table} {{{props}}}]->(y)"
        graph.execute_many(query, data.to_pylist())
    else:
        props = ", ".join(f"{c}: r.{c}" for c in cols)
        graph.execute(f"UNWIND $rows AS r CREATE (:{table} {{{props}}})", {"rows": data.to_pylist()})


def _pairs(cols: tuple[list, list]):
    return pa.table({"from": pa.array(cols[0], pa.string()), "to": pa.array(cols[1], pa.string())})
