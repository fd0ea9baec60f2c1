"""`make demo` (graphbuddy.demo) on a store that already holds a `graphbuddy` project from another checkout."""
from __future__ import annotations

from pathlib import Path

import graphbuddy
from graphbuddy import demo

REPO = Path(demo.__file__).resolve().parent.parent


def test_project_name_is_free_or_already_this_checkout():
    here = str(REPO)
    assert demo.project_name(REPO, {}) == "graphbuddy"
    assert demo.project_name(REPO, {"graphbuddy": here}) == "graphbuddy"
    taken = {"graphbuddy": "/elsewhere", f"graphbuddy-{REPO.name}": "/another"}
    assert demo.project_name(REPO, taken) == f"graphbuddy-{REPO.name}-2"
    assert demo.project_name(REPO, {**taken, f"graphbuddy-{REPO.name}-2": here}) == f"graphbuddy-{REPO.name}-2"
    # indexed under a later name, then the first name freed: the name it has (a second name is refused)
    assert demo.project_name(REPO, {f"graphbuddy-{REPO.name}": here}) == f"graphbuddy-{REPO.name}"


def test_demo_runs_beside_another_checkouts_project(tmp_path, monkeypatch, capsys):
    store = tmp_path / "store"
    other = tmp_path / "other"
    other.mkdir()
    (other / "m.py").write_text("def f():\n    return 1\n")
    with graphbuddy.open(store) as gb:
        gb.index(other, project="graphbuddy")
    monkeypatch.setenv("GRAPHBUDDY_HOME", str(store))
    assert demo.run() == 0
    out = capsys.readouterr().out
    name = f"graphbuddy-{REPO.name}"
    assert f"--project {name}" in out
    assert "graphbuddy.index.pipeline._index_project" in out      # the related-code answer names a callee
    with graphbuddy.open(store) as gb:
        roots = {p["project"]: p["root"] for p in gb.projects()}
    assert roots == {"graphbuddy": str(other.resolve()), name: str(REPO)}   # the other project untouched
