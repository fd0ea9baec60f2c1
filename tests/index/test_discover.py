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


def test_the_walk_lists_file_links_with_their_own_stat_and_never_enters_folder_links(tmp_path):
    """Links: a file link is listed (mtime: the later of link and target), a link to a folder is neither walked
    (no loops) nor listed, a broken link and a link leaving the project are counted skips."""
    import os

    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "outside.py").write_text("x = 1\n")
    os.symlink(root / "pkg" / "a.py", root / "alias.py")
    os.symlink(root / "pkg", root / "loop")                  # a folder link: would list pkg twice
    os.symlink(root, root / "pkg" / "up")                    # a loop
    os.symlink(root / "missing.py", root / "broken.py")
    os.symlink(tmp_path / "outside.py", root / "escape.py")
    found = discover(root, use_git=False)
    assert sorted(found.files) == ["alias.py", "pkg/a.py"]
    assert found.files["alias.py"].mtime_ns == max(os.lstat(root / "alias.py").st_mtime_ns,
                                                   os.stat(root / "pkg" / "a.py").st_mtime_ns)
    assert found.skipped["vanished_or_broken_link"] == 1 and found.skipped["not_a_regular_file"] == 1


def test_an_unreadable_folder_is_a_counted_skip_and_the_walk_goes_on(tmp_path):
    import os

    import pytest

    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    os.chmod(tmp_path / "locked", 0)
    try:
        if os.access(tmp_path / "locked", os.R_OK):
            pytest.skip("this user reads any folder (root)")
        found = discover(tmp_path, use_git=False)
    finally:
        os.chmod(tmp_path / "locked", 0o755)
    assert sorted(found.files) == ["b.py"] and found.skipped["unreadable"] == 1


def test_git_head_is_read_from_the_repository_files_as_git_reads_it(tmp_path):
    """HEAD from .git's files (no `git rev-parse` process per run): a branch with no commit, a loose ref, a
    detached HEAD, packed refs, a subfolder of the work tree, and a linked worktree all agree with git."""
    import subprocess

    from graphbuddy.index.discover import _git_head, _head_from_files

    def git(*args, cwd=None):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd or repo,
                              check=True, capture_output=True, text=True).stdout.strip()

    def check(folder):
        truth = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True)
        expected = truth.stdout.strip() if truth.returncode == 0 else None
        assert _head_from_files(folder) is not None            # the files answered, not the fallback
        assert _git_head(folder) == expected

    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    git("init", "-q", "-b", "main")
    check(repo)                                                 # no commit yet: None, as git says
    (repo / "sub" / "a.py").write_text("x = 1\n")
    git("add", ".")
    git("commit", "-qm", "one")
    check(repo)
    check(repo / "sub")
    first = git("rev-parse", "HEAD")
    git("commit", "-qm", "two", "--allow-empty")
    git("pack-refs", "--all")                                   # the branch now lives in packed-refs only
    check(repo)
    git("checkout", "-q", first)                                # detached
    check(repo)
    git("checkout", "-q", "main")
    git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side", first)
    check(tmp_path / "wt")
    assert _git_head(tmp_path / "wt") == first


def test_an_unchanged_file_keeps_its_candidate_from_the_last_run(tmp_path):
    """A delta's discovery hands back the last run's record of each unchanged file (the collector then scans
    ~2k fewer new objects after each run of the stdlib); a changed file gets a new one with its new stat."""
    import os

    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("x = 1\n")
    first = discover(tmp_path, use_git=False).files
    (tmp_path / "b.py").write_text("x = 22\n")
    os.utime(tmp_path / "b.py", ns=(1, 1))
    again = discover(tmp_path, use_git=False, known=first).files
    assert again["a.py"] is first["a.py"]
    assert again["b.py"] is not first["b.py"] and (again["b.py"].mtime_ns, again["b.py"].size) == (1, 7)
    assert again == discover(tmp_path, use_git=False).files
