"""`index --full` over a stored project, `project remove` and `rename` drop a project's code graph through
`load.drop_project_graph`, which either deletes its rows or rebuilds a rel table around the other projects' rows
(`REBUILD_KEPT_PER_DROPPED`): both ways must leave every other project's nodes and edges as they were, give
the graph a fresh index gives, keep the memory links, and roll back whole when the run fails."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.index import load

MULTI = Path(__file__).resolve().parent.parent / "fixtures" / "multi"
ORDER = ("common-lib", "auth-service", "user-service", "api-types", "web-client", "legacy-tool")
TOKENS = "auth-service:auth_service/tokens.py"
USER_API = "user-service:user_service/api.py"


@pytest.fixture(params=["delete rows", "rebuild tables"])
def drop_by(request, monkeypatch):
    """Forces one way; `.rebuilt` lists the rel tables rebuilt."""
    monkeypatch.setattr(load, "REBUILD_KEPT_PER_DROPPED", -1.0 if request.param == "delete rows" else 1e9)
    take_out = load._take_out_rel_table
    rebuilt = []

    def spy(graph, rel, *args):
        rebuilt.append(rel)
        return take_out(graph, rel, *args)

    monkeypatch.setattr(load, "_take_out_rel_table", spy)
    return type("DropBy", (), {"way": request.param, "rebuilt": rebuilt})


@pytest.fixture
def root(tmp_path) -> Path:
    shutil.copytree(MULTI, tmp_path / "multi")
    return tmp_path / "multi"


def index_all(gb, root: Path, order=ORDER) -> None:
    for name in order:
        gb.index(root / name, project=name)


def snapshot(gb) -> dict:
    """Every node and edge of the graph with its properties (times left out: they record when), and the schema
    of the code rel tables (a rebuilt table must come back the same)."""
    g = gb.graph
    out: dict = {}
    for _, name, kind, *_ in g.rows("CALL show_tables() RETURN *"):
        if name == "SchemaVersion":
            continue
        cols = [c[1] for c in g.rows(f"CALL table_info('{name}') RETURN *") if c[2] != "TIMESTAMP"]
        if kind == "NODE":
            out[name] = sorted(map(tuple, g.rows(f"MATCH (n:{name}) RETURN " + ", ".join(f"n.{c}" for c in cols))))
            continue
        out[name, "schema"] = (g.rows(f"CALL table_info('{name}') RETURN *"),
                               sorted(map(tuple, g.rows(f"CALL show_connection('{name}') RETURN *"))))
        for src, dst, *_ in g.rows(f"CALL show_connection('{name}') RETURN *"):
            out[name, src, dst] = sorted(map(tuple, g.rows(
                f"MATCH (a:{src})-[r:{name}]->(b:{dst}) RETURN a.id, b.id" + "".join(f", r.{c}" for c in cols))))
    return out


def without(snap: dict, project: str) -> dict:
    """The snapshot's rows that neither belong to `project` nor touch it (node id or `project`, edge ends)."""
    def theirs(row) -> bool:
        return not any(isinstance(v, str) and (v == project or v.startswith(project + ":")) for v in row[:2])

    return {k: rows if isinstance(k, tuple) and k[1] == "schema" else [r for r in rows if theirs(r)]
            for k, rows in snap.items()}


def add_memory(gb) -> None:
    gb.add_reflection("verify_token checks the signature first", project="auth-service",
                      about=["auth_service/tokens.py", "auth_service.tokens.verify_token"])
    gb.add_reflection("profile reads the token", project="user-service", about=["user_service.api.profile"])


def test_full_reindex_keeps_other_projects_and_equals_a_fresh_index(root, tmp_path, drop_by):
    with graphbuddy.open(tmp_path / "store") as gb:
        index_all(gb, root)
        add_memory(gb)
        before = snapshot(gb)
        assert any(r[0].startswith(USER_API) and r[1].startswith(TOKENS) for r in before["IMPORTS", "File", "File"])
        assert gb.index(root / "auth-service", project="auth-service", full=True).mode == "full"
        if drop_by.way == "delete rows":
            assert not drop_by.rebuilt
        else:                                       # single- and multi-pair tables (its edges and the others')
            assert {"CALLS", "DEFINES", "IMPORTS", "CONTAINS"} <= set(drop_by.rebuilt)
        assert snapshot(gb) == before               # same source: the same graph, links into it and out of it

        tokens = root / "auth-service" / "auth_service" / "tokens.py"
        tokens.write_text(tokens.read_text() + "\n\ndef revoke_token(token):\n    return verify_token(token)\n")
        assert gb.index(root / "auth-service", project="auth-service", full=True).mode == "full"
        after = snapshot(gb)
        assert without(after, "auth-service") == without(before, "auth-service")
        assert any("revoke_token" in r[0] for r in after["Function"])
        reflections = {r[1] for r in after["ABOUT", "Reflection", "Function"]}
        assert f"{TOKENS}:auth_service.tokens.verify_token" in reflections      # restored onto the new node

    with graphbuddy.open(tmp_path / "fresh") as fresh:
        index_all(fresh, root)
        add_memory(fresh)
        assert snapshot(fresh) == after


def test_remove_and_rename_leave_the_other_projects_as_a_store_without_that_project(root, tmp_path, drop_by):
    with graphbuddy.open(tmp_path / "store") as gb:
        index_all(gb, root)
        gb.remove_project("legacy-tool")
        gb.rename_project("common-lib", new="common")
        gb.rename_project("common", new="common-lib")
        gb.remove_project("web-client")
        kept = snapshot(gb)
    order = [p for p in ORDER if p not in ("legacy-tool", "web-client")]
    with graphbuddy.open(tmp_path / "fresh") as fresh:
        index_all(fresh, root, order)
        assert snapshot(fresh) == kept


def test_a_full_reindex_that_fails_after_dropping_the_graph_changes_nothing(root, tmp_path, drop_by, monkeypatch):
    with graphbuddy.open(tmp_path / "store") as gb:
        index_all(gb, root)
        add_memory(gb)
        before = snapshot(gb)

        def fail(*args, **kwargs):
            raise RuntimeError("interrupted")

        monkeypatch.setattr(load, "insert_edges", fail)
        with pytest.raises(RuntimeError, match="interrupted"):
            gb.index(root / "auth-service", project="auth-service", full=True)
        assert snapshot(gb) == before
        monkeypatch.undo()
        monkeypatch.setattr(load, "REBUILD_KEPT_PER_DROPPED", -1.0 if drop_by.way == "delete rows" else 1e9)
        assert gb.index(root / "auth-service", project="auth-service", full=True).mode == "full"
        assert snapshot(gb) == before
    with graphbuddy.open(tmp_path / "store") as gb:         # and on disk, reopened
        assert snapshot(gb) == before


def test_deltas_in_the_same_process_after_a_rebuild_reuse_their_statements_on_the_new_tables(root, tmp_path, drop_by):
    """The store caches prepared statements per connection; a rebuilt rel table is a new table under the same name."""
    tokens = root / "auth-service" / "auth_service" / "tokens.py"
    api = root / "user-service" / "user_service" / "api.py"
    with graphbuddy.open(tmp_path / "store") as gb:
        index_all(gb, root)
        for i in range(3):
            tokens.write_text(tokens.read_text() + f"\n\ndef extra_{i}(token):\n    return verify_token(token)\n")
            api.write_text(api.read_text() + f"\n\ndef more_{i}():\n    return extra_{i}(1)\n")
            assert gb.index(root / "auth-service", project="auth-service").mode == "delta"
            assert gb.index(root / "user-service", project="user-service").mode == "delta"
            assert gb.index(root / "auth-service", project="auth-service", full=True).mode == "full"
        got = snapshot(gb)
    with graphbuddy.open(tmp_path / "fresh") as fresh:
        index_all(fresh, root)
        assert snapshot(fresh) == got


def test_a_full_reindex_killed_after_rebuilding_the_tables_reopens_with_the_old_graph(root, tmp_path):
    store = tmp_path / "store"
    code = (f"import os, pathlib, graphbuddy\n"
            f"from graphbuddy.index import load\n"
            f"gb = graphbuddy.open({str(store)!r})\n"
            f"for name in {ORDER!r}:\n"
            f"    gb.index(pathlib.Path({str(root)!r}) / name, project=name)\n"
            f"load.REBUILD_KEPT_PER_DROPPED = 1e9\n"
            f"load.insert_edges = lambda *a, **k: os._exit(9)\n"
            f"gb.index(pathlib.Path({str(root)!r}) / 'auth-service', project='auth-service', full=True)\n")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    with graphbuddy.open(tmp_path / "fresh") as fresh:
        index_all(fresh, root)
        expected = snapshot(fresh)
    with graphbuddy.open(store) as gb:
        assert snapshot(gb) == expected
        assert gb.index(root / "auth-service", project="auth-service").mode == "full"     # marked dirty first
        assert snapshot(gb) == expected
