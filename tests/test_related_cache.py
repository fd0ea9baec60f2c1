"""find_related_code's edge cache across index runs: a delta of this process reloads only the files it rewrote,
and the cache it leaves must equal one loaded from scratch; any other change of the code starts a new cache."""
from __future__ import annotations

import random
import shutil

import pytest

import graphbuddy
from graphbuddy import related
from tests.index.test_delta import random_edit
from tests.projects.conftest import MULTI, ORDER, index_all


def _loaded(gb) -> related._EdgeCache:
    """The cache with every relation loaded, as a process that walks more than once has it."""
    cache = related._edge_cache(gb)
    cache.walked = True
    for label in ("CALLS", "IMPORTS", "INHERITS"):
        cache.adjacency(gb, label)
    return cache


def _content(cache: related._EdgeCache) -> tuple:
    edges = {label: tuple({k: sorted(v, key=repr) for k, v in side.items()} for side in pair)
             for label, pair in cache.edges.items()}
    return edges, dict(cache.nodes), {f: set(ids) for f, ids in cache.in_file.items()}


def _fresh(gb) -> tuple:
    """What a cache loaded from scratch holds (built aside: `gb`'s own cache is left as it is)."""
    cache = related._EdgeCache()
    for label in ("CALLS", "IMPORTS", "INHERITS"):
        cache.adjacency(gb, label)
    return _content(cache)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("web", [False, True])
def test_a_delta_reloads_the_files_it_rewrote_and_the_cache_equals_a_fresh_load(project_copy, tmp_path, seed, web):
    rng = random.Random(seed + (500 if web else 0))
    tick = [1000]
    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        cache = _loaded(gb)
        assert sum(len(out) for out, _ in cache.edges.values()) > 20
        _resolve_names(gb, cache, rng)
        history = []
        checked = kept = 0
        for step in range(10):
            history.append(random_edit(project_copy, rng, tick, web=web))
            assert gb.index(project_copy, project="sample").mode in ("delta", "unchanged")
            if rng.random() < 0.3 and step < 9:
                continue          # no walk in between: the next one reloads both runs' files at once
            assert related._edge_cache(gb) is cache, f"a delta dropped the cache after {history}"
            assert _content(cache) == _fresh(gb), f"the reloaded cache differs from a fresh load after {history}"
            for key, target in cache.targets.items():        # the resolved names it kept still resolve so
                assert target == related._lookup_target(gb, *key), f"{key} after {history}"
            kept += len(cache.targets)
            checked += 1
            _resolve_names(gb, cache, rng)
        assert checked >= 3 and kept > 0


def _resolve_names(gb, cache, rng) -> None:
    """Resolve 40 of the names, qualified names, paths and path endings the graph holds now, into the cache."""
    rows = gb.cypher("MATCH (n) WHERE label(n) IN ['Function', 'Class'] RETURN n.name AS a, n.qualified_name AS b "
                     "UNION MATCH (f:File) RETURN f.path AS a, f.id AS b").rows()
    texts = sorted({t for r in rows for t in r.values() if t} | {r["a"].rsplit("/", 1)[-1] for r in rows if r["a"]})
    for text in rng.sample(texts, min(40, len(texts))):
        try:
            related.resolve_target(gb, text, rng.choice([None, "sample"]), cache=cache)
        except (graphbuddy.errors.NotFound, graphbuddy.errors.InvalidArgument):
            pass
    assert len(cache.targets) > 10


def test_walks_after_a_delta_use_the_refreshed_cache_and_answer_as_the_graph_does(project_copy, tmp_path):
    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        for _ in range(2):      # the second walk loads the cache
            _, hits = gb.find_related_code("shop.core.pricing.apply_discount", relations=["called_by"])
        cache = related._edge_cache(gb)
        assert {h.qualified_name for h in hits} == {"shop.core.models.Order.total"}
        assert set(cache.edges) == {"CALLS"}
        (project_copy / "shop" / "core" / "audit.py").write_text(
            "from shop.core.pricing import apply_discount\n\n\ndef audit(order):\n    return apply_discount(order, 1)\n")
        report = gb.index(project_copy, project="sample")
        assert report.mode == "delta" and report.rewritten == ["shop/core/audit.py"]
        assert cache.rewritten == {"sample:shop/core/audit.py": "shop/core/audit.py"}     # loaded at the next walk
        _, after = gb.find_related_code("shop.core.pricing.apply_discount", relations=["called_by"])
        assert related._edge_cache(gb) is cache and cache.walked and not cache.rewritten
        assert {h.qualified_name for h in after} == {"shop.core.models.Order.total", "shop.core.audit.audit"}
        assert {h.file for h in after} == {"sample:shop/core/models.py", "sample:shop/core/audit.py"}

        (project_copy / "shop" / "core" / "audit.py").unlink()
        gb.index(project_copy, project="sample")
        _, gone = gb.find_related_code("shop.core.pricing.apply_discount", relations=["called_by"])
        assert related._edge_cache(gb) is cache
        assert {h.qualified_name for h in gone} == {"shop.core.models.Order.total"}
        assert not any(i.startswith("sample:shop/core/audit.py") for i in cache.nodes)


def test_code_changed_by_anything_but_a_delta_of_this_process_starts_a_new_cache(project_copy, tmp_path):
    with graphbuddy.open(tmp_path / "s") as gb:
        gb.index(project_copy, project="sample")
        cache = _loaded(gb)
        gb.index(project_copy, project="sample", full=True)
        assert related._edge_cache(gb) is not cache and related._edge_cache(gb).edges == {}

        cache = _loaded(gb)
        pricing = project_copy / "shop" / "core" / "pricing.py"
        pricing.write_text(pricing.read_text() + "\n\ndef extra():\n    return apply_discount(1, 2)\n")
        gb.index(project_copy, project="sample")
        # a second handle (another process, as far as this one's cache knows) indexes the next change
        pricing.write_text(pricing.read_text() + "\n\ndef more():\n    return extra()\n")
        other = graphbuddy.open(tmp_path / "s")
        try:
            assert other.index(project_copy, project="sample").mode == "delta"
        finally:
            other.close()
        fresh = related._edge_cache(gb)
        assert fresh is not cache and fresh.edges == {}
        _, hits = gb.find_related_code("shop.core.pricing.extra", relations=["called_by"])
        assert {h.qualified_name for h in hits} == {"shop.core.pricing.more"}


def test_rewritten_cross_project_links_start_a_new_cache(tmp_path):
    root = tmp_path / "multi"
    shutil.copytree(MULTI, root)
    with graphbuddy.open(memory=True) as gb:
        index_all(gb, root)
        cache = _loaded(gb)
        crossing = gb.cypher("MATCH (f:File)-[:DEFINES]->(a:Function)-[:CALLS]->(b:Function) "
                             "WHERE a.project <> b.project RETURN f.path AS file, a.project AS project LIMIT 1").rows()
        assert crossing, "the fixture has cross-project calls"
        source = root / crossing[0]["project"] / crossing[0]["file"]
        source.write_text(source.read_text() + "\n\ndef _added():\n    return 1\n")
        report = gb.index(root / crossing[0]["project"], project=crossing[0]["project"])
        assert report.mode == "delta"
        assert related._edge_cache(gb) is not cache
        assert _content(_loaded(gb)) == _fresh(gb)
        assert set(ORDER) <= {r["project"] for r in gb.query("code.index_stamps").rows()}
