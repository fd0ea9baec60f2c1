"""Projects and groups: rename, remove, group membership.

A project's name is part of every id of its code graph (`<project>:<path>[:<qualified name>]`), in Kùzu and
in DuckDB. Kùzu cannot update a primary key, so `rename_project` re-keys: it reads the project's nodes and
every edge touching them, deletes them, and bulk-COPYs them back under the new ids, in one graph transaction;
DuckDB rows are rewritten with UPDATE in one DuckDB transaction. Nothing is re-parsed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pyarrow as pa

from ..errors import InvalidArgument, NotFound
from ..search.embed import drop_unused_vectors

# Node tables whose ids embed the project name; other tables with a `project` property are just updated.
KEYED_TABLES = ("Project", "File", "Function", "Class")
_STATE_TABLES = ("index_files", "index_state", "events")


@dataclass(frozen=True)
class Group:
    name: str
    description: str | None
    projects: tuple[str, ...]


@dataclass(frozen=True)
class RemovedProject:
    project: str
    files: int
    dependents: tuple[str, ...]       # projects whose DEPENDS_ON edges to it were removed
    documents: int                    # DuckDB rows removed (documents and other per-project tables)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def project_names(graph) -> list[str]:
    return [r[0] for r in graph.rows("MATCH (p:Project) RETURN p.id ORDER BY p.id")]


def require_project(graph, name: str, analytics=None) -> None:
    """NotFound, naming the known projects, unless the graph holds project `name`; with `analytics`, a project
    known only by its git history (`ingest-git --project NAME` on a folder never indexed) counts too."""
    if graph.rows("MATCH (p:Project {id: $id}) RETURN p.id", {"id": name}):
        return
    history = [r[0] for r in analytics.rows("SELECT DISTINCT project FROM commits ORDER BY project")] \
        if analytics is not None else []
    if name in history:
        return
    known = sorted(set(project_names(graph)) | set(history))
    hint = f" (known: {', '.join(known[:10])})" if known else " (no project indexed yet)"
    raise NotFound(f"no project named '{name}'{hint}")


def require_group(graph, name: str) -> None:
    if not graph.rows("MATCH (g:ProjectGroup {id: $id}) RETURN g.id", {"id": name}):
        raise NotFound(f"no group named '{name}'")


# -- groups --------------------------------------------------------------------------------------------------
def create_group(graph, name: str, *, description: str | None = None) -> Group:
    if not name or name.strip() != name:
        raise InvalidArgument(f"invalid group name {name!r}")
    with graph.transaction():
        if graph.rows("MATCH (g:ProjectGroup {id: $id}) RETURN g.id", {"id": name}):
            raise InvalidArgument(f"group '{name}' already exists")
        graph.execute("CREATE (:ProjectGroup {id: $id, description: $d, created_at: $t})",
                      {"id": name, "d": description, "t": now()})
    return Group(name, description, ())


def add_to_group(graph, project: str, *, group: str) -> None:
    with graph.transaction():
        require_project(graph, project)
        require_group(graph, group)
        graph.execute("MATCH (p:Project {id: $p}), (g:ProjectGroup {id: $g}) "
                      "WHERE NOT EXISTS { MATCH (p)-[:IN_GROUP]->(g) } CREATE (p)-[:IN_GROUP]->(g)",
                      {"p": project, "g": group})


def remove_from_group(graph, project: str, *, group: str) -> bool:
    with graph.transaction():
        require_group(graph, group)
        n = graph.rows("MATCH (p:Project {id: $p})-[r:IN_GROUP]->(g:ProjectGroup {id: $g}) DELETE r RETURN count(*)",
                       {"p": project, "g": group})
    return bool(n and n[0][0])


def list_groups(graph) -> list[Group]:
    # coalesce: Kùzu's collect() over an OPTIONAL MATCH that found nothing is NULL, not []
    rows = graph.rows("MATCH (g:ProjectGroup) OPTIONAL MATCH (p:Project)-[:IN_GROUP]->(g) "
                      "RETURN g.id, g.description, coalesce(collect(p.id), []) ORDER BY g.id")
    return [Group(r[0], r[1], tuple(sorted(x for x in r[2] if x))) for r in rows]


def group_members(graph, project: str) -> set[str]:
    """Every project sharing at least one group with `project` (itself included)."""
    rows = graph.rows("MATCH (p:Project {id: $p})-[:IN_GROUP]->(:ProjectGroup)<-[:IN_GROUP]-(q:Project) "
                      "RETURN DISTINCT q.id", {"p": project})
    return {r[0] for r in rows} | {project}


# -- remove --------------------------------------------------------------------------------------------------
# A project's bookkeeping in `meta` is keyed `<kind>:<project>` (root, config, manifests, xlinks, git_head,
# index_format): everything after the first ':' is the name, compared whole (no LIKE: `_` in a name is a
# wildcard, and a global key such as `search:fts_fingerprint:v3` ends like a project named `v3`).
_OWN_META_KEY = "strpos(key, ':') > 0 AND substr(key, strpos(key, ':') + 1) = ?"


def remove_project(graph, analytics, name: str) -> RemovedProject:
    """Delete the project's code graph, its memory nodes, DEPENDS_ON edges both ways, and its DuckDB rows."""
    from ..index import crossproject
    from ..index.load import drop_project_graph

    require_project(graph, name)
    dependents = tuple(r[0] for r in graph.rows(
        "MATCH (a:Project)-[:DEPENDS_ON]->(p:Project {id: $p}) WHERE a.id <> $p RETURN DISTINCT a.id ORDER BY a.id",
        {"p": name}))
    files = graph.rows("MATCH (f:File {project: $p}) RETURN count(f)", {"p": name})[0][0]
    _mark_dirty(analytics, name, True)    # a crash: the next index rebuilds
    with graph.transaction():
        drop_project_graph(graph, name)
        for table in _tables_with_property(graph, "project", exclude=KEYED_TABLES):
            graph.execute(f"MATCH (n:{table}) WHERE n.project = $p DETACH DELETE n", {"p": name})
        graph.execute("MATCH (p:Project {id: $p}) DETACH DELETE p", {"p": name})
    with graph.transaction():
        crossproject.remove_orphan_modules(graph)
    removed = 0
    with analytics.transaction():
        for table in _duck_tables_with_column(analytics, "project"):
            if table not in _STATE_TABLES:          # count what the user stored, not bookkeeping
                removed += analytics.rows(f"SELECT count(*) FROM {table} WHERE project = ?", [name])[0][0]
            analytics.execute(f"DELETE FROM {table} WHERE project = ?", [name])
        analytics.execute(f"DELETE FROM meta WHERE {_OWN_META_KEY}", [name])
        drop_unused_vectors(analytics)              # its texts' vectors, unless another project has the same text
    crossproject.link_projects(graph, analytics)     # importers of its files fall back to external modules
    return RemovedProject(name, files, dependents, removed)


def _mark_dirty(analytics, name: str, dirty: bool) -> None:
    """A row without a graph stamp: the next index of `name` checks nothing but the flag."""
    analytics.execute("INSERT OR REPLACE INTO index_state (project, dirty, updated_at) VALUES (?, ?, ?)",
                      [name, dirty, now()])


# -- rename --------------------------------------------------------------------------------------------------
def rename_project(graph, analytics, old: str, *, new: str) -> None:
    from ..api import _check_project_name

    _check_project_name(new)
    require_project(graph, old)
    if graph.rows("MATCH (p:Project {id: $id}) RETURN p.id", {"id": new}):
        raise InvalidArgument(f"a project named '{new}' already exists")
    # a crash between the two stores leaves both names dirty: the next index of either rebuilds in full
    for name in (old, new):
        _mark_dirty(analytics, name, True)
    # DuckDB first, committed last: a failure in either store (a key clash, a Kùzu error) changes neither
    with analytics.transaction():
        analytics.execute("DELETE FROM index_state WHERE project = ?", [new])
        _rekey_analytics(analytics, old, new)
        _mark_dirty(analytics, new, False)
        with graph.transaction():
            _rekey_graph(graph, old, new)
    from ..index import crossproject

    crossproject.link_projects(graph, analytics)     # importers' recorded links name the provider: refresh


def _rekey(value, old: str, new: str):
    if isinstance(value, str) and (value == old or value.startswith(old + ":")):
        return new + value[len(old):]
    return value


def _columns(graph, table: str) -> list[str]:
    return [r[1] for r in graph.rows(f"CALL table_info('{table}') RETURN *")]


def _tables_with_property(graph, prop: str, *, exclude=()) -> list[str]:
    out = []
    for _, name, kind, *_ in graph.rows("CALL show_tables() RETURN *"):
        if kind == "NODE" and name not in exclude and prop in _columns(graph, name):
            out.append(name)
    return sorted(out)


def _owned(alias: str, table: str) -> str:
    return f"{alias}.id = $old" if table == "Project" else f"{alias}.project = $old"


def _rekey_graph(graph, old: str, new: str) -> None:
    from ..index.load import drop_project_graph

    p = {"old": old}
    nodes = {}
    for table in KEYED_TABLES:
        cols = _columns(graph, table)
        t = graph.arrow(f"MATCH (n:{table}) WHERE {_owned('n', table)} RETURN "
                        + ", ".join(f"n.{c} AS {c}" for c in cols), p)
        data = {c: [(_rekey(v, old, new) if c in ("id", "project", "file") else v) for v in t.column(c).to_pylist()]
                for c in cols}
        nodes[table] = pa.table(data, schema=t.schema)
    edges = []
    for _, rel, kind, *_ in graph.rows("CALL show_tables() RETURN *"):
        if kind != "REL":
            continue
        props = _columns(graph, rel)
        for src, dst, *_ in graph.rows(f"CALL show_connection('{rel}') RETURN *"):
            if src not in KEYED_TABLES and dst not in KEYED_TABLES:
                continue
            cond = " OR ".join(_owned(a, t) for a, t in (("a", src), ("b", dst)) if t in KEYED_TABLES)
            t = graph.arrow(f"MATCH (a:{src})-[r:{rel}]->(b:{dst}) WHERE {cond} RETURN a.id AS `from`, b.id AS `to`"
                            + "".join(f", r.{c} AS {c}" for c in props), p)
            if t.num_rows:
                data = {"from": [_rekey(v, old, new) if src in KEYED_TABLES else v for v in t.column("from").to_pylist()],
                        "to": [_rekey(v, old, new) if dst in KEYED_TABLES else v for v in t.column("to").to_pylist()]}
                data.update({c: t.column(c) for c in props})
                edges.append((rel, src, dst, pa.table(data, schema=t.schema)))
    drop_project_graph(graph, old)
    graph.execute("MATCH (n:Project {id: $old}) DETACH DELETE n", p)
    for table in KEYED_TABLES:
        graph.copy(table, nodes[table])
    multi = {rel: len(graph.rows(f"CALL show_connection('{rel}') RETURN *")) > 1 for rel, *_ in edges}
    for rel, src, dst, data in edges:
        graph.copy(rel, data, pair=(src, dst) if multi[rel] else None)
    for table in _tables_with_property(graph, "project", exclude=KEYED_TABLES):
        graph.execute(f"MATCH (n:{table}) WHERE n.project = $old SET n.project = $new", {"old": old, "new": new})


def _duck_tables_with_column(analytics, column: str) -> list[str]:
    return [r[0] for r in analytics.rows(
        "SELECT table_name FROM information_schema.columns WHERE column_name = ? AND table_schema = 'main' "
        "ORDER BY table_name", [column])]


def _rekey_analytics(analytics, old: str, new: str) -> None:
    # rows kept under `new` though no project has that name (git history ingested under it): merged into the
    # renamed project, whose own rows win where keys clash (the same commits, its `<kind>:<name>` meta keys)
    analytics.execute("DELETE FROM commits WHERE project = ? AND sha IN (SELECT sha FROM commits WHERE project = ?)",
                      [new, old])
    analytics.execute(f"DELETE FROM meta WHERE {_OWN_META_KEY} AND substr(key, 1, strpos(key, ':')) IN "
                      f"(SELECT substr(key, 1, strpos(key, ':')) FROM meta WHERE {_OWN_META_KEY})", [new, old])
    with_id = set(_duck_tables_with_column(analytics, "id"))
    for table in _duck_tables_with_column(analytics, "project"):
        if table in with_id:        # code-symbol rows carry `<project>:` ids; memory rows (sha ids) do not
            analytics.execute(f"UPDATE {table} SET id = ? || substr(id, ?) WHERE project = ? AND starts_with(id, ?)",
                              [new, len(old) + 1, old, old + ":"])
        analytics.execute(f"UPDATE {table} SET project = ? WHERE project = ?", [new, old])
    # a code document names its file id in attrs (written first, JSON-escaped: search.documents.code_documents)
    before, after = (json.dumps(f"{name}:")[:-1] for name in (old, new))
    analytics.execute("UPDATE documents SET attrs = ? || substr(attrs, ?) WHERE kind = 'code' AND project = ? "
                      "AND starts_with(attrs, ?)", ['{"file":' + after, len('{"file":' + before) + 1, new,
                                                    '{"file":' + before])
    # a memory document names the nodes it is about (its project's, sorted) in attrs.about: search hits show them
    for doc_id, attrs in analytics.rows("SELECT id, attrs FROM documents WHERE kind <> 'code' AND project = ? "
                                        "AND contains(attrs, ?)", [new, before]):
        data = json.loads(attrs)
        if isinstance(data.get("about"), list):
            data["about"] = sorted(_rekey(x, old, new) for x in data["about"])
            analytics.execute("UPDATE documents SET attrs = ? WHERE id = ?", [json.dumps(data), doc_id])
    analytics.execute(f"UPDATE meta SET key = substr(key, 1, strpos(key, ':')) || ? WHERE {_OWN_META_KEY}",
                      [new, old])
