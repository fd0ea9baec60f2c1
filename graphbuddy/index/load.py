"""Load stage: turn facts and resolutions into Arrow tables and bulk-COPY them into the graph.

Callers wrap these in one graph transaction. Never per-row CREATE/MERGE on the bulk path.
"""
from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from .facts import FileFacts
from .resolve import FileResolution


def file_id(project: str, path: str) -> str:
    return f"{project}:{path}"


def def_id(project: str, path: str, qualified_name: str) -> str:
    return f"{project}:{path}:{qualified_name}"


def definition_ids(project: str, facts: FileFacts) -> dict[tuple[str, bool], str]:
    """(qualified_name, is_class) -> node id. A name defined twice in one file (a function and a class, or
    a conditional redefinition) gets `@<line>` on every occurrence after the first; edges bind to the first
    function or the first class of that name."""
    out: dict[tuple[str, bool], str] = {}
    taken: set[str] = set()
    for d in facts.definitions:
        did = def_id(project, facts.path, d.qualified_name)
        if did in taken:
            did = f"{did}@{d.start_line}"
            if did in taken:
                continue
        taken.add(did)
        out.setdefault((d.qualified_name, d.is_class), did)
        out.setdefault((d.qualified_name + "@" + str(d.start_line), d.is_class), did)
    return out


def delete_files(graph, project: str, paths: list[str]) -> None:
    """Remove files with their definitions and every edge touching them."""
    if not paths:
        return
    ids = [file_id(project, p) for p in paths]
    graph.execute("UNWIND $ids AS i MATCH (f:File {id: i})-[:DEFINES]->(d) DETACH DELETE d", {"ids": ids})
    graph.execute("UNWIND $ids AS i MATCH (f:File {id: i}) DETACH DELETE f", {"ids": ids})


def delete_outgoing(graph, project: str, paths: list[str]) -> None:
    """Remove the resolved edges that start in these files (they are about to be re-resolved)."""
    if not paths:
        return
    ids = [file_id(project, p) for p in paths]
    graph.execute("UNWIND $ids AS i MATCH (f:File {id: i})-[r:IMPORTS]->() DELETE r", {"ids": ids})
    graph.execute("UNWIND $ids AS i MATCH (f:File {id: i})-[:DEFINES]->(:Function)-[r:CALLS]->() DELETE r",
                  {"ids": ids})
    graph.execute("UNWIND $ids AS i MATCH (f:File {id: i})-[:DEFINES]->(:Class)-[r:INHERITS]->() DELETE r",
                  {"ids": ids})


def insert_files(graph, project: str, facts: list[FileFacts], now: datetime) -> tuple[int, int]:
    """Nodes for files and their definitions, with CONTAINS, DEFINES and HAS_METHOD. Returns (functions, classes)."""
    if not facts:
        return 0, 0
    files = {k: [] for k in ("id", "project", "path", "language", "module", "hash", "size", "lines", "indexed_at",
                             "syntax_errors")}
    fn = {k: [] for k in ("id", "project", "file", "name", "qualified_name", "kind", "signature", "docstring",
                          "start_line", "end_line", "exported")}
    cl = {k: [] for k in ("id", "project", "file", "name", "qualified_name", "kind", "start_line", "end_line",
                          "docstring")}
    defines_fn, defines_cl, has_method = ([], []), ([], []), ([], [])
    seen: set[str] = set()
    for f in facts:
        fid = file_id(project, f.path)
        for k, v in (("id", fid), ("project", project), ("path", f.path), ("language", f.language),
                     ("module", f.module), ("hash", f.hash), ("size", f.size), ("lines", f.lines),
                     ("indexed_at", now), ("syntax_errors", f.syntax_errors)):
            files[k].append(v)
        ids = definition_ids(project, f)
        class_qns = {d.qualified_name for d in f.definitions if d.is_class}
        for d in f.definitions:
            did = ids.get((d.qualified_name + "@" + str(d.start_line), d.is_class))
            if did is None or did in seen:
                continue
            seen.add(did)
            if d.is_class:
                for k, v in (("id", did), ("project", project), ("file", fid), ("name", d.name),
                             ("qualified_name", d.qualified_name), ("kind", d.kind), ("start_line", d.start_line),
                             ("end_line", d.end_line), ("docstring", d.docstring)):
                    cl[k].append(v)
                defines_cl[0].append(fid)
                defines_cl[1].append(did)
            else:
                for k, v in (("id", did), ("project", project), ("file", fid), ("name", d.name),
                             ("qualified_name", d.qualified_name), ("kind", d.kind), ("signature", d.signature),
                             ("docstring", d.docstring), ("start_line", d.start_line), ("end_line", d.end_line),
                             ("exported", d.exported)):
                    fn[k].append(v)
                defines_fn[0].append(fid)
                defines_fn[1].append(did)
                if d.parent in class_qns:
                    has_method[0].append(ids[(d.parent, True)])
                    has_method[1].append(did)
    files_t = pa.table(files)
    files_t = files_t.set_column(8, "indexed_at", pa.array(files["indexed_at"], pa.timestamp("us")))
    graph.copy("File", files_t)
    graph.copy("Function", pa.table(fn))
    graph.copy("Class", pa.table(cl))
    graph.copy("CONTAINS", pa.table({"from": [project] * len(facts), "to": files["id"]}))
    graph.copy("DEFINES", _pairs(defines_fn), pair=("File", "Function"))
    graph.copy("DEFINES", _pairs(defines_cl), pair=("File", "Class"))
    graph.copy("HAS_METHOD", _pairs(has_method))
    return len(fn["id"]), len(cl["id"])


def insert_edges(graph, project: str, resolutions: list[FileResolution], facts: dict[str, FileFacts]) -> dict[str, int]:
    """IMPORTS, CALLS and INHERITS for re-resolved files (their old outgoing edges already deleted)."""
    id_maps: dict[str, dict] = {}

    def node(path: str, qn: str, is_class: bool) -> str:
        m = id_maps.get(path)
        if m is None:
            m = id_maps[path] = definition_ids(project, facts[path])
        return m.get((qn, is_class)) or m[(qn, not is_class)]

    imp_file = {"from": [], "to": [], "line": [], "name": []}
    imp_mod = {"from": [], "to": [], "line": [], "name": []}
    calls = {"from": [], "to": [], "line": [], "confidence": [], "reason": []}
    inherits = {"from": [], "to": [], "kind": []}
    modules: dict[str, None] = {}
    for r in resolutions:
        fid = file_id(project, r.path)
        for e in r.imports:
            if e.target_path is not None:
                for k, v in (("from", fid), ("to", file_id(project, e.target_path)), ("line", e.line), ("name", e.name)):
                    imp_file[k].append(v)
            else:
                modules[e.external] = None
                for k, v in (("from", fid), ("to", e.external), ("line", e.line), ("name", e.name)):
                    imp_mod[k].append(v)
        for c in r.calls:
            calls["from"].append(node(r.path, c.caller, False))
            calls["to"].append(node(c.callee_path, c.callee, False))
            calls["line"].append(c.line)
            calls["confidence"].append(c.confidence)
            calls["reason"].append(c.reason)
        for e in r.inherits:
            inherits["from"].append(node(r.path, e.child, True))
            inherits["to"].append(node(e.base_path, e.base, True))
            inherits["kind"].append(e.kind)
    _ensure_modules(graph, list(modules))
    graph.copy("IMPORTS", pa.table(imp_file), pair=("File", "File"))
    graph.copy("IMPORTS", pa.table(imp_mod), pair=("File", "Module"))
    graph.copy("CALLS", pa.table(calls, schema=pa.schema([("from", pa.string()), ("to", pa.string()),
                                                          ("line", pa.int64()), ("confidence", pa.float64()),
                                                          ("reason", pa.string())])))
    graph.copy("INHERITS", pa.table(inherits))
    return {"imports": len(imp_file["from"]) + len(imp_mod["from"]), "calls": len(calls["from"]),
            "inherits": len(inherits["from"])}


def _ensure_modules(graph, ids: list[str]) -> None:
    if not ids:
        return
    existing = {r[0] for r in graph.rows("UNWIND $ids AS i MATCH (m:Module {id: i}) RETURN m.id", {"ids": ids})}
    new = [i for i in ids if i not in existing]
    if new:
        graph.copy("Module", pa.table({"id": new, "name": [i.split(":", 1)[1] for i in new],
                                       "language": [i.split(":", 1)[0] for i in new]}))


def imported_modules(graph, project: str, paths: list[str]) -> list[str]:
    """External modules these files import: the candidates for removal once their edges are gone."""
    if not paths:
        return []
    ids = [file_id(project, p) for p in paths]
    rows = graph.rows("UNWIND $ids AS i MATCH (f:File {id: i})-[:IMPORTS]->(m:Module) RETURN DISTINCT m.id", {"ids": ids})
    return [r[0] for r in rows]


def remove_orphan_modules(graph, ids: list[str]) -> None:
    if ids:
        graph.execute("UNWIND $ids AS i MATCH (m:Module {id: i}) WHERE NOT EXISTS { MATCH (:File)-[:IMPORTS]->(m) } "
                      "DETACH DELETE m", {"ids": ids})   # DETACH: Kùzu counts edges deleted earlier in the transaction


def _pairs(cols: tuple[list, list]):
    return pa.table({"from": pa.array(cols[0], pa.string()), "to": pa.array(cols[1], pa.string())})
