"""A re-index in a new process (the CLI's case): a no-change run answers from DuckDB alone, without opening
the graph, and still sees every change, refuses another root under the same name, and rebuilds a damaged or
interrupted store."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.errors import IndexingError

REPO = Path(__file__).resolve().parents[2]


def index_cold(store: Path, root: Path, project: str = "sample") -> tuple:
    """Index with a new GraphBuddy (no process cache, graph not open yet); the report and whether the run
    had to open the graph."""
    with graphbuddy.open(store) as gb:
        report = gb.index(root, project=project)
        return report, gb.graph.is_open


@pytest.fixture
def indexed(tmp_path, project_copy) -> tuple[Path, Path]:
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        assert gb.index(project_copy, project="sample").mode == "full"
    return store, project_copy


def files_in_graph(store: Path, project: str = "sample") -> set[str]:
    with graphbuddy.open(store) as gb:
        return {r["p"] for r in gb.cypher("MATCH (f:File {project: $p}) RETURN f.path AS p", p=project).rows()}


def test_a_no_change_run_never_opens_the_graph(indexed):
    store, root = indexed
    report, opened = index_cold(store, root)
    assert report.mode == "unchanged" and report.files_total == len(files_in_graph(store)) > 0
    assert not opened


def test_a_no_change_cli_process_imports_neither_kuzu_nor_pyarrow_nor_pandas(indexed):
    """Nor the stages it does not run (parse, facts, resolve, code documents: ~25 ms of imports)."""
    store, root = indexed
    code = ("import io, contextlib, json, sys\nfrom graphbuddy.cli import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            f"    rc = main(['index', {str(root)!r}, '--project', 'sample', '--store', {str(store)!r}, '--json'])\n"
            "print(json.dumps([rc, json.loads(out.getvalue())['mode'],"
            " sorted(m for m in ('kuzu', 'pyarrow', 'pandas', 'tree_sitter', 'graphbuddy.index.parse',"
            " 'graphbuddy.index.facts', 'graphbuddy.index.resolve', 'graphbuddy.search.documents')"
            " if m in sys.modules)]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [0, "unchanged", []]


def test_edits_deletions_and_config_changes_are_seen_by_a_cold_run(indexed):
    store, root = indexed
    pricing = root / "shop" / "core" / "pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef cold_added():\n    return 1\n")
    report, _ = index_cold(store, root)
    assert (report.mode, report.files_parsed) == ("delta", 1)
    with graphbuddy.open(store) as gb:
        assert gb.cypher("MATCH (f:Function {name: 'cold_added'}) RETURN count(*) AS n").rows() == [{"n": 1}]

    (root / "shop" / "cli.py").unlink()
    report, _ = index_cold(store, root)
    assert (report.mode, report.files_deleted) == ("delta", 1)
    assert "shop/cli.py" not in files_in_graph(store)

    tsconfig = root / "web" / "tsconfig.json"
    tsconfig.write_text(tsconfig.read_text().rstrip() + "\n// a comment changes nothing but the text\n")
    report, _ = index_cold(store, root)
    assert report.mode == "delta" and report.files_reresolved == report.files_total   # config: re-resolve all

    report, opened = index_cold(store, root)
    assert (report.mode, opened) == ("unchanged", False)


def test_an_unchanged_copy_elsewhere_is_refused_under_the_same_name(indexed, tmp_path):
    """Same relative paths, mtimes and sizes (copy2 keeps them): only the root tells the two apart."""
    store, root = indexed
    copy = tmp_path / "elsewhere" / "sample"
    shutil.copytree(root, copy)
    with pytest.raises(IndexingError, match="already indexed from"):
        index_cold(store, copy)
    assert index_cold(store, root)[0].mode == "unchanged"


def test_a_deleted_graph_file_means_a_full_rebuild(indexed):
    store, root = indexed
    expected = files_in_graph(store)
    for name in ("graph.kuzu", "graph.kuzu.wal"):
        (store / name).unlink(missing_ok=True)
    report, opened = index_cold(store, root)
    assert report.mode == "full" and opened
    assert files_in_graph(store) == expected


def test_a_graph_recreated_by_another_command_first_still_means_a_full_rebuild(indexed):
    """The graph file is there again, but new: DuckDB's copies of the roots no longer describe it."""
    store, root = indexed
    expected = files_in_graph(store)
    for name in ("graph.kuzu", "graph.kuzu.wal"):
        (store / name).unlink(missing_ok=True)
    with graphbuddy.open(store) as gb:
        assert gb.projects() == []             # any command that opens the graph creates a new, empty one
    report, _ = index_cold(store, root)
    assert report.mode == "full"
    assert files_in_graph(store) == expected


def test_an_interrupted_run_left_dirty_means_a_full_rebuild(indexed):
    store, root = indexed
    with graphbuddy.open(store) as gb:     # what a run killed between its two stores leaves behind
        gb.analytics.execute("UPDATE index_state SET dirty = TRUE WHERE project = 'sample'")
    report, _ = index_cold(store, root)
    assert report.mode == "full"
    report, opened = index_cold(store, root)
    assert (report.mode, opened) == ("unchanged", False)


def test_a_store_without_the_recorded_root_opens_the_graph_once(indexed):
    """Stores indexed before the root was kept in DuckDB: the first no-change run asks the graph and records it."""
    store, root = indexed
    with graphbuddy.open(store) as gb:
        gb.analytics.execute("DELETE FROM meta WHERE key = 'root:sample'")
    assert [(r.mode, opened) for r, opened in (index_cold(store, root), index_cold(store, root))] == \
        [("unchanged", True), ("unchanged", False)]


def test_remove_and_rename_carry_the_recorded_root(indexed, tmp_path):
    store, root = indexed
    with graphbuddy.open(store) as gb:
        gb.rename_project("sample", new="shop2")
    report, opened = index_cold(store, root, project="shop2")
    assert (report.mode, opened) == ("unchanged", False)

    with graphbuddy.open(store) as gb:
        gb.remove_project("shop2")
    elsewhere = tmp_path / "elsewhere" / "sample"
    shutil.copytree(root, elsewhere)
    assert index_cold(store, elsewhere, project="shop2")[0].mode == "full"     # the old root is forgotten
    assert index_cold(store, elsewhere, project="shop2")[0].mode == "unchanged"
    with pytest.raises(IndexingError, match="already indexed from"):
        index_cold(store, root, project="shop2")


def test_an_empty_graph_file_means_a_full_rebuild(indexed):
    """A crash while the graph file was being created leaves it empty (0 bytes); Kùzu makes a new database in
    it, but only a missing file counted as new: the next index said 'unchanged' and the graph stayed empty."""
    store, root = indexed
    expected = files_in_graph(store)
    (store / "graph.kuzu.wal").unlink(missing_ok=True)
    (store / "graph.kuzu").write_bytes(b"")
    report, _ = index_cold(store, root)
    assert report.mode == "full"
    assert files_in_graph(store) == expected


def test_an_empty_graph_file_opened_by_another_command_first_means_a_full_rebuild(indexed):
    """The same, when any command opened the empty file first (Kùzu then writes a new database into it)."""
    store, root = indexed
    expected = files_in_graph(store)
    (store / "graph.kuzu.wal").unlink(missing_ok=True)
    (store / "graph.kuzu").write_bytes(b"")
    with graphbuddy.open(store) as gb:
        assert gb.projects() == []
    assert (store / "graph.kuzu").stat().st_size > 0
    report, _ = index_cold(store, root)
    assert report.mode == "full"
    assert files_in_graph(store) == expected


def test_a_new_store_creates_its_graph_while_the_parse_workers_run(tmp_path, project_copy, monkeypatch):
    """Creating the graph file and its schema (~0.15-0.2 s) no longer delays the parse workers of a new store's
    first index: nothing is in a graph that does not exist yet, so the run asks it nothing before they start."""
    from graphbuddy.index import parse
    from graphbuddy.store.graph import GraphStore

    events = []
    real_extract, real_open = parse.extract_all, GraphStore.open

    def extract_all(*args, **kwargs):
        events.append("parse")
        yield from real_extract(*args, **kwargs)

    def open_graph(self):
        if not self.is_open:
            events.append("graph")
        return real_open(self)

    monkeypatch.setattr(parse, "extract_all", extract_all)
    monkeypatch.setattr(GraphStore, "open", open_graph)
    report, opened = index_cold(tmp_path / "store", project_copy)
    assert report.mode == "full" and opened and events == ["parse", "graph"]
    # and a name already taken by this folder is still refused once the graph exists
    with pytest.raises(IndexingError, match="already indexed as project 'sample'"):
        index_cold(tmp_path / "store", project_copy, project="other")
