"""search_by_file: memories ABOUT a file, function or class, its members, callers and callees."""
from __future__ import annotations

import pytest

import graphbuddy
from graphbuddy.errors import InvalidArgument, NotFound

from .conftest import add_docs, add_reflection_node


def fid(gb, qualified):
    return gb.cypher("MATCH (f:Function {qualified_name: $q}) RETURN f.id AS id", q=qualified).rows()[0]["id"]


@pytest.fixture(scope="module")
def linked(sample_root):
    from graphbuddy.embedding import FakeEmbedder

    with graphbuddy.open(memory=True, model=FakeEmbedder()) as gb:
        gb.index(sample_root, project="sample")
        docs = add_docs(gb, {"content": "round_cents rounds half up, not banker's rounding", "id": "m-round"},
                        {"content": "Order.total must include discounts", "id": "m-total"},
                        {"content": "the pricing module is pure arithmetic", "id": "m-file"},
                        {"content": "an unrelated note", "id": "m-none"}, project="sample")
        add_reflection_node(gb, docs[0], [fid(gb, "shop.core.pricing.round_cents")])
        add_reflection_node(gb, docs[1], [fid(gb, "shop.core.models.Order.total")])
        add_reflection_node(gb, docs[2], ["sample:shop/core/pricing.py"])
        add_reflection_node(gb, docs[3], [])
        yield gb


def relations(result):
    return {m.id: m.relation for m in result.memories}


def test_memories_about_a_function_and_its_callers(linked):
    r = linked.search_by_file("shop.core.pricing.round_cents")
    assert relations(r)["m-round"] == "about"
    callers = {c["caller"] for c in linked.query("code.callers", id=fid(linked, "shop.core.pricing.round_cents")).rows()}
    assert "m-none" not in relations(r) and "m-file" not in relations(r)
    assert r.memories[0].id == "m-round"
    assert callers                      # the sample has callers of round_cents
    assert relations(linked.search_by_file("shop.core.pricing.total_price")) == {"m-total": "about_caller"}
    assert relations(linked.search_by_file("shop.core.pricing._line_total")) == {"m-round": "about_callee"}


def test_memories_about_a_file_include_its_members(linked):
    r = linked.search_by_file("shop/core/pricing.py")
    rel = relations(r)
    assert rel["m-file"] == "about" and rel["m-round"] == "about_member"
    assert [m.id for m in r.memories][:2] == ["m-file", "m-round"]
    assert r.missing_documents == 0 and "m-none" not in rel


def test_unknown_target(linked):
    with pytest.raises(NotFound):
        linked.search_by_file("no/such/file.py")


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_is_an_error(linked, limit):
    # out[:limit]: 0 returned nothing and -1 silently dropped the last memory
    with pytest.raises(InvalidArgument, match="limit must be at least 1"):
        linked.search_by_file("shop/core/pricing.py", limit=limit)
    assert len(linked.search_by_file("shop/core/pricing.py", limit=1).memories) == 1


def test_newest_first_does_not_depend_on_the_machine_time_zone(sample_root, monkeypatch):
    # created_at is naive UTC, but the sort read it with .timestamp(), as local time: where clocks spring
    # forward, 02:30 (a local time that never happened) came out later than 03:10 of the same night.
    import time
    from datetime import datetime

    from graphbuddy.embedding import FakeEmbedder

    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")      # Central Europe: 2026-03-29 02:00 -> 03:00
    time.tzset()
    try:
        with graphbuddy.open(memory=True, model=FakeEmbedder()) as gb:
            gb.index(sample_root, project="sample")
            docs = add_docs(gb, {"content": "a note on pricing", "id": "m-early",
                                 "created_at": datetime(2026, 3, 29, 2, 30)},
                            {"content": "a later note on pricing", "id": "m-late",
                             "created_at": datetime(2026, 3, 29, 3, 10)}, project="sample")
            for d in docs:
                add_reflection_node(gb, d, ["sample:shop/core/pricing.py"])
            assert [m.id for m in gb.search_by_file("shop/core/pricing.py").memories] == ["m-late", "m-early"]
    finally:
        monkeypatch.undo()
        time.tzset()
