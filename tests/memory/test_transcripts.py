"""Transcript import: Claude Code JSONL and markdown, idempotent, malformed lines counted."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphbuddy.errors import InvalidArgument, NotFound

from .conftest import count, documents, run_together, snapshot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
JSONL = FIXTURES / "claude_session.jsonl"
SID = "cc-7f3c9a2e-41b8-4c1e-9d0a-5b6e2f8c1d47"


def test_claude_jsonl_import(gb):
    r = gb.import_transcript(JSONL, project="sample")
    s = r.session
    assert (s.id, s.agent, s.status, s.branch) == (SID, "claude-code", "ended", "fix/rounding")
    assert (s.started_at, s.ended_at) == ("2026-11-20T09:00:03", "2026-11-20T09:07:45")
    assert s.summary.startswith("apply_discount gives 9.99")
    assert (r.format, r.lines, r.malformed, r.messages) == ("claude-jsonl", 15, 2, {"user": 6, "assistant": 6})
    # Edit + MultiEdit modified, Write of an unseen file added; Read-only models.py is not touched
    assert {(t.path, t.change, t.in_graph) for t in r.touched} == {
        ("shop/core/pricing.py", "modified", True), ("shop/api/handlers.py", "modified", True),
        ("tests/test_pricing.py", "added", False)}
    assert r.outside_project == 1                      # /home/dev/notes/todo.md
    assert {x["path"] for x in gb.query("sessions.touched", id=SID).rows()} == {"shop/core/pricing.py",
                                                                                "shop/api/handlers.py"}
    kinds = {i.type: i for i in r.insights.insights}
    assert set(kinds) == {"gotcha", "decision"} and r.insights.new == 2
    assert "sample:shop/core/pricing.py:shop.core.pricing.round_cents" in kinds["gotcha"].about
    assert "sample:shop/api/handlers.py:shop.api.handlers.Handler.create" in kinds["decision"].about
    docs = documents(gb)
    assert {d["kind"] for d in docs.values()} == {"insight", "session"}
    assert all(d["session_id"] == SID for d in docs.values())


def test_reimport_adds_nothing(gb):
    gb.import_transcript(JSONL, project="sample")
    before = snapshot(gb)
    again = gb.import_transcript(JSONL, project="sample")
    assert again.already_imported and again.insights.new == 0 and again.insights.known == 2
    assert snapshot(gb) == before


def test_project_from_cwd(gb, repo, tmp_path):
    text = JSONL.read_text().replace("/home/dev/work/sample", str(repo))
    moved = tmp_path / "session.jsonl"
    moved.write_text(text)
    r = gb.import_transcript(moved)
    assert r.session.project == "sample" and len(r.touched) == 3


def test_markdown_import(gb):
    r = gb.import_transcript(FIXTURES / "notes.md", project="sample")
    assert r.format == "text" and r.session.id.startswith("text-") and r.session.agent is None
    [i] = r.insights.insights
    assert i.type == "decision" and "sample:shop/core/pricing.py:shop.core.pricing.total_price" in i.about
    assert gb.import_transcript(FIXTURES / "notes.md", project="sample").insights.new == 0


def test_same_insight_in_two_sessions_is_one_node_linked_twice(gb, tmp_path):
    gb.import_transcript(JSONL, project="sample")
    other = tmp_path / "other.jsonl"
    lines = [json.loads(x) for x in JSONL.read_text().splitlines() if x.startswith("{") and x.endswith("}")]
    other.write_text("\n".join(json.dumps({**x, "sessionId": "other-session"}) for x in lines) + "\n")
    r = gb.import_transcript(other, project="sample")
    assert r.insights.new == 0 and r.insights.known == 2
    assert count(gb, "MATCH (i:Insight) RETURN count(*) AS n") == 2
    assert count(gb, "MATCH (:Insight)-[c:CAPTURED_IN]->(:Session) RETURN count(c) AS n") == 4


def test_bad_transcripts(gb, tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n[1, 2]\n{\"broken\": \n")
    with pytest.raises(InvalidArgument, match=r"no valid JSON lines .* \(3 malformed\)"):
        gb.import_transcript(junk, project="sample")
    empty = tmp_path / "empty.md"
    empty.write_text("  \n")
    with pytest.raises(InvalidArgument, match="empty"):
        gb.import_transcript(empty, project="sample")
    with pytest.raises(NotFound, match="transcript not found"):
        gb.import_transcript(tmp_path / "missing.jsonl", project="sample")
    with pytest.raises(NotFound, match="unknown project"):
        gb.import_transcript(JSONL)                     # cwd /home/dev/... is no indexed project
    with pytest.raises(NotFound, match="unknown project 'nope'"):
        gb.import_transcript(JSONL, project="nope")
    assert count(gb, "MATCH (s:Session) RETURN count(*) AS n") == 0 and not documents(gb)


def _line(**fields) -> str:
    base = {"type": "user", "sessionId": "odd", "timestamp": "2026-11-20T09:00:00Z",
            "message": {"role": "user", "content": "fix the rounding"}}
    return json.dumps({**base, **fields})


def test_timestamps_out_of_range_are_skipped_like_unreadable_ones(gb, tmp_path):
    # fromisoformat reads them, converting to UTC overflowed: a raw OverflowError ended the import
    t = tmp_path / "odd.jsonl"
    t.write_text("\n".join([_line(timestamp="0001-01-01T00:00:00+01:00"), _line(timestamp="9999-12-31T23:59:59-05:00"),
                            _line(timestamp="2026-11-20T09:30:00Z")]) + "\n")
    s = gb.import_transcript(t, project="sample").session
    assert s.started_at == s.ended_at == "2026-11-20T09:30:00"


def test_lone_surrogates_in_a_transcript_are_replaced_not_fatal(gb, tmp_path):
    # JSON allows "\ud83d" alone (a cut emoji); such strings cannot be encoded as UTF-8: Kùzu refused the prompt
    # ("Unable to cast Python instance"), hashing an insight raised UnicodeEncodeError
    rule = "\u2500" * 12
    insight = (f"`\u2605 Insight {rule}`\n- Rounding money with floats is a gotcha \ud83d in `round_cents`.\n"
               f"`{rule}`")
    t = tmp_path / "surrogates.jsonl"
    t.write_text("\n".join([_line(message={"content": "fix the rounding \ud83d"}),
                            _line(type="assistant", message={"content": [{"type": "text", "text": insight}]})]) + "\n")
    r = gb.import_transcript(t, project="sample")
    assert r.session.summary == "fix the rounding \ufffd"
    [i] = r.insights.insights
    assert "gotcha \ufffd in" in i.content
    assert gb.check_memory_documents()["missing"] == []


def test_a_byte_order_mark_does_not_lose_the_first_line(gb, tmp_path):
    # editors on Windows save UTF-8 with a BOM: json.loads refused the first line, a one-line file entirely
    t = tmp_path / "bom.jsonl"
    t.write_bytes(b"\xef\xbb\xbf" + _line().encode() + b"\n")
    r = gb.import_transcript(t, project="sample")
    assert r.malformed == 0 and r.session.id == "cc-odd" and r.session.summary == "fix the rounding"


def test_reimport_for_another_project_is_refused_and_links_nothing_there(gb, repo, tmp_path):
    # the session (project sample) got TOUCHED edges to the other project's files and its insights
    import shutil

    shutil.copytree(repo, tmp_path / "other", ignore=shutil.ignore_patterns(".git"))
    gb.index(tmp_path / "other", project="other")
    gb.import_transcript(JSONL, project="sample")
    before = snapshot(gb)
    with pytest.raises(InvalidArgument, match=f"imported already as session '{SID}' of project 'sample', not 'other'"):
        gb.import_transcript(JSONL, project="other")
    assert snapshot(gb) == before
    assert gb.import_transcript(JSONL, project="sample").already_imported


def test_concurrent_imports_of_one_transcript_make_one_session(gb):
    # "imported before?" was read before the write transaction: two threads both CREATEd the session and the
    # second failed with Kùzu's duplicated primary key error
    reports = []
    errors = run_together(lambda i, k: reports.append(gb.import_transcript(JSONL, project="sample")))
    assert errors == []
    assert sorted(r.already_imported for r in reports) == [False, True, True, True]
    assert count(gb, "MATCH (s:Session) RETURN count(*) AS n") == 1


def test_search_by_session_finds_memories_seen_again_in_a_later_session(gb, tmp_path):
    # a documents row holds one session (the first); session_status listed the insights of the second session,
    # search(session_id=<second>) found none of them
    first = gb.import_transcript(JSONL, project="sample").session.id
    other = tmp_path / "other.jsonl"
    lines = [json.loads(x) for x in JSONL.read_text().splitlines() if x.startswith("{") and x.endswith("}")]
    other.write_text("\n".join(json.dumps({**x, "sessionId": "other-session"}) for x in lines) + "\n")
    second = gb.import_transcript(other, project="sample").session.id
    want = {m["id"] for m in gb.session_status(second)["memories"]}
    assert len(want) == 2
    for sid in (first, second):
        filters = {"session_id": sid, "kinds": ["insight"], "mode": "keyword"}
        page = gb.search("round_cents pricing", **filters)
        assert {h.id for h in page.hits} == want and page.total == 2
        assert gb.search_summary("round_cents pricing", **filters)["total"] == 2
    other_memory = gb.add_reflection("pricing notes kept outside any session", project="sample")
    assert other_memory.id not in {h.id for h in gb.search("pricing", session_id=second, mode="keyword").hits}


def test_a_transcript_without_timestamps_is_dated_by_its_file_and_reimports_unchanged(gb, tmp_path):
    # without any timestamp the session was dated "now": every re-import moved its end (and length) forward
    import os

    t = tmp_path / "undated.jsonl"
    t.write_text(_line(timestamp=None) + "\n")
    os.utime(t, (1_790_000_000, 1_790_000_000))           # 2026-09-21T14:13:20 UTC
    first = gb.import_transcript(t, project="sample").session
    again = gb.import_transcript(t, project="sample").session
    assert first.started_at == first.ended_at == again.started_at == again.ended_at == "2026-09-21T14:13:20"
