"""Memory and cross-project MCP tools through the real fastmcp client, on a real store with a git project."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import graphbuddy
from graphbuddy.mcp.server import build_server

from .test_tools import FIXTURES, _caller

INSIGHT = """Done.
`★ Insight ─────────────────────────────────────`
round_cents in `shop/core/pricing.py` floors after adding 0.5, so negative amounts round toward zero.
`─────────────────────────────────────────────────`
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("mcpmem")
    root = base / "sample"
    shutil.copytree(os.path.join(FIXTURES, "sample"), root)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@x"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    gb = graphbuddy.open(base / "store")
    call = _caller(build_server(gb, allowed_roots=[str(base)]))
    assert call("index_project", path=str(root), project="sample")[0] is False
    yield call, root, base
    gb.close()


def test_reflection_is_stored_linked_and_deduplicated(env):
    call, _root, _ = env
    err, r = call("store_reflection", content="`round_cents` in shop/core/pricing.py must stay in cents.",
                  tags=["money"], project="sample")
    assert not err, r
    assert "sample:shop/core/pricing.py" in r["about"] and r["created"] is True
    err, again = call("store_reflection", content="`round_cents` in shop/core/pricing.py must stay in cents.",
                      tags=["rounding"], project="sample")
    assert again["id"] == r["id"] and again["created"] is False and set(again["tags"]) == {"money", "rounding"}
    err, stats = call("reflection_stats", project="sample")
    assert stats["tags"] == {"money": 1, "rounding": 1}


def test_session_lifecycle_with_insights(env):
    call, root, _ = env
    err, s = call("start_session", path=str(root), agent="test-agent")
    assert not err, s
    (root / "shop/core/pricing.py").write_text((root / "shop/core/pricing.py").read_text() + "\n# touched\n")
    err, cp = call("checkpoint", metrics={"ci": 80}, conversation=INSIGHT)
    assert not err, cp
    assert 0 <= cp["score"] <= 100
    err, insights = call("get_project_insights", project="sample")
    assert [i["content"] for i in insights["insights"]] == [
        "round_cents in `shop/core/pricing.py` floors after adding 0.5, so negative amounts round toward zero."]
    err, stats = call("insights_statistics", project="sample")
    assert stats["insights"] == 1 and stats["linked_to_code"] == 1
    err, status = call("session_status")
    assert status["session"]["status"] == "active" and status["session"]["agent"] == "test-agent"
    assert status["checkpoints"][-1]["score"] == cp["score"]          # after the baseline taken at start
    err, end = call("end_session", summary="fixed rounding")
    assert not err, end
    assert os.path.exists(end["handoff_path"]) and "fixed rounding" in end["handoff"]
    assert "shop/core/pricing.py" in {t["path"] for t in end["touched"]}
    err, msg = call("end_session", session_id=s["id"])
    assert err and "already ended" in msg


def test_session_paths_outside_the_allowed_roots_are_refused(env):
    call, _root, _ = env
    err, msg = call("start_session", path="/etc")
    assert err and "outside the allowed roots" in msg


def test_groups_dependencies_and_impact(env):
    call, _root, _ = env
    err, g = call("create_project_group", name="shop-family", projects=["sample"], description="the shop")
    assert not err, g
    assert g["projects"] == ["sample"]
    err, msg = call("add_project_dependency", project="sample", on="nope")
    assert err and "nope" in msg
    err, impact = call("impact_analysis", target="shop.core.pricing.round_cents", project="sample", depth=2)
    assert not err, impact
    assert "sample:shop/core/pricing.py:shop.core.pricing._line_total" in {h["id"] for h in impact["hits"]} or \
        any(h["id"].endswith("_line_total") for h in impact["hits"])


def test_create_project_group_with_an_unknown_member_changes_nothing(env):
    call, _root, _ = env
    err, msg = call("create_project_group", name="half-made", projects=["sample", "nope"])
    assert err and msg == "no project named 'nope'; nothing changed", msg    # not "Error calling tool ...: "
    err, g = call("create_project_group", name="half-made")       # left neither the group nor 'sample' in it
    assert not err and g["projects"] == [] and g["description"] is None
    err, msg = call("create_project_group", name="half-made", projects=["sample", "nope"], description="x")
    assert err and call("create_project_group", name="half-made")[1]["projects"] == []


@pytest.mark.slow
def test_search_tools_find_memories_code_and_knowledge_across_projects(env):
    """Real embedding model: the search tools answer by meaning, by file and across projects."""
    call, _root, _ = env
    err, r = call("store_reflection", content="Refunds are computed with apply_discount; never round twice.",
                  tags=["billing"], project="sample")
    assert not err, r
    err, page = call("search_reflections", query="how are refunds calculated", projects=["sample"])
    assert not err, page
    assert page["hits"][0]["id"] == r["id"] and page["hits"][0]["explanation"]
    err, quick = call("quick_search", query="refunds", limit=1)
    assert quick["count"] >= 1 and len(quick["hits"]) == 1
    err, summary = call("search_summary", query="refunds")
    assert summary["by_project"].get("sample", 0) >= 1
    err, about = call("search_by_file", target="shop/core/pricing.py", project="sample")
    assert not err, about
    assert about["memories"], "the reflections naming pricing.py are about it"
    err, insights = call("search_insights", query="rounding of negative amounts")
    assert not err and insights["hits"] and {h["kind"] for h in insights["hits"]} == {"insight"}
    err, code = call("search_code", query="round a price to whole cents", projects=["sample"], limit=3)
    assert not err, code
    assert "shop.core.pricing.round_cents" in [h["title"] for h in code["hits"]]
    err, across = call("search_across_projects", query="refunds", project="sample", scope="all")
    assert not err, across
    assert across["hits"][0]["id"] == r["id"] and across["hits"][0]["explanation"]
    err, msg = call("search_reflections", query="x", cursor="garbage")
    assert err and "cursor" in msg


def test_every_tool_call_is_an_event_for_the_work_analytics():
    gb = graphbuddy.open(memory=True)
    call = _caller(build_server(gb))
    assert call("list_projects")[0] is False
    assert call("query_graph", cypher="MATCH (n) DETACH DELETE n")[0] is True          # refused: still counted
    rows = gb.sql("SELECT name, value, attrs->>'ok' AS ok FROM events WHERE kind = 'tool' ORDER BY ts").rows()
    assert [(r["name"], r["ok"]) for r in rows] == [("list_projects", "true"), ("query_graph", "false")]
    assert all(r["value"] >= 0 for r in rows)
    gb.close()
