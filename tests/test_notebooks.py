"""The notebooks run top to bottom (any cell error fails), and the magics behave in a real IPython shell."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory) -> str:
    """A kernelspec for this interpreter in a private JUPYTER_PATH: nothing installed globally."""
    import os

    path = tmp_path_factory.mktemp("jupyter")
    spec = path / "kernels" / "graphbuddy-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "graphbuddy test", "language": "python",
        "env": {"PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
                "MPLBACKEND": "module://matplotlib_inline.backend_inline"}}))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(path) + (os.pathsep + old if old else "")
    yield "graphbuddy-test"
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def test_there_are_three_notebooks():
    assert {p.stem for p in NOTEBOOKS} == {"code_graph_tour", "cross_project", "work_analytics"}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, kernel_name):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name=kernel_name, timeout=120,
                   resources={"metadata": {"path": str(path.parent)}}).execute()   # raises on any cell error
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "a figure was drawn"
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) >= 5, "DataFrames are shown as tables"


@pytest.fixture(scope="module")
def shell(sample_gb):
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "graphbuddy.notebook")
    ip.user_ns.update(gb=sample_gb, project="sample", limit=2)
    ip.run_line_magic("graphbuddy_store", "gb")
    return ip


def test_cypher_magic_takes_notebook_variables_and_assigns_outputs(shell):
    frame = shell.run_cell_magic("cypher", "-o hot -r hot_result", """
        // $ignored in a comment, and '$also' in a string
        MATCH (g:Function)-[:CALLS]->(f:Function {project: $project}) WHERE f.name <> '$also'
        RETURN f.qualified_name AS function, count(DISTINCT g) AS callers ORDER BY callers DESC LIMIT $limit""")
    assert list(frame.columns) == ["function", "callers"] and len(frame) == 2
    assert shell.user_ns["hot"].equals(frame)
    assert shell.user_ns["hot_result"].rows() == frame.to_dict("records")


def test_sql_magic_and_quiet_mode(shell):
    assert shell.run_cell_magic("sql", "-q -o runs", "SELECT kind, count(*) AS n FROM events "
                                "WHERE project = $project GROUP BY kind") is None
    assert shell.user_ns["runs"].to_dict("records") == [{"kind": "index", "n": 1}]


@pytest.mark.parametrize("magic, line, cell, message", [
    ("sql", "", "DELETE FROM events", "read-only"),
    ("cypher", "", "MATCH (m:Module) DETACH DELETE m", "read-only"),
    ("sql", "", "SELECT $nowhere", r"no notebook variable for parameter\(s\) \$nowhere"),
    ("cypher", "-o 1bad", "RETURN 1", "wants a Python variable name"),
    ("cypher", "--bogus", "RETURN 1", "unknown option"),
])
def test_magic_errors_are_one_line_usage_errors(shell, magic, line, cell, message):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match=message):
        shell.run_cell_magic(magic, line, cell)


def test_magic_opens_a_store_by_path_lazily(shell, tmp_path):
    import graphbuddy

    with graphbuddy.open(tmp_path / "s") as gb:
        gb.analytics.execute("INSERT INTO events (ts, kind) VALUES (now(), 'probe')")
    frame = shell.run_cell_magic("sql", f"--store {tmp_path / 's'}", "SELECT kind FROM events")
    assert frame.to_dict("records") == [{"kind": "probe"}]


def test_magic_parameters_named_like_the_librarys_own_arguments(shell):
    """A cell using $text or $max_rows: gb.cypher(cell, text=...) raised TypeError ('multiple values')."""
    shell.user_ns.update(text="hi", max_rows=3)
    frame = shell.run_cell_magic("cypher", "", "RETURN $text AS t, $max_rows AS m")
    assert frame.to_dict("records") == [{"t": "hi", "m": 3}]
    frame = shell.run_cell_magic("sql", "", "SELECT $text AS t, $max_rows AS m")
    assert frame.to_dict("records") == [{"t": "hi", "m": 3}]


@pytest.fixture
def owner_store(tmp_path, monkeypatch):
    """A store served by an owner process (what a running MCP session leaves), stopped afterwards."""
    import os
    import signal
    import time

    import graphbuddy
    from graphbuddy.owner import discovery

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("GRAPHBUDDY_ALLOWED_ROOTS", str(tmp_path))
    monkeypatch.setenv("FASTMCP_CHECK_FOR_UPDATES", "off")
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.analytics.execute("INSERT INTO events (ts, kind) VALUES (now(), 'probe')")
    client = graphbuddy.connect(store)
    yield store, client
    info = discovery.read_owner(store)
    if info and discovery.pid_alive(info["pid"]):
        os.kill(info["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 20
        while discovery.pid_alive(info["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.mark.slow
def test_magics_use_the_owner_when_one_serves_the_store(shell, owner_store, tmp_path, monkeypatch):
    """`%%sql --store S` while an owner ran failed with "store is in use by another process", and
    `%graphbuddy_store client` (client = graphbuddy.connect()) silently created an empty store named 'client'
    in the cwd and queried it."""
    store, client = owner_store
    frame = shell.run_cell_magic("sql", f"--store {store}", "SELECT kind FROM events")
    assert frame.to_dict("records") == [{"kind": "probe"}]
    monkeypatch.chdir(tmp_path)
    shell.user_ns["client"] = client
    try:
        shell.run_line_magic("graphbuddy_store", "client")
        frame = shell.run_cell_magic("sql", "", "SELECT kind FROM events")
    finally:
        shell.run_line_magic("graphbuddy_store", "gb")
    assert frame.to_dict("records") == [{"kind": "probe"}]
    assert not (tmp_path / "client").exists()


def test_graphbuddy_store_of_a_variable_that_is_no_store_is_an_error(shell, tmp_path, monkeypatch):
    """A variable holding something else was taken as a folder name: a new empty store appeared there."""
    from IPython.core.error import UsageError

    monkeypatch.chdir(tmp_path)
    shell.user_ns["frame"] = [1, 2]
    try:
        with pytest.raises(UsageError, match="'frame' holds a list, not an open store"):
            shell.run_line_magic("graphbuddy_store", "frame")
        shell.user_ns["where"] = str(tmp_path / "s")          # a variable holding a path: that path
        shell.run_line_magic("graphbuddy_store", "where")
        assert shell.run_cell_magic("sql", "", "SELECT count(*) AS n FROM events").to_dict("records") == [{"n": 0}]
    finally:
        shell.run_line_magic("graphbuddy_store", "gb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_cypher_magic_passes_parameters_after_an_arrow(shell):
    """`-->` was read as a SQL comment: `$project` after it was not passed, ran as NULL, and the cell showed 0."""
    frame = shell.run_cell_magic("cypher", "", "MATCH (f:File)-->(g:Function) WHERE g.project = $project "
                                 "RETURN count(*) > 0 AS found")
    assert frame.to_dict("records") == [{"found": True}]
