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


# Edits to the multi-project fixture that make and break cross-project links: (project, path, old, new).
MULTI_EDITS = [
    ("common-lib", "src/common_lib/log.py", "def get_logger(", "def make_logger("),
    ("common-lib", "src/common_lib/log.py", "def make_logger(", "def get_logger("),
    ("auth-service", "auth_service/tokens.py", None, "\n\ndef audit(t):\n    return get_logger('audit') or issue_token(t)\n"),
    ("auth-service", "auth_service/tokens.py", "def issue_token(", "def mint_token("),
    ("user-service", "user_service/api.py", None,
     "\nfrom auth_service.tokens import issue_token\n\n\ndef signup(u):\n    return issue_token(u)\n"),
    ("user-service", "user_service/api.py", "import common_lib.log as logs", "import logging as logs"),
    ("user-service", "user_service/api.py", "import logging as logs", "import common_lib.log as logs"),
    ("api-types", "src/index.ts", "export function parseUser(", "export function readUser("),
    ("api-types", "src/index.ts", "export function readUser(", "export function parseUser("),
    ("web-client", "src/app.ts", None, "\nexport function again(raw: any) {\n  return parseUser(raw);\n}\n"),
]


@pytest.mark.parametrize("seed", range(3))
def test_cross_project_relinks_reload_their_files_and_the_cache_equals_a_fresh_load(tmp_path, seed):
    rng = random.Random(seed)
    root = tmp_path / "multi"
    shutil.copytree(MULTI, root, ignore=shutil.ignore_patterns("__pycache__"))
    with graphbuddy.open(tmp_path / "s") as gb:
        index_all(gb, root)
        cache = _loaded(gb)
        history, relinks = [], 0
        for _ in range(10):
            project, path, old, new = rng.choice(MULTI_EDITS)
            target = root / project / path
            text = target.read_text()
            if old is None:
                target.write_text(text + new)
            elif old in text:
                target.write_text(text.replace(old, new))
            else:
                continue
            history.append((project, path, new.strip()[:30]))
            gb.index(root / project, project=project)
            relinks += any(not f.startswith(project + ":") for f in cache.rewritten)
            assert related._edge_cache(gb) is cache, f"the cache was dropped after {history}"
            assert _content(cache) == _fresh(gb), f"the reloaded cache differs from a fresh load after {history}"
        assert len(history) >= 5 and relinks > 0       # some runs rewrote another project's cross-project edges


def test_a_relink_by_a_no_change_run_reaches_the_cache(tmp_path):
    """A no-change run whose manifests changed relinks cross-project edges without stamping any project: the
    cache used to keep the old edges (nothing told it)."""
    root = tmp_path / "multi"
    shutil.copytree(MULTI, root, ignore=shutil.ignore_patterns("__pycache__"))
    with graphbuddy.open(tmp_path / "s") as gb:
        index_all(gb, root)
        cache = _loaded(gb)
        calls_before = _cross_calls(cache)
        assert any(t.startswith("common-lib:") for _, t in calls_before)
        manifest = root / "common-lib" / "pyproject.toml"
        manifest.write_text(manifest.read_text().replace('name = "common-lib"', 'name = "other-lib"'))
        assert gb.index(root / "common-lib", project="common-lib").mode == "unchanged"
        assert related._edge_cache(gb) is cache
        assert _content(cache) == _fresh(gb)
        assert not any(t.startswith("common-lib:") for _, t in _cross_calls(cache))


def _cross_calls(cache) -> set[tuple[str, str]]:
    return {(s, e[0]) for s, edges in cache.edges["CALLS"][0].items() for e in edges
            if s.split(":", 1)[0] != e[0].split(":", 1)[0]}
