"""networkx/scipy analytics on the multi-project graph and on small hand-made cycles."""
from __future__ import annotations

import networkx as nx
import pytest

from graphbuddy.analysis import graph as ga


def test_pagerank_matches_networkx():
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "c"), ("e", "d")]
    ours = ga.pagerank([a for a, _ in edges], [b for _, b in edges], tol=1e-10, max_iter=1000)
    ref = nx.pagerank(nx.DiGraph(edges), tol=1e-10, max_iter=1000)
    assert ours == pytest.approx(ref, abs=1e-6)
    pers = ga.pagerank([a for a, _ in edges], [b for _, b in edges], personalization={"e": 1.0}, tol=1e-10, max_iter=1000)
    assert pers == pytest.approx(nx.pagerank(nx.DiGraph(edges), personalization={"e": 1.0}, tol=1e-10, max_iter=1000), abs=1e-6)


def test_hotspots_rank_shared_code_first(multi_gb):
    df = ga.hotspots(multi_gb, limit=5)
    top = df["id"].tolist()
    assert "auth-service:auth_service/tokens.py:auth_service.tokens.verify_token" in top[:3]
    assert list(df.columns) == ["id", "kind", "project", "pagerank", "inbound"]
    seeded = ga.hotspots(multi_gb, personalize=["web-client:src/app.ts:src/app.loadUser"], limit=4)
    assert set(seeded["project"]) <= {"web-client", "api-types"}
    # a seed that is no node of the graph (a typo) gave the unseeded ranking, as if no seed had been given
    # (found: `graphbuddy hotspots --seed nope` on the tour)
    from graphbuddy.errors import NotFound

    with pytest.raises(NotFound, match="'web-client:src/app.ts:src/app.loadUsr'"):
        ga.hotspots(multi_gb, personalize=["web-client:src/app.ts:src/app.loadUser",
                                           "web-client:src/app.ts:src/app.loadUsr"])


def test_layers_and_project_graph(multi_gb):
    layers = ga.dependency_layers(multi_gb).set_index("node")["layer"].to_dict()
    assert layers["common-lib"] == 0 and layers["auth-service"] == 1 and layers["user-service"] == 2
    g = ga.project_graph(multi_gb)
    assert g.has_edge("user-service", "auth-service")
    multi_gb.add_dependency("common-lib", on="user-service", type="references")
    cyc = ga.dependency_layers(multi_gb).set_index("node")
    assert cyc.loc["common-lib", "cycle"] and cyc.loc["common-lib", "layer"] == cyc.loc["user-service", "layer"]


def test_import_cycles_and_dead_code(tmp_path):
    import graphbuddy

    pkg = tmp_path / "cyc" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import g\n\ndef f():\n    return g()\n\ndef _unused():\n    return 1\n")
    (pkg / "b.py").write_text("from pkg.a import f\n\ndef g():\n    return 2\n\ndef main():\n    return f()\n")
    with graphbuddy.open(memory=True) as gb:
        gb.index(tmp_path / "cyc", project="cyc")
        cycles = ga.import_cycles(gb)
        assert cycles["files"].tolist() == [["cyc:pkg/a.py", "cyc:pkg/b.py"]]
        dead = ga.dead_code(gb, "cyc")["qualified_name"].tolist()
        assert dead == ["pkg.a._unused"]


def test_an_unknown_project_is_an_error_not_an_empty_result(multi_gb):
    """`graphbuddy hotspots --project typo` printed 'no edges' and exited 0."""
    from graphbuddy.errors import NotFound

    for fn in (ga.hotspots, ga.import_cycles, ga.dead_code, ga.call_graph, ga.import_graph):
        with pytest.raises(NotFound, match="no project named 'nope'"):
            fn(multi_gb, "nope")
    assert len(ga.hotspots(multi_gb, "auth-service")) > 0


@pytest.mark.parametrize("limit", [0, -1])
def test_hotspots_limit_below_one_is_refused(multi_gb, limit):
    """`graphbuddy hotspots --limit -1` printed every hotspot but the last (a Python slice [:-1]) and
    `--limit 0` printed 'no edges', both with exit 0."""
    from graphbuddy.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="limit must be at least 1"):
        ga.hotspots(multi_gb, limit=limit)
