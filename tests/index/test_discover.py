"""Discover outside git: relative POSIX paths at every depth, the root .gitignore applied to names and paths."""
from __future__ import annotations

from graphbuddy.index.discover import discover


def test_a_walk_outside_git_lists_nested_files_relative_to_the_root(tmp_path):
    root = tmp_path / "proj"
    for rel in ("a.py", "pkg/b.py", "pkg/deep/c.py", "pkg/deep/skip_me.py", "gen/d.py", "notes.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    (root / ".gitignore").write_text("gen/\npkg/deep/skip_*.py\n")
    found = discover(root)
    assert found.git_head is None
    assert sorted(found.files) == ["a.py", "pkg/b.py", "pkg/deep/c.py"]
    assert found.files["pkg/deep/c.py"].size == 6
    assert found.skipped["unsupported_language"] >= 1           # notes.txt (and .gitignore itself)


def test_a_folder_made_a_git_work_tree_after_a_walk_is_listed_by_git_again(tmp_path):
    """A process that walked a folder skips git on its next runs; after `git init` there, git's rules (here a
    nested .gitignore the walk does not read) must apply, as they do for a fresh full index."""
    import subprocess

    import graphbuddy
    from tests.conftest import graph_dump

    root = tmp_path / "proj"
    for rel in ("a.py", "sub/c.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("def f():\n    return 1\n")
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(root, project="p")
        (root / "sub/.gitignore").write_text("c.py\n")
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        gb.index(root, project="p")
        delta = graph_dump(gb, "p")
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(root, project="p")
        assert "p:sub/c.py" not in {dict(r)["f.id"] for r in graph_dump(fresh, "p")["files"]}
        assert delta == graph_dump(fresh, "p")


def test_a_store_kept_inside_the_project_is_not_listed(tmp_path):
    (tmp_path / "app.py").write_text("def f():\n    return 1\n")
    (tmp_path / ".graphbuddy").mkdir()
    (tmp_path / ".graphbuddy" / "notes.py").write_text("x = 1\n")
    assert sorted(discover(tmp_path, use_git=False).files) == ["app.py"]
