"""Impact analysis across projects, from a symbol, a file, a project, and a git diff."""
from __future__ import annotations

import subprocess

import pytest

from graphbuddy.errors import InvalidArgument
from graphbuddy.projects.impact import parse_diff

VERIFY = "auth-service:auth_service/tokens.py:auth_service.tokens.verify_token"


def test_function_impact_crosses_projects_with_depth_and_path(multi_gb):
    report = multi_gb.impact("auth_service.tokens.verify_token", depth=3)
    hits = {h.id: h for h in report.hits}
    cu = "user-service:user_service/api.py:user_service.api.current_user"
    pr = "user-service:user_service/api.py:user_service.api.profile"
    assert hits[cu].depth == 1 and hits[cu].path == (VERIFY, cu)
    assert hits[pr].depth == 1                                 # calls it directly too (through __init__)
    assert hits["legacy-tool:legacy/report.py:legacy.report.audit"].project == "legacy-tool"
    assert report.projects == ["legacy-tool", "user-service"]
    shallow = multi_gb.impact(VERIFY, depth=1)
    assert all(h.depth == 1 for h in shallow.hits)


def test_file_and_project_impact(multi_gb):
    rep = multi_gb.impact("common-lib:src/common_lib/log.py")
    importers = {h.id for h in rep.hits if h.kind == "file"}
    assert {"auth-service:auth_service/tokens.py", "user-service:user_service/api.py"} <= importers
    callers = {h.id for h in rep.hits if h.kind == "function"}
    assert "auth-service:auth_service/tokens.py:auth_service.tokens" in callers     # module-level get_logger call
    proj = multi_gb.impact("common-lib", depth=3)
    got = {h.id: (h.depth, h.path) for h in proj.hits}
    assert got["auth-service"][0] == 1 and got["user-service"][0] == 1
    assert got["legacy-tool"] == (2, ("common-lib", "auth-service", "legacy-tool"))
    with pytest.raises(InvalidArgument):
        multi_gb.impact("common-lib", depth=0)


def test_impact_of_a_git_diff(multi_root, multi_gb):
    repo = multi_root
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base")
    tokens = repo / "auth-service" / "auth_service" / "tokens.py"
    text = tokens.read_text().replace("return user if int(expiry) > time.time() else None",
                                      "return user if int(expiry) >= time.time() else None")
    tokens.write_text(text)
    report = multi_gb.impact_of_diff(repo)
    [changed] = report.changed
    assert changed["file"] == "auth-service:auth_service/tokens.py"
    assert changed["functions"] == [VERIFY]
    assert {"user-service", "legacy-tool"} <= set(report.projects)
    with pytest.raises(InvalidArgument, match="git"):
        multi_gb.impact_of_diff(repo, base="no-such-ref")


def test_parse_diff_handles_additions_deletions_and_removed_files():
    diff = ("--- a/x.py\n+++ b/x.py\n@@ -3,0 +4,2 @@\n+a\n+b\n@@ -10,2 +11,0 @@\n-c\n-d\n"
            "--- a/gone.py\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-x\n-y\n-z\n")
    assert parse_diff(diff) == {"x.py": {4, 5, 11}, "gone.py": {1, 2, 3}}


def test_parse_diff_reads_quoted_and_space_holding_paths():
    # git C-quotes non-ASCII names and ends a name holding a space with a tab, /dev/null included
    diff = ('--- "a/caf\\303\\251.py"\n+++ "b/caf\\303\\251.py"\n@@ -2 +2 @@\n-a\n+b\n'
            "--- a/my file.py\t\n+++ b/my file.py\t\n@@ -2 +2 @@\n-a\n+b\n"
            '--- a/old name.py\t\n+++ /dev/null\t\n@@ -1,2 +0,0 @@\n-a\n-b\n'
            '--- "a/tab\\there \\"q\\".py"\n+++ "b/tab\\there \\"q\\".py"\n@@ -1 +1 @@\n-a\n+b\n')
    assert parse_diff(diff) == {"café.py": {2}, "my file.py": {2}, "old name.py": {1, 2}, 'tab\there "q".py': {1}}


def test_impact_of_a_diff_finds_files_with_spaces_and_unicode_names_whatever_the_git_config(tmp_path):
    import graphbuddy

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "my file.py").write_text("def a():\n    return 1\n")
    (repo / "café.py").write_text("def b():\n    return 2\n")
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("config", "diff.mnemonicPrefix", "true")              # c/ and w/ instead of a/ and b/
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base")
    (repo / "my file.py").write_text("def a():\n    return 3\n")
    (repo / "café.py").write_text("def b():\n    return 4\n")
    with graphbuddy.open(memory=True) as gb:
        gb.index(repo, project="r")
        changed = {c["file"]: c["functions"] for c in gb.impact_of_diff(repo).changed}
    assert changed == {"r:café.py": ["r:café.py:café.b"], "r:my file.py": ["r:my file.py:my file.a"]}


def test_impact_of_a_diff_that_moves_a_file_reaches_the_old_files_callers(multi_root, multi_gb):
    """git diff detects renames: a moved file had no hunks, so moving a module everyone uses had no impact."""
    repo = multi_root
    cmd = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    git = lambda *a: subprocess.run([*cmd, *a], check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    git("mv", "common-lib/src/common_lib/log.py", "common-lib/src/common_lib/logs.py")
    report = multi_gb.impact_of_diff(repo)
    changed = {c["file"]: c["functions"] for c in report.changed}
    log = "common-lib:src/common_lib/log.py"
    assert f"{log}:src.common_lib.log.get_logger" in changed[log]
    assert {"auth-service", "user-service"} <= set(report.projects)


def test_parse_diff_does_not_read_hunk_lines_as_file_headers():
    # a removed line "-- x" and an added line "++ y" print as "--- x" and "+++ y" inside a hunk
    diff = ("--- a/x.py\n+++ b/x.py\n@@ -3 +3 @@\n--- old note\n+++ new note\n@@ -9,0 +10 @@\n+z\n"
            "--- a/y.py\n+++ b/y.py\n@@ -1 +1 @@\n-a\n+b\n")
    assert parse_diff(diff) == {"x.py": {3, 10}, "y.py": {1}}
