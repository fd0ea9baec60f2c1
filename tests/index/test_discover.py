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
