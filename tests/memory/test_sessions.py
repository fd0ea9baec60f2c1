"""Sessions on real git repositories: start, checkpoint, end (TOUCHED, handoff), status, list, bad input."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.errors import InvalidArgument, NotFound

from .conftest import count, documents, git, snapshot

BLOCK = "`★ Insight ─────`\nThe pricing module rounds per line in `total_price`, a deliberate decision.\n`─────`\n"


def test_start_records_git_state_and_quality(gb, repo):
    (repo / "shop" / "cli.py").write_text("# dirty before the session\n")
    s = gb.start_session(repo / "shop", agent="claude-code")
    assert s.project == "sample" and s.status == "active" and s.agent == "claude-code"
    assert s.branch == "main" and s.head_start == git(repo, "rev-parse", "HEAD").strip()
    assert 0 <= s.quality_start <= 100 and s.source == "live"
    start = gb.memory_store.session_events(s.id, "start")[0]["attrs"]
    assert list(start["dirty"]) == ["shop/cli.py"] and start["agent"] == "claude-code"
    assert count(gb, "MATCH (:Session {id: $id})-[:OF_PROJECT]->(:Project {id: 'sample'}) RETURN count(*) AS n",
                 id=s.id) == 1


def test_a_blank_agent_name_is_no_agent_and_a_padded_one_is_trimmed(gb, repo):
    assert gb.start_session(repo, agent="  ").agent is None
    s = gb.start_session(repo, agent=" codex ")
    assert s.agent == "codex" and gb.memory_store.session_events(s.id, "start")[0]["attrs"]["agent"] == "codex"


def test_unknown_project_is_a_clear_error(gb, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q")
    with pytest.raises(NotFound, match="unknown project: no indexed project holds .*elsewhere"):
        gb.start_session(elsewhere)
    with pytest.raises(NotFound, match="unknown project 'nope'"):
        gb.start_session(project="nope")
    assert count(gb, "MATCH (s:Session) RETURN count(*) AS n") == 0


def test_checkpoint_scores_blends_metrics_and_captures_insights(gb, repo):
    s = gb.start_session(repo)
    plain = gb.checkpoint(s.id)
    assert set(plain.components) == {"docstrings", "syntax", "tests", "clean_tree"}
    assert plain.score == pytest.approx(sum(c["score"] * c["weight"] for c in plain.components.values()), abs=0.2)
    assert plain.components["clean_tree"]["score"] == 100.0
    (repo / "shop" / "new.py").write_text("x = 1\n")
    blended = gb.checkpoint(metrics={"ci": 100, "lint": 80}, conversation="talk\n" + BLOCK)
    assert blended.components["clean_tree"]["score"] == 95.0           # one uncommitted file
    internal = sum(c["score"] * c["weight"] for k, c in blended.components.items() if not k.startswith("external"))
    assert blended.score == pytest.approx(internal + 0.5 * 90, abs=0.2)
    assert blended.insights.new == 1 and blended.insights.insights[0].type == "decision"
    [row] = gb.query("sessions.memories", id=s.id).rows()
    assert row["kind"] == "Insight"
    series = gb.analytics.rows("SELECT score, components FROM checkpoints WHERE session_id = ? ORDER BY ts", [s.id])
    assert [r[0] for r in series] == [s.quality_start, plain.score, blended.score]
    assert "external:ci" in json.loads(series[-1][1])


@pytest.mark.parametrize("metrics, message", [({"ci": 101}, "within 0-100"), ({"ci": "high"}, "must be a number"),
                                             ([("ci", 90)], "name -> score")])   # a list: raw AttributeError
def test_bad_metrics_are_refused(gb, repo, metrics, message):
    gb.start_session(repo)
    with pytest.raises(InvalidArgument, match=message):
        gb.checkpoint(metrics=metrics)


def test_end_links_touched_files_and_writes_the_handoff(repo, tmp_path):
    (repo / "shop" / "cli.py").write_text("# dirty before, untouched during the session\n")
    (repo / "shop" / "api" / "handlers.py").write_text("# dirty before AND changed during\n")
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(repo, project="sample")
        s = gb.start_session(repo, agent="tester")
        gb.add_reflection("Pricing rounds per line.", session_id=s.id, tags=["money"])
        (repo / "shop" / "core" / "pricing.py").write_text("# modified then committed\n")
        git(repo, "commit", "-qam", "work")
        (repo / "shop" / "core" / "models.py").unlink()
        (repo / "shop" / "api" / "handlers.py").write_text("# changed again during the session\n")
        (repo / "shop" / "extra.py").write_text("x = 1\n")
        end = gb.end_session(summary="Reworked pricing; removed models.")
        got = {(t.path, t.change, t.in_graph) for t in end.touched}
        assert got == {("shop/core/pricing.py", "modified", True), ("shop/core/models.py", "deleted", True),
                       ("shop/api/handlers.py", "modified", True), ("shop/extra.py", "added", False)}
        edges = {(r["path"], r["change"]) for r in gb.query("sessions.touched", id=s.id).rows()}
        assert edges == {(p, c) for p, c, g in got if g}
        assert end.session.status == "ended" and end.session.head_end == git(repo, "rev-parse", "HEAD").strip()
        assert end.handoff_path == str(tmp_path / "store" / "handoffs" / "sample" / f"{s.id}.md")
        text = Path(end.handoff_path).read_text()
        assert "Reworked pricing" in text and "- deleted: `shop/core/models.py`" in text
        assert "(not in the code graph)" in text and "Pricing rounds per line." in text
        assert documents(gb)[s.id]["kind"] == "session" and documents(gb)[s.id]["content"].startswith("Reworked")
        assert gb.cypher("MATCH (s:Session)-[:TOUCHED]->(:File {id: 'sample:shop/core/pricing.py'}) "
                         "RETURN s.id AS id").rows() == [{"id": s.id}]

        before = snapshot(gb)
        with pytest.raises(InvalidArgument, match="already ended"):
            gb.end_session(s.id, summary="again")
        assert snapshot(gb) == before and Path(end.handoff_path).read_text() == text
        with pytest.raises(NotFound, match="no active session"):
            gb.end_session()
        with pytest.raises(InvalidArgument, match="ended at"):
            gb.checkpoint(s.id)


def test_a_file_name_that_is_not_utf8_does_not_block_the_end(repo, tmp_path):
    # git names it in bytes (read with surrogateescape); writing the handoff raised UnicodeEncodeError and the
    # session could not be ended while that file was in the work tree
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(repo, project="sample")
        s = gb.start_session(repo)
        with open(os.path.join(os.fsencode(repo), b"caf\xe9.txt"), "wb") as fh:      # latin-1 "café.txt"
            fh.write(b"x")
        assert gb.session_status(s.id)["changes_so_far"] == {"caf\ufffd.txt": "added"}
        end = gb.end_session(s.id, summary="done")
        assert [(t.path, t.change, t.in_graph) for t in end.touched] == [("caf\ufffd.txt", "added", False)]
        assert "`caf\ufffd.txt`" in Path(end.handoff_path).read_text(encoding="utf-8")


def test_end_outside_git_links_nothing_and_in_memory_store_has_no_handoff_file(project_copy):
    with graphbuddy.open(memory=True) as gb:
        gb.index(project_copy, project="plain")
        s = gb.start_session(project_copy)
        assert s.branch is None and s.head_start is None
        end = gb.end_session(s.id)
        assert end.touched == () and end.handoff_path is None and "# Handoff" in end.handoff
        assert s.id not in documents(gb)                  # no summary, no searchable row


def test_current_session_status_and_list(gb, repo):
    with pytest.raises(NotFound, match="no active session"):
        gb.session_status()
    a = gb.start_session(repo)
    st = gb.session_status()
    assert st["session"]["id"] == a.id and st["changes_so_far"] == {} and len(st["checkpoints"]) == 1
    (repo / "shop" / "cli.py").write_text("# edit\n")
    assert gb.session_status(a.id)["changes_so_far"] == {"shop/cli.py": "modified"}
    gb.end_session(a.id, summary="first")
    b = gb.start_session(repo)
    assert [s.id for s in gb.list_sessions()] == [b.id, a.id]
    assert [s.id for s in gb.list_sessions(project="sample", limit=1)] == [b.id]
    with pytest.raises(NotFound, match="unknown session"):
        gb.session_status("nope")
    with pytest.raises(NotFound):
        gb.list_sessions(project="nope")


def test_empty_or_huge_summary_is_refused_and_session_stays_active(gb, repo):
    s = gb.start_session(repo)
    for bad, msg in (("   ", "empty"), ("x" * 70_000, "64 KB")):
        with pytest.raises(InvalidArgument, match=msg):
            gb.end_session(s.id, summary=bad)
    assert gb.session_status(s.id)["session"]["status"] == "active"


def test_repo_without_commits_counts_only_what_changed_during_the_session(project_copy):
    git(project_copy, "init", "-q")
    with graphbuddy.open(memory=True) as gb:
        gb.index(project_copy, project="fresh")
        s = gb.start_session(project_copy)
        assert s.head_start is None
        (project_copy / "shop" / "cli.py").write_text("# edited\n")
        end = gb.end_session(s.id)
        assert [(t.path, t.change, t.in_graph) for t in end.touched] == [("shop/cli.py", "added", True)]


def test_an_end_racing_another_end_is_refused_inside_the_transaction(gb, repo, monkeypatch):
    from graphbuddy.memory import sessions

    s = gb.start_session(repo)
    stale = gb.memory_store.session(s.id)            # what a second caller read before the first one ended it
    gb.end_session(s.id, summary="first")
    before = snapshot(gb)
    monkeypatch.setattr(sessions, "current_session", lambda ms, sid, path=None: stale)
    with pytest.raises(InvalidArgument, match="ended meanwhile"):
        gb.end_session(s.id, summary="second")
    assert snapshot(gb) == before


@pytest.fixture
def two_active(gb, repo, tmp_path):
    """Sessions a (on the sample) and b (on a second project, `other`), both active; returns (a, b, other)."""
    import shutil

    other = tmp_path / "other"
    shutil.copytree(repo / "shop", other / "shop")
    gb.index(other, project="other")
    return gb.start_session(repo), gb.start_session(other), other


def test_current_session_with_several_active_ones_follows_the_cwd(gb, repo, tmp_path, monkeypatch, two_active):
    a, b, other = two_active
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidArgument, match="2 active sessions"):
        gb.checkpoint()
    monkeypatch.chdir(repo / "shop")
    assert gb.checkpoint().session_id == a.id
    monkeypatch.chdir(other)
    assert gb.end_session().session.id == b.id
    assert gb.checkpoint().session_id == a.id          # the only active one left, wherever the cwd is


def test_current_session_may_be_picked_by_a_folder_other_than_the_cwd(gb, repo, tmp_path, monkeypatch, two_active):
    """`path=` is how a client of the store owner sends its own cwd (the owner's is not the client's)."""
    a, b, other = two_active
    monkeypatch.chdir(repo / "shop")                   # the cwd names a; path= wins
    assert gb.session_status(path=other / "shop")["session"]["id"] == b.id
    assert gb.checkpoint(path=str(other)).session_id == b.id
    with pytest.raises(InvalidArgument, match="2 active sessions"):
        gb.session_status(path=tmp_path)
    assert gb.end_session(path=other, summary="b").session.id == b.id
    assert gb.session_status(path=other)["session"]["id"] == a.id     # the only active one left
