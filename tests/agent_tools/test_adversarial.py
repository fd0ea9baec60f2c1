"""Write and escape attempts through query_graph and path arguments: all refused, the store unchanged.

Each attempt goes through the real MCP client into a file-backed store. The lexical guard
(`queries.check_read_only`) and the database (READ ONLY transaction, prepared single statements) are each
checked on their own too, so one layer failing would show.
"""
from __future__ import annotations

import asyncio
import os
import shutil

import pytest
from fastmcp import Client

import graphbuddy
from graphbuddy.errors import QueryError, ReadOnlyViolation
from graphbuddy.mcp.server import build_server
from graphbuddy.queries import check_read_only

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")

WRITES = [
    "CREATE (:File {id: 'evil'})",
    "create (:File {id: 'evil'})",
    "CrEaTe (:File {id: 'evil'})",
    "MERGE (:File {id: 'evil'})",
    "UNWIND [1] AS x CREATE (:File {id: 'evil'})",
    "MATCH (f:File) SET f.path = 'x'",
    "MATCH (f:File) WITH f LIMIT 1 SET f.path = 'x' RETURN f",
    "MATCH (f:File)\r\nSET f.path = 'x'",
    "MATCH (f:File) SET\tf.path = 'x'",
    "MATCH (f:File) WHERE f.lines>0SET f.path = 'x'",
    "MATCH (f:File) DELETE f",
    "MATCH (f:File) DETACH DELETE f",
    "MATCH (f:File) WHERE f.id = 'a' OR true DETACH DELETE f",
    "MATCH (f:File) REMOVE f.path",
    "DROP TABLE File",
    "ALTER TABLE File ADD evil STRING",
    "COPY File FROM '/tmp/graphbuddy-evil.csv'",
    "LOAD FROM '/etc/hostname' (file_format='csv', header=false) RETURN *",
    "LOAD EXTENSION json",
    "INSTALL json",
    "ATTACH '/tmp/graphbuddy-other.kuzu' AS other (dbtype kuzu)",
    "DETACH other",
    "USE other",
    "EXPORT DATABASE '{tmp}/exported'",
    "IMPORT DATABASE '{tmp}/exported'",
    "CHECKPOINT",
    "BEGIN TRANSACTION",
    "COMMIT",
    "ROLLBACK",
    "CALL timeout=1",
    "CALL threads=1",
    "CALL create_fts_index('File', 'evil', ['path'])",
    "CALL `create_fts_index`('File', 'evil', ['path'])",
    "CALL drop_fts_index('File', 'evil')",
    "CALL project_graph('g', ['File'], [])",
    "CALL",
    # several statements, plain and hidden behind comments and strings
    "MATCH (n) RETURN n; CREATE (:File {id: 'evil'})",
    "RETURN 1;CREATE (:File {id: 'evil'})",
    "CALL show_tables() RETURN *; DROP TABLE File",
    "MATCH (n) RETURN n /* */ ; MERGE (:File {id: 'evil'})",
    "MATCH (n) RETURN n // comment\n; CREATE (:File {id: 'evil'})",
    "RETURN 1 //\rCREATE (:File {id: 'evil'})",
    "/* CREATE */ CREATE (:File {id: 'evil'})",
    "/* unterminated CREATE (:File {id: 'evil'})",
    "RETURN '/*' AS a */ CREATE (:File {id: 'evil'})",
    "RETURN 'it\\'s' AS a; CREATE (:File {id: 'evil'})",
    "RETURN \"a\\\"b\" AS a; CREATE (:File {id: 'evil'})",
    "RETURN 'unterminated CREATE (:File {id: 1})",
    "MATCH (n) RETURN `x` AS `y`; CREATE (:File {id: 'evil'})",
]
READS = [
    "MATCH (f:File) WHERE f.path CONTAINS 'create' RETURN f.path",
    "RETURN 'SET; DELETE' AS s",
    "CALL show_tables() RETURN *",
    "MATCH (f:File) RETURN f.path // delete me",
    "MATCH (f:File) RETURN count(*) AS n;",
]


def state(gb, tmp) -> dict:
    return {"nodes": gb.cypher("MATCH (n) RETURN count(n) AS n").rows()[0]["n"],
            "edges": gb.cypher("MATCH ()-[r]->() RETURN count(r) AS n").rows()[0]["n"],
            "paths": sorted(r["p"] for r in gb.cypher("MATCH (f:File) RETURN f.path AS p").rows()),
            "tables": sorted(r["name"] for r in gb.cypher("CALL show_tables() RETURN *").rows()),
            "timeout": gb.cypher("CALL current_setting('timeout') RETURN *").rows(),
            "exported": os.path.exists(os.path.join(tmp, "exported"))}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("adv")
    root = base / "sample"
    shutil.copytree(os.path.join(FIXTURES, "sample"), root)
    gb = graphbuddy.open(base / "store")
    gb.index(root, project="sample")
    yield gb, base
    gb.close()


def test_lexical_guard_refuses_every_write_alone():
    for text in WRITES:
        with pytest.raises(ReadOnlyViolation):
            check_read_only(text.replace("{tmp}", "/tmp"))
    for text in READS:
        check_read_only(text)


def test_database_refuses_writes_the_lexer_would_miss(store):
    """Behind the lexer: a READ ONLY transaction and single prepared statements."""
    gb, base = store
    before = state(gb, base)
    for text in ["CREATE (:File {id: 'evil'})", "MATCH (f:File) SET f.path = 'x'", "MATCH (f:File) DETACH DELETE f",
                 "DROP TABLE File", "RETURN 1; CREATE (:File {id: 'evil'})",
                 "LOAD FROM '/nonexistent.csv' RETURN *; CREATE (:File {id: 'evil'})"]:
        with pytest.raises(QueryError):
            gb.graph.read_only(text)
    assert state(gb, base) == before


def test_every_attempt_through_mcp_is_refused_and_changes_nothing(store):
    gb, base = store
    before = state(gb, base)
    server = build_server(gb, allowed_roots=[str(base)])

    async def attack(c):
        outcomes = []
        for text in WRITES:
            r = await c.call_tool("query_graph", {"cypher": text.replace("{tmp}", str(base))}, raise_on_error=False)
            outcomes.append((text, r.is_error, r.content[0].text if r.content else ""))
        for text in READS:
            r = await c.call_tool("query_graph", {"cypher": text}, raise_on_error=False)
            outcomes.append((text, not r.is_error, ""))
        return outcomes

    outcomes = asyncio.run(_with_client(server, attack))
    allowed = [(t, msg) for t, refused, msg in outcomes if not refused]
    assert not allowed
    assert state(gb, base) == before
    assert gb.query("code.find_file", text="evil").rows() == []


def test_path_arguments_cannot_escape(store, tmp_path):
    gb, base = store
    before = state(gb, base)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.py").write_text("def leak(): pass\n")
    link = base / "link_out"
    if not link.exists():
        link.symlink_to(outside)
    server = build_server(gb, allowed_roots=[str(base)])
    attempts = [str(outside), str(link), str(base / "sample" / ".." / ".." / ".."), "/", "/etc", "~",
                str(base / "store"), str(base / "sample" / "shop" / "cli.py"), "sample/../../.."]

    async def attack(c):
        out = []
        for path in attempts:
            r = await c.call_tool("index_project", {"path": path, "project": "evil"}, raise_on_error=False)
            out.append((path, r.is_error, r.content[0].text))
        return out

    for path, refused, msg in asyncio.run(_with_client(server, attack)):
        assert refused, (path, msg)
    assert state(gb, base) == before
    assert [p["project"] for p in gb.projects()] == ["sample"]


async def _with_client(server, fn):
    async with Client(server) as c:
        return await fn(c)
