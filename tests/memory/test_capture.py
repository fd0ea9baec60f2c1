"""capture_insights / list_insights / insight_stats on a real store."""
from __future__ import annotations

import pytest

from graphbuddy.errors import InvalidArgument, NotFound

from .conftest import documents, run_together


def block(text: str) -> str:
    return f"`★ Insight ─────────────`\n{text}\n`─────────────`\n"


TEXT = ("Intro.\n" + block("Per-row writes were the bottleneck; COPY is 100x faster for `round_cents` callers.")
        + "more\n" + block("Gotcha: `apply_discount` silently clamps percentages above 100.")
        + block("Plain remark without keywords."))


def test_capture_dedups_across_the_store_and_lists_with_filters(gb):
    first = gb.capture_insights(TEXT, project="sample")
    assert (first.found, first.new, first.known) == (3, 3, 0)
    again = gb.capture_insights(TEXT + block("One more, new."), project="sample")
    assert (again.found, again.new, again.known) == (4, 1, 3)
    assert len(gb.list_insights()) == 4 and len(gb.list_insights(limit=2)) == 2
    assert [i.type for i in gb.list_insights(type="gotcha")] == ["gotcha"]
    perf = gb.list_insights(project="sample", topic="performance")
    assert len(perf) == 1 and perf[0].type == "performance"
    assert perf[0].about == ("sample:shop/core/pricing.py:shop.core.pricing.round_cents",)
    docs = documents(gb)
    assert len(docs) == 4 and all(d["kind"] == "insight" and d["content_hash"] for d in docs.values())
    st = gb.insight_stats("sample")
    assert st["insights"] == 4 and st["types"]["general"] == 2 and st["linked_to_code"] == 2
    assert st["topics"]["performance"] == 1


def test_capture_without_blocks_or_text(gb):
    assert gb.capture_insights("no blocks here", project="sample").found == 0
    with pytest.raises(InvalidArgument, match="empty"):
        gb.capture_insights("   ")
    with pytest.raises(NotFound):
        gb.capture_insights(TEXT, project="nope")
    with pytest.raises(NotFound):
        gb.capture_insights(TEXT, session_id="nope")
    with pytest.raises(InvalidArgument):
        gb.list_insights(limit=0)
    assert not documents(gb)


def test_listing_insights_of_an_unknown_project_is_an_error_not_an_empty_list(gb):
    # a misspelt project gave [] (as if nothing was captured), while insight_stats said "unknown project"
    gb.capture_insights(TEXT, project="sample")
    with pytest.raises(NotFound, match="unknown project 'sampel'"):
        gb.list_insights(project="sampel")
    with pytest.raises(NotFound, match="unknown project 'sampel'"):
        gb.list_sessions(project="sampel")


def test_insight_without_project_links_no_code(gb):
    [i] = gb.capture_insights(block("About `round_cents` but no project given.")).insights
    assert i.project is None and i.about == ()


def test_concurrent_captures_of_the_same_insights_store_each_once(gb):
    # the "known?" read ran before the write transaction: two threads both CREATEd the same insight and the
    # second failed with Kùzu's duplicated primary key error
    def capture(_, k):                       # each round, the four threads capture the same block
        gb.capture_insights(block(f"Lesson {k}: flush the buffer before closing the file."), project="sample")

    errors = run_together(capture, rounds=10)
    assert errors == []
    assert len(gb.list_insights()) == 10 and len(documents(gb)) == 10
