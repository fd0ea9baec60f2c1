"""Reflections on a real store: ABOUT links, dedup, tags, delete, votes, bad input, both stores in step."""
from __future__ import annotations

import shutil

import pytest

from graphbuddy.errors import InvalidArgument, NotFound
from graphbuddy.memory.insights import content_id

from .conftest import count, documents, run_together, snapshot

P = "sample:shop/core/pricing.py"


def test_mentions_in_text_become_about_edges(gb):
    r = gb.add_reflection("shop/core/pricing.py:14 rounds half up; `apply_discount` and Handler.create rely on it; "
                          "see also core/models.py:Order and shop.cli.main", project="sample", tags=["Money"])
    assert set(r.about) == {
        P, f"{P}:shop.core.pricing.round_cents",                      # path:line -> spanning function
        f"{P}:shop.core.pricing.apply_discount",                                 # backticked unique short name
        "sample:shop/api/handlers.py:shop.api.handlers.Handler.create",         # Class.method suffix
        "sample:shop/core/models.py", "sample:shop/core/models.py:shop.core.models.Order",   # path suffix:name
        "sample:shop/cli.py:shop.cli.main"}                                      # qualified name
    hows = {row["about"]: row["how"] for row in gb.query("memory.about", id=P).rows()}
    assert hows[P] == "path" and hows[f"{P}:shop.core.pricing.round_cents"] == "path_line"
    assert r.tags == ("money",) and r.created


def test_conservative_no_link_for_unknown_or_ambiguous_names(gb):
    r = gb.add_reflection("`__init__` is everywhere, `nonexistent_fn` and nope/missing.py are not in the graph; "
                          "e.g. os.path.join is not ours", project="sample")
    assert r.about == ()
    assert count(gb, "MATCH (:Reflection {id: $id})-[:ABOUT {how: 'project'}]->(:Project {id: 'sample'}) "
                     "RETURN count(*) AS n", id=r.id) == 1


def test_explicit_about_and_unknown_about(gb):
    r = gb.add_reflection("Keep this in mind.", project="sample", about=["shop/core/pricing.py:round_cents",
                                                                           "shop.core.models.Customer"])
    assert f"{P}:shop.core.pricing.round_cents" in r.about
    assert "sample:shop/core/models.py:shop.core.models.Customer" in r.about
    with pytest.raises(NotFound, match="no file, function or class"):
        gb.add_reflection("Other text.", project="sample", about=["no_such_thing"])
    assert count(gb, "MATCH (r:Reflection) RETURN count(*) AS n") == 1


def test_same_text_is_stored_once_and_tags_merge(gb):
    a = gb.add_reflection("Decimal   for money.", project="sample", tags=["a"])
    b = gb.add_reflection("Decimal for money.\n", project="sample", tags=["b", "A"])
    assert a.id == b.id == content_id("Decimal for money.") and not b.created
    assert b.tags == ("a", "b")
    assert count(gb, "MATCH (r:Reflection) RETURN count(*) AS n") == 1
    doc = documents(gb)[a.id]
    assert doc["kind"] == "reflection" and doc["tags"] == ["a", "b"] and doc["content"] == "Decimal   for money."


def test_update_tags_remove_and_vote_keep_document_in_step(gb):
    r = gb.add_reflection("Cache the symbol table per project.", project="sample", tags=["x"],
                          about=["shop/cli.py"])
    assert gb.update_reflection(r.id, tags=["perf", "cache"]).tags == ("cache", "perf")
    assert documents(gb)[r.id]["tags"] == ["cache", "perf"]
    assert gb.vote(r.id)["votes"] == 1 and gb.vote(r.id)["votes"] == 2 and gb.vote(r.id, up=False)["votes"] == 1
    assert documents(gb)[r.id]["votes"] == 1
    gone = gb.remove_reflection(r.id)
    assert gone.id == r.id and r.id not in documents(gb)
    assert count(gb, "MATCH (r:Reflection) RETURN count(*) AS n") == 0
    assert count(gb, "MATCH ()-[a:ABOUT]->() RETURN count(*) AS n") == 0
    with pytest.raises(NotFound):
        gb.remove_reflection(r.id)
    with pytest.raises(NotFound):
        gb.update_reflection(r.id, tags=["y"])
    with pytest.raises(NotFound):
        gb.vote("0" * 64)


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n", None])
def test_empty_text_is_refused(gb, text):
    with pytest.raises(InvalidArgument, match="empty"):
        gb.add_reflection(text, project="sample")
    assert not documents(gb)


def test_huge_text_is_refused_with_the_limit_named(gb):
    with pytest.raises(InvalidArgument, match=r"limit is 65,536 bytes \(64 KB\)"):
        gb.add_reflection("x" * (64 * 1024 + 1), project="sample")
    assert gb.add_reflection("y" * (64 * 1024), project="sample").created     # the limit itself is fine
    assert len(documents(gb)) == 1


def test_lone_surrogates_are_replaced_in_reflections_summaries_and_captured_text(gb, repo):
    # a str holding half a surrogate pair (MCP JSON "\\ud83d", a CLI argument with invalid UTF-8) cannot be
    # encoded: measuring its size or hashing it raised a raw UnicodeEncodeError
    r = gb.add_reflection("cut emoji \ud83d in `round_cents`", project="sample")
    assert r.content == "cut emoji \ufffd in `round_cents`" and r.about
    rule = "\u2500" * 12
    c = gb.capture_insights(f"`\u2605 Insight {rule}`\n- a gotcha \udc00 here, long enough to count\n`{rule}`",
                            project="sample")
    assert c.insights[0].content == "- a gotcha \ufffd here, long enough to count"
    s = gb.start_session(repo)
    assert gb.end_session(s.id, summary="done \ud800").session.summary == "done \ufffd"
    assert gb.check_memory_documents()["missing"] == []


def test_the_same_text_stored_for_another_project_keeps_its_links_in_its_own_project(gb, repo, tmp_path):
    # one node per text: storing it again under project "other" linked the "sample" reflection to other's code
    shutil.copytree(repo, tmp_path / "other", ignore=shutil.ignore_patterns(".git"))
    gb.index(tmp_path / "other", project="other")
    text = "Watch out: `round_cents` in shop/core/pricing.py rounds half even"
    first = gb.add_reflection(text, project="sample")
    again = gb.add_reflection(text, project="other", tags=["money"])
    assert again.id == first.id and again.project == "sample" and not again.created and again.tags == ("money",)
    assert again.about == first.about and all(a.startswith("sample:") for a in again.about)
    assert count(gb, "MATCH (:Reflection)-[:ABOUT]->(t) WHERE t.project = 'other' OR t.id = 'other' "
                     "RETURN count(*) AS n") == 0
    assert gb.reflection_stats("other")["reflections"] == 0


def test_unknown_project_and_session_are_one_line_errors(gb):
    with pytest.raises(NotFound, match="unknown project 'nope'"):
        gb.add_reflection("text", project="nope")
    with pytest.raises(NotFound, match="unknown session 'nope'"):
        gb.add_reflection("text", session_id="nope")
    with pytest.raises(InvalidArgument, match="bad tag"):
        gb.add_reflection("text", tags=["a,b"])
    assert not documents(gb)


def test_a_failed_document_write_leaves_no_graph_node(gb, monkeypatch):
    gb.add_reflection("First, kept.", project="sample")
    before = snapshot(gb)

    def broken(doc):
        gb.analytics.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(gb.memory_store, "upsert_document", broken)
    with pytest.raises(Exception, match="no_such_table"):
        gb.add_reflection("Second, must vanish with its edges.", project="sample", about=["shop/cli.py"])
    assert snapshot(gb) == before


def test_stats(gb):
    gb.add_reflection("One about `round_cents`.", project="sample", tags=["money"])
    gb.add_reflection("Two, no code.", project="sample", tags=["money", "misc"])
    st = gb.reflection_stats("sample")
    assert st == {"project": "sample", "reflections": 2, "votes": 0, "linked_to_code": 1,
                  "tags": {"money": 2, "misc": 1}}
    with pytest.raises(NotFound):
        gb.reflection_stats("nope")


def test_drift_between_graph_and_documents_is_found_and_repaired(gb):
    r = gb.add_reflection("Kept in both stores, about `round_cents`.", project="sample", tags=["a"])
    i = gb.capture_insights("`★ Insight ─────`\nA gotcha about `apply_discount`.\n`─────`\n", project="sample")
    good = documents(gb)
    assert gb.check_memory_documents() == {"missing": [], "stale": [], "orphaned": [], "repaired": False}
    # what a crash between the Kùzu and the DuckDB commit (or a foreign writer) could leave behind
    gb.analytics.execute("DELETE FROM documents WHERE id = ?", [r.id])
    gb.analytics.execute("UPDATE documents SET votes = 7 WHERE id = ?", [i.insights[0].id])
    gb.analytics.execute("INSERT INTO documents (id, kind, content) VALUES ('ghost', 'reflection', 'x')")
    report = gb.check_memory_documents(repair=True)
    assert report == {"missing": [r.id], "stale": [i.insights[0].id], "orphaned": ["ghost"], "repaired": True}
    assert documents(gb) == good
    assert gb.check_memory_documents()["missing"] == []


def test_about_for_a_text_stored_without_project_says_why_it_cannot_link(gb):
    gb.add_reflection("Keep money in Decimal")
    with pytest.raises(InvalidArgument, match="stored already, as reflection .* of no project"):
        gb.add_reflection("Keep money in Decimal", project="sample", about=["shop/core/pricing.py"])
    assert count(gb, "MATCH (:Reflection)-[a:ABOUT]->() RETURN count(a) AS n") == 0


def test_concurrent_writers_of_the_same_text_merge_instead_of_failing(gb):
    # the "stored before?" read ran outside the write transaction: two threads both saw no node, the second
    # CREATE failed with Kùzu's duplicated primary key error and its tags were lost
    def write(i, k):
        gb.add_reflection(f"shared lesson {k}", tags=[f"t{i}"], project="sample")

    errors = run_together(write, rounds=10)
    assert errors == []
    tags = {r["c"]: r["t"] for r in gb.cypher("MATCH (r:Reflection) RETURN r.content AS c, r.tags AS t").rows()}
    assert len(tags) == 10 and all(t == ["t0", "t1", "t2", "t3"] for t in tags.values())
    assert all(d["tags"] == ["t0", "t1", "t2", "t3"] for d in documents(gb).values())


def test_the_document_of_a_new_memory_names_only_what_it_is_about(gb):
    """Kùzu 0.11.3, inside the write transaction, read an uncommitted ABOUT edge to a File also through
    the Function and Class pairs of the rel table when the target's label was left open: the Function at
    the File's offset came back too. So the `documents` row (search hits' `attrs.about`) of every new
    reflection or insight linked to a file named an unrelated function (found: a tour reflection about
    gbclient/report.py whose search hit was also about graphbuddy's `_drop_project_graph`)."""
    import json

    r = gb.add_reflection("shop/core/pricing.py is where the money is rounded", project="sample")
    i = gb.capture_insights("`★ Insight ─────`\nshop/core/models.py keeps the order total.\n`─────`\n",
                            project="sample").insights[0]
    for item_id, about in ((r.id, r.about), (i.id, i.about)):
        assert about and all(a.count(":") == 1 for a in about), about          # files only
        attrs = json.loads(gb.sql("SELECT attrs FROM documents WHERE id = $i", i=item_id).rows()[0]["attrs"])
        assert attrs["about"] == sorted(about), attrs
    assert gb.check_memory_documents()["stale"] == []


def test_a_memory_from_a_folder_belongs_to_its_project_and_active_session(gb, repo):
    """`path` (the folder the caller works in: the CLI's cwd, an MCP agent's folder) picks the project and its
    one active session when neither is given; the CLI did it by itself, so MCP tools stored memories with no
    project, no code links and no session."""
    session = gb.start_session(repo)
    r = gb.add_reflection("shop/core/pricing.py rounds", path=repo / "shop")
    assert r.project == "sample" and r.sessions == (session.id,) and r.about == ("sample:shop/core/pricing.py",)
    r = gb.add_reflection("shop/core/models.py holds orders", path=repo, join_session=False)
    assert r.project == "sample" and r.sessions == ()
    r = gb.add_reflection("no folder given: nothing guessed")
    assert r.project is None and r.sessions == ()
    report = gb.capture_insights("`★ Insight ─────`\nshop/core/models.py holds orders.\n`─────`\n", path=repo)
    assert report.insights[0].project == "sample"


def test_the_short_ids_the_cli_prints_are_accepted(gb):
    """`graphbuddy insights` prints 12 characters of an id; `team vote e35a21bee5a9 ann` said no such item."""
    gb.create_team("core")
    block = ("`★ Insight ─────────────────────────────────────`\n- `round_cents` rounds with binary floats: a gotcha."
             "\n`─────────────────────────────────────────────────`\n")
    insight = gb.capture_insights(block, project="sample").insights[0].id
    r = gb.add_reflection("Cache the symbol table per project.", project="sample")
    assert gb.vote(insight[:12])["id"] == insight and gb.vote(insight[:12], member="ann")["votes"] == 2
    gb.share_reflection(r.id[:12], team="core")
    assert gb.update_reflection(r.id[:8], tags=["perf"]).tags == ("perf",)
    assert gb.remove_reflection(r.id[:12]).id == r.id
    with pytest.raises(NotFound):
        gb.vote(insight[:5])           # too short to name one item: not looked up as a prefix
    with pytest.raises(NotFound):
        gb.remove_reflection(insight[:12])       # an insight's id is no reflection's
