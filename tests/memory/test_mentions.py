"""The mention finder on the sample project's real symbol table: unique matches only."""
from __future__ import annotations

import pytest

P = "sample:shop/core/pricing.py"


@pytest.fixture(scope="module")
def table(sample_gb):
    from graphbuddy.memory.store import MemoryStore

    return MemoryStore(sample_gb).symbols("sample")


def found(table, text):
    return {(m.label, m.id, m.how) for m in table.find_mentions(text)}


def test_paths_with_line_and_name(table):
    assert found(table, "see ./shop/core/pricing.py:18 and core/pricing.py:round_cents") == {
        ("File", P, "path"), ("Function", f"{P}:shop.core.pricing.apply_discount", "path_line"),
        ("Function", f"{P}:shop.core.pricing.round_cents", "path_symbol")}


def test_ambiguous_or_unknown_things_are_not_linked(table):
    assert found(table, "`__init__.py` and __init__.py, `__init__`, `missing()`, x.py, a.b.c, e.g. i.e.") == set()
    assert found(table, "pricing.py:999") == {("File", P, "path")}          # no definition spans line 999


def test_qualified_names_suffixes_and_backticks(table):
    got = found(table, "Order.total? `round_cents()` then shop.cli.main, and (Handler.create).")
    assert ("Function", f"{P}:shop.core.pricing.round_cents", "backtick") in got
    assert ("Function", "sample:shop/cli.py:shop.cli.main", "qualified") in got
    assert ("Function", "sample:shop/api/handlers.py:shop.api.handlers.Handler.create", "qualified") in got


def test_explicit_targets(table):
    assert table.resolve(P).id == P
    assert table.resolve(f"{P}:shop.core.pricing.round_cents").label == "Function"
    assert table.resolve("shop/core/pricing.py:apply_discount").id.endswith("apply_discount")
    assert table.resolve("Customer").label == "Class"
    assert table.resolve("__init__") is None and table.resolve("nothing_like_it") is None
