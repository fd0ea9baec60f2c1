"""MCP tools through the real fastmcp client (in-memory transport): results, descriptions, bounds, errors."""
from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest
from fastmcp import Client

import graphbuddy
from graphbuddy.mcp.server import build_server

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    """An MCP server over an in-memory store holding the sample project (indexed through the tool)."""
    base = tmp_path_factory.mktemp("mcp")
    root = base / "sample"
    shutil.copytree(os.path.join(FIXTURES, "sample"), root)
    gb = graphbuddy.open(memory=True)
    server = build_server(gb, allowed_roots=[str(base)])
    call = _caller(server)
    call("index_project", path=str(root), project="sample")
    yield call, root, base
    gb.close()


def _caller(server):
    def call(tool, **args):
        async def go():
            async with Client(server) as c:
                r = await c.call_tool(tool, args, raise_on_error=False)
                return r.is_error, (r.content[0].text if r.is_error else r.structured_content)
        return asyncio.run(go())
    return call


def run_client(server, fn):
    async def go():
        async with Client(server) as c:
            return await fn(c)
    return asyncio.run(go())


def test_every_tool_and_parameter_is_described():
    server = build_server(graphbuddy.open(memory=True))

    async def check(c):
        tools = await c.list_tools()
        assert {t.name for t in tools} >= {"index_project", "find_related_code", "get_callers", "get_callees",
                                           "get_symbol", "query_graph", "list_queries", "list_projects"}
        for t in tools:
            assert t.description and len(t.description) > 20, t.name
            for name, schema in t.input_schema.get("properties", {}).items():
                assert schema.get("description"), f"{t.name}.{name} has no description"
                if schema.get("type") == "integer":
                    assert "minimum" in schema and "maximum" in schema, f"{t.name}.{name} is unbounded"
        resources = await c.list_resources()
        assert {str(r.uri) for r in resources} == {"graphbuddy://schema", "graphbuddy://queries",
                                                    "graphbuddy://projects"}
        assert all(r.description for r in resources)
        prompts = await c.list_prompts()
        assert prompts and all(p.description and all(a.description for a in p.arguments) for p in prompts)

    run_client(server, check)


def test_find_related_code_and_call_tools(tools):
    call, _, _ = tools
    err, out = call("find_related_code", target="shop.core.pricing.apply_discount", relations=["called_by"])
    assert not err
    assert out["target"]["kind"] == "Function"
    callers = {h["qualified_name"] for h in out["related"]}
    assert callers == {"shop.core.models.Order.total"}, out
    assert all(h["why"] and h["relation"] == "called_by" for h in out["related"])
    err, out2 = call("get_callers", target="shop.core.pricing.apply_discount")
    assert not err and {c["caller"] for c in out2["callers"]} == callers
    err, out3 = call("get_callees", target="shop.core.pricing.apply_discount")
    assert not err and "shop.core.pricing.round_cents" in {c["callee"] for c in out3["callees"]}
    err, out4 = call("find_related_code", target="shop/core/pricing.py", depth=2, limit=1)
    assert not err and len(out4["related"]) == 1 and out4["truncated"] is True


def test_get_symbol_reads_the_definition_from_disk(tools):
    call, _, _ = tools
    err, out = call("get_symbol", target="shop.core.pricing.apply_discount")
    assert not err
    assert out["source"].startswith("def apply_discount(")
    assert out["path"] == "shop/core/pricing.py" and out["end_line"] >= out["start_line"]
    err, cut = call("get_symbol", target="shop.core.pricing.apply_discount", max_lines=1)
    assert not err and cut["source_truncated"] and cut["source"].count("\n") == 0


def test_get_symbol_refuses_a_file_turned_into_a_link_out_of_the_project(tools, tmp_path):
    call, root, _ = tools
    secret = tmp_path / "secret.py"
    secret.write_text("TOP SECRET\n" * 50)
    target = root / "shop" / "cli.py"
    saved = target.read_text()
    target.unlink()
    target.symlink_to(secret)
    try:
        err, out = call("get_symbol", target="shop.cli.main")
        assert err and "leaves the project root" in out
        assert "TOP SECRET" not in out
    finally:
        target.unlink()
        target.write_text(saved)


def test_query_graph_named_and_cypher_with_bounds(tools):
    call, _, _ = tools
    err, out = call("query_graph", name="code.hotspots", params={"project": "sample"}, max_rows=2)
    assert not err and len(out["rows"]) == 2 and out["truncated"] is True
    err, out = call("query_graph", cypher="MATCH (f:File) RETURN f.path AS path ORDER BY path", max_rows=5000)
    assert not err and out["truncated"] is False and out["columns"] == ["path"] and len(out["rows"]) > 5
    for bad in ({"cypher": "RETURN 1", "max_rows": 0}, {"cypher": "RETURN 1", "max_rows": 5001},
                {"cypher": "RETURN 1", "timeout_ms": 10**9}, {}, {"cypher": "RETURN 1", "name": "code.callers"}):
        err, msg = call("query_graph", **bad)
        assert err, bad


def test_query_graph_times_out_instead_of_running_forever(tools):
    call, _, _ = tools
    heavy = ("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b "
             "WITH a, b WHERE a * b = -1 RETURN count(*)")
    err, msg = call("query_graph", cypher=heavy, timeout_ms=200)
    assert err and "timed out" in msg


def test_errors_are_tool_errors_with_one_line_messages(tools):
    call, _, base = tools
    cases = [("find_related_code", {"target": "no_such_symbol_anywhere"}, "no file, function or class"),
             ("find_related_code", {"target": "x", "depth": 9}, "invalid arguments: depth: Input should be less "
                                                                "than or equal to 5"),
             ("find_related_code", {}, "invalid arguments: target: Missing required argument"),
             ("checkpoint", {"metrics": {"ci": 120}}, "invalid arguments: metrics.ci: Input should be less than"),
             ("get_callers", {"target": "shop.core.models.Entity"}, "give a function"),
             ("query_graph", {"name": "code.nope"}, "unknown query"),
             ("index_project", {"path": "/etc"}, "outside the allowed roots"),
             ("index_project", {"path": str(base / "missing")}, "not a directory")]
    for tool, args, expected in cases:
        err, msg = call(tool, **args)
        assert err and expected in msg, (tool, msg)
        assert len(msg.splitlines()) == 1 and "Traceback" not in msg, msg     # no pydantic dump with links


def test_index_project_refuses_hidden_folders_and_traversal(tools):
    call, root, base = tools
    hidden = base / ".ssh"
    hidden.mkdir(exist_ok=True)
    (hidden / "x.py").write_text("def f(): pass\n")
    assert "hidden folder" in call("index_project", path=str(hidden))[1]
    assert "outside the allowed roots" in call("index_project", path=str(base / ".." / ".." / ".."))[1]


def test_resources_and_list_tools(tools):
    call, _, _ = tools
    err, out = call("list_projects")
    assert not err and [p["project"] for p in out["projects"]] == ["sample"]
    err, out = call("list_queries")
    assert not err and any(q["name"] == "code.hotspots" for q in out["queries"])
    bucket = next(p for q in out["queries"] if q["name"] == "analytics.velocity" for p in q["params"]
                  if p["name"] == "bucket")                   # an agent sees the values it may take
    assert bucket["choices"] == ["minute", "hour", "day", "week", "month", "quarter", "year"]
    server = build_server(graphbuddy.open(memory=True))

    async def read(c):
        schema = (await c.read_resource("graphbuddy://schema"))[0].text
        queries = json.loads((await c.read_resource("graphbuddy://queries"))[0].text)
        return schema, queries

    schema, queries = run_client(server, read)
    assert "CREATE NODE TABLE Function" in schema and any(q["name"] == "code.callers" for q in queries)


def test_query_graph_params_may_be_named_like_the_librarys_own_arguments(tools):
    """params {"text": ..., "max_rows": ...} collided with gb.cypher(text, max_rows=...): 'got multiple values'
    instead of the query's answer."""
    call, _, _ = tools
    err, out = call("query_graph", cypher="RETURN $text AS t, $max_rows AS m, $timeout_ms AS o",
                    params={"text": "hi", "max_rows": 7, "timeout_ms": "x"})
    assert not err, out
    assert out["rows"] == [{"t": "hi", "m": 7, "o": "x"}]


def test_index_project_refuses_a_relative_path(tools, monkeypatch):
    """A relative path was resolved against the server's cwd (the owner keeps the cwd of whichever session
    started it; from HOME, "." indexed the whole home folder), not the agent's."""
    call, _, base = tools
    monkeypatch.chdir(base)                           # "sample" would be base/sample, inside the allowed root
    err, msg = call("index_project", path="sample", project="sample")
    assert err and "absolute path" in msg, msg


def test_a_prompt_without_its_argument_is_one_line():
    """fastmcp answered "Error rendering prompt 'orient': Missing required arguments: {'project'}" as an
    internal error, after logging a traceback; now one line as for tool arguments."""
    from mcp.shared.exceptions import MCPError

    server = build_server(graphbuddy.open(memory=True))

    async def ask(c):
        try:
            await c.get_prompt("orient", {})
        except MCPError as exc:
            return exc.error.code, exc.error.message
        return None

    assert run_client(server, ask) == (-32602, "invalid arguments: project: Missing required argument")
