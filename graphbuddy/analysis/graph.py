"""Graph analytics: hotspots (PageRank, personalised), import cycles, dependency layers, dead-code
candidates, the project dependency graph. Each returns a pandas DataFrame; `*_graph` functions return the
networkx graphs they are computed on, for notebooks.

PageRank runs on a scipy sparse matrix built straight from the Arrow edge table (networkx's own pagerank
builds the same matrix, but only after a Python-object graph that costs seconds on a million edges).
"""
from __future__ import annotations

import re

ENTRY_NAMES = frozenset({"main", "__main__", "setup", "teardown", "setUp", "tearDown", "handler", "app"})
_TEST_PATH = re.compile(r"(?:^|/)(?:tests?|spec|__tests__)(?:/|$)|(?:^|/)test_[^/]*$|_test\.[a-z]+$|\.(?:test|spec)\.[jt]sx?$")


def _table(gb, name: str, **params):
    _known(gb, params.get("project"))
    return gb.query(name, **params).arrow()


def _known(gb, project: str | None) -> None:
    """A misspelt project is an error (NotFound listing the known ones), not an empty result."""
    if project is not None:
        from ..errors import NotFound

        known = sorted(p["project"] for p in gb.projects())    # not gb.graph: gb may be the owner's client
        if project not in known:
            hint = f" (known: {', '.join(known[:10])})" if known else " (no project indexed yet)"
            raise NotFound(f"no project named '{project}'{hint}")


# -- graphs ----------------------------------------------------------------------------------------------
def call_graph(gb, project: str | None = None):
    import networkx as nx

    g = nx.DiGraph()
    t = _table(gb, "analysis.call_edges", project=project)
    g.add_edges_from(zip(t.column("source").to_pylist(), t.column("target").to_pylist()))
    return g


def import_graph(gb, project: str | None = None):
    import networkx as nx

    g = nx.DiGraph()
    t = _table(gb, "analysis.import_edges", project=project)
    g.add_edges_from(zip(t.column("source").to_pylist(), t.column("target").to_pylist()))
    return g


def project_graph(gb):
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_nodes_from(p["project"] for p in gb.projects())
    for r in gb.query("analysis.project_dependencies").rows():
        g.add_edge(r["source"], r["target"], type=r["type"], source=r["how"], description=r["description"])
    return g


def project_dependencies(gb):
    return gb.query("analysis.project_dependencies").df()


# -- PageRank --------------------------------------------------------------------------------------------
def pagerank(sources, targets, *, personalization: dict | None = None, alpha: float = 0.85,
             tol: float = 1e-8, max_iter: int = 100) -> dict:
    """Power iteration on a sparse column-stochastic matrix; dangling mass is spread like the teleport."""
    import numpy as np
    import scipy.sparse as sp

    nodes, inverse = np.unique(np.concatenate([np.asarray(sources, dtype=object), np.asarray(targets, dtype=object)]),
                               return_inverse=True)
    n = len(nodes)
    if n == 0:
        return {}
    src, dst = inverse[: len(sources)], inverse[len(sources):]
    m = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    m.sum_duplicates()
    out_deg = np.asarray(m.sum(axis=1)).ravel()
    inv = np.divide(1.0, out_deg, out=np.zeros(n), where=out_deg > 0)
    m = sp.diags(inv) @ m                        # row-stochastic; x @ m spreads rank along edges
    if personalization:
        index = {k: i for i, k in enumerate(nodes)}
        p = np.zeros(n)
        for k, v in personalization.items():
            if k in index:
                p[index[k]] = v
        p = p / p.sum() if p.sum() > 0 else np.full(n, 1.0 / n)
    else:
        p = np.full(n, 1.0 / n)
    dangling = out_deg == 0
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        prev = x
        x = alpha * (x @ m + x[dangling].sum() * p) + (1 - alpha) * p
        if np.abs(x - prev).sum() < n * tol:
            break
    return dict(zip(nodes.tolist(), x.tolist()))


def hotspots(gb, project: str | None = None, *, limit: int = 20, personalize: list[str] | None = None,
             include_imports: bool = True):
    """Functions and files ranked by PageRank over CALLS (+ IMPORTS) edges; `personalize` seeds a
    personalised PageRank (e.g. the functions an agent is editing)."""
    if limit < 1:                     # a negative slice bound would silently drop the last rows
        from ..errors import InvalidArgument

        raise InvalidArgument(f"limit must be at least 1, got {limit}")
    import pandas as pd

    calls = _table(gb, "analysis.call_edges", project=project)
    src, dst = calls.column("source").to_pylist(), calls.column("target").to_pylist()
    if include_imports:
        imps = _table(gb, "analysis.import_edges", project=project)
        src += imps.column("source").to_pylist()
        dst += imps.column("target").to_pylist()
    ranks = pagerank(src, dst, personalization={k: 1.0 for k in personalize} if personalize else None)
    unknown = sorted(set(personalize or ()) - set(ranks))
    if unknown:
        from ..errors import NotFound

        raise NotFound(f"seed(s) {', '.join(map(repr, unknown))}: no such node in the call and import graph"
                       f"{f' of {project!r}' if project else ''} (give node ids, as `related --json` shows them)")
    indeg: dict[str, int] = {}
    for t in dst:
        indeg[t] = indeg.get(t, 0) + 1
    rows = sorted(ranks.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return pd.DataFrame([{"id": k, "kind": "file" if k.count(":") == 1 else "function", "project": k.split(":", 1)[0],
                          "pagerank": v, "inbound": indeg.get(k, 0)} for k, v in rows],
                        columns=["id", "kind", "project", "pagerank", "inbound"])


# -- structure ----------------------------------------------------------------------------------------------
def import_cycles(gb, project: str | None = None, *, limit: int = 100):
    """Strongly connected groups of files importing each other, with one concrete cycle each."""
    import networkx as nx
    import pandas as pd

    g = import_graph(gb, project)
    rows = []
    for comp in sorted((c for c in nx.strongly_connected_components(g) if len(c) > 1), key=lambda c: (-len(c), min(c))):
        cycle = nx.find_cycle(g.subgraph(comp))
        rows.append({"files": sorted(comp), "size": len(comp), "cycle": [a for a, _ in cycle] + [cycle[0][0]]})
        if len(rows) >= limit:
            break
    return pd.DataFrame(rows, columns=["files", "size", "cycle"])


def dependency_layers(gb, *, level: str = "project", project: str | None = None):
    """Layer 0 depends on nothing (inside the graph); layer k depends only on layers < k. Cycles are
    condensed first: their members share one layer (`cycle` True)."""
    import networkx as nx
    import pandas as pd

    if level == "project":
        g = nx.DiGraph(project_graph(gb))
    elif level == "file":
        g = import_graph(gb, project)
    else:
        from ..errors import InvalidArgument

        raise InvalidArgument("level is 'project' or 'file'")
    cond = nx.condensation(g)
    layer: dict[int, int] = {}
    for c in reversed(list(nx.topological_sort(cond))):       # dependencies (edge targets) first
        layer[c] = 1 + max((layer[s] for s in cond.successors(c)), default=-1)
    rows = [{"node": n, "layer": layer[c], "cycle": len(cond.nodes[c]["members"]) > 1}
            for c in cond.nodes for n in cond.nodes[c]["members"]]
    return pd.DataFrame(sorted(rows, key=lambda r: (r["layer"], r["node"])), columns=["node", "layer", "cycle"])


def dead_code(gb, project: str | None = None):
    """Functions nobody calls that are not exported and not entry points (module bodies, constructors,
    dunder methods, main/handlers, tests): candidates for deletion, to be checked by a human."""

    _known(gb, project)
    df = gb.query("analysis.functions", project=project).df()
    if df.empty:
        return df
    name = df["name"].astype(str)
    keep = ((df["callers"] == 0) & ~df["exported"].fillna(False).astype(bool)
            & ~df["kind"].isin(["module", "constructor"])
            & ~name.str.match(r"^__\w+__$") & ~name.isin(ENTRY_NAMES) & ~name.str.startswith("test")
            & ~df["path"].astype(str).str.contains(_TEST_PATH))
    return df[keep].drop(columns=["callers"]).sort_values(["project", "path", "start_line"]).reset_index(drop=True)
