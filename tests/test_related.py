"""find_related_code: the first walk since the code changed asks Kùzu hop by hop, later ones use the edge
cache; both must give the same answers."""
from __future__ import annotations

import pytest

import graphbuddy
from graphbuddy import related


def _walk(gb, target, depth, *, direct: bool):
    cache = related._edge_cache(gb)
    cache.walked = not direct
    return [r.as_dict() for r in related.find_related(gb, target, ["all"], depth)]


def test_hop_by_hop_and_cached_walks_agree_on_every_symbol_and_file(project_copy, tmp_path):
    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        ids = [r["id"] for r in gb.cypher("MATCH (n) WHERE label(n) IN ['Function', 'Class', 'File'] "
                                          "RETURN n.id AS id ORDER BY id").rows()]
        assert len(ids) > 20
        found = 0
        for i in ids:
            target = related.resolve_target(gb, i, None)
            for depth in (1, 2, 3):
                direct = _walk(gb, target, depth, direct=True)
                assert direct == _walk(gb, target, depth, direct=False), (i, depth)
                found += len(direct)
        assert found > 100          # the walks reach things: not two empty lists agreeing


def test_the_first_walk_loads_no_cache_the_second_does(project_copy, tmp_path):
    """(After an index run, see tests/test_related_cache.py.)"""
    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        _, hits = gb.find_related_code("shop.core.pricing.apply_discount", relations=["called_by"])
        assert {h.qualified_name for h in hits} == {"shop.core.models.Order.total"}
        cache = related._edge_cache(gb)
        assert cache.walked and cache.edges == {}
        _, again = gb.find_related_code("shop.core.pricing.apply_discount", relations=["called_by"])
        assert [h.as_dict() for h in again] == [h.as_dict() for h in hits]
        assert set(cache.edges) == {"CALLS"}


def test_resolved_names_are_kept_until_the_code_changes(project_copy, tmp_path):
    from graphbuddy.errors import NotFound

    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        target, _ = gb.find_related_code("apply_discount")
        assert related._edge_cache(gb).targets[("apply_discount", None)] == target
        assert gb.find_callers("apply_discount")                  # answered from the kept resolution
        pricing = project_copy / "shop" / "core" / "pricing.py"
        pricing.write_text(pricing.read_text().replace("def apply_discount(", "def apply_rebate("))
        gb.index(project_copy, project="sample")
        assert related._edge_cache(gb).targets == {}              # a new code version starts empty
        with pytest.raises(NotFound):
            gb.find_related_code("apply_discount")
        assert gb.find_related_code("apply_rebate")[0].label.endswith("apply_rebate")


def test_a_misspelt_target_is_not_found_with_close_names_suggested(project_copy, tmp_path):
    """`related chek_index_path` said only "no file, function or class named ..." (found on the tour: a typo,
    or another case, left the user guessing); close names are suggested now, as for unknown query names."""
    from graphbuddy.errors import NotFound

    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        for typo in ("apply_discont", "Apply_Discount", "shop.core.pricing.apply_discont"):
            with pytest.raises(NotFound, match=r"named '.*'; did you mean apply_discount\?"):
                gb.find_related_code(typo)
        with pytest.raises(NotFound, match=r"named 'zzzzzz'$"):
            gb.find_callers("zzzzzz")
