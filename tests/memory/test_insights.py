"""The insight block extractor: what it accepts, what it refuses, how it classifies."""
from __future__ import annotations

import pytest

from graphbuddy.memory.insights import MAX_BODY, classify, content_id, extract_insights

CANON = ("Some text before.\n"
         "`★ Insight ─────────────────────────────────────`\n"
         "- Kùzu allows one write transaction at a time, so writes must be serialized.\n"
         "- A second writer fails immediately instead of waiting.\n"
         "`─────────────────────────────────────────────────`\n"
         "Text after.")


def test_canonical_block_is_found_with_its_body_only():
    [b] = extract_insights(CANON)
    assert b.content == ("- Kùzu allows one write transaction at a time, so writes must be serialized.\n"
                         "- A second writer fails immediately instead of waiting.")
    assert b.id == content_id(b.content) and len(b.id) == 64
    assert b.confidence == 0.95 and b.offset == CANON.index("★")


@pytest.mark.parametrize("text", [
    "★ Insight ───\nplain rules without backticks are fine here\n───\n",
    "  `★  Insight  ──────────────────────────────────────────────────────────────────`  \n"
    "indented, extra spaces, very long rule\n  `───────`  \n",
    "> ★ Insight ─────\n> quoted in markdown still counts as one\n> ─────────────\n",
    "★ Insight ─────\r\nwindows line endings are tolerated too\r\n─────\r\n",
    "**★ Insight ─────**\nbold opener\n─────\n",
    "**★ Insight ─────**\nbold opener and bold closing rule (was refused)\n**─────**\n",
])
def test_tolerated_variants(text):
    [b] = extract_insights(text)
    assert b.content and "─" not in b.content and "★" not in b.content


@pytest.mark.parametrize("text", [
    "★ Insight ─────\nno closing rule at all, so nothing is invented\n",                 # unclosed
    "★ Insight\nno rule on the opening line\n─────\n",                                   # no opening rule
    "`★ Insight ─────`\n[2-3 key educational points]\n`─────`\n",                        # the template placeholder
    "`★ Insight ─────`\n\n`─────`\n",                                                    # empty
    "★ Insight ─────\nfirst opener never closed\n★ Insight ─────\n",                     # ★ inside the body
    "★ Insight ─────\n" + "x" * (MAX_BODY + 10) + "\n─────\n",                           # too long
    "★ Insight ─────\nshort rule below does not close: --\n--\n",                        # ASCII dashes
])
def test_refused_forms(text):
    assert extract_insights(text) == []


def test_unclosed_block_does_not_swallow_the_next_one():
    text = "★ Insight ─────\nabandoned\n\n`★ Insight ─────`\nthe real one is kept\n`─────`\n"
    assert [b.content for b in extract_insights(text)] == ["the real one is kept"]


def test_many_blocks_in_order_and_duplicates_once():
    one = "`★ Insight ─────`\nAlpha point about caching results.\n`─────`\n"
    two = "`★ Insight ─────`\nBeta   point\nabout locks.\n`─────`\n"
    again = "`★ Insight ─────`\nBeta point about locks.\n`─────`\n"          # same after whitespace folding
    found = extract_insights("intro\n" + one + "middle\n" + two + "x\n" + again)
    assert [b.content.split()[0] for b in found] == ["Alpha", "Beta"]


@pytest.mark.parametrize("text, kind, topic", [
    ("Never interpolate user input into SQL: that is an injection vulnerability; use parameters.", "security",
     "database"),
    ("Batching the COPY made loading 40x faster; per-row writes were the bottleneck.", "performance", "performance"),
    ("Gotcha: the second Database object silently loses writes.", "gotcha", None),
    ("We chose DuckDB rather than SQLite for the vectors, a trade-off on file size.", "decision", "database"),
    ("Each stage is one module: a pipeline pattern with frozen records between layers.", "pattern", None),
    ("The function returns a list of names.", "general", None),
])
def test_type_and_topics_from_keywords(text, kind, topic):
    got_kind, topics, _ = classify(text)
    assert got_kind == kind
    if topic:
        assert topic in topics


def test_keywords_match_at_word_starts_only():
    assert "build" not in classify("Handler.create builds the order first")[1]
    assert classify("a rebuild of the cache")[0] == "general"
