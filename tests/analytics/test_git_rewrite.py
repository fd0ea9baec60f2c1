"""Git ingestion after history moved other than forward (amend, rebase, reset, force-push, branch switch, a
shallow clone deepened, another folder, a project rename): the stored commits equal what a fresh ingest of
the current history stores.

The bug these tests caught: a re-ingest after a rewrite added the new commits and kept the old, unreachable
ones, so counts, churn and correlations counted the same work twice.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import shutil

import pytest

import graphbuddy
from graphbuddy.analytics import samples
from graphbuddy.analytics.git import ingest_git
from graphbuddy.store.analytics import AnalyticsStore

from .conftest import git

ROWS = "SELECT * EXCLUDE (project) FROM commits WHERE project = ? ORDER BY sha"


@pytest.fixture
def gb():
    with graphbuddy.open(memory=True) as store:
        yield store


@pytest.fixture
def repo(team_repo, tmp_path):
    return shutil.copytree(team_repo, tmp_path / "repo")


def stored(gb, project: str) -> list[tuple]:
    return gb.analytics.rows(ROWS, [project])


def fresh(path, project: str = "p") -> list[tuple]:
    """What a first ingest of the repository as it is now stores."""
    store = AnalyticsStore(None)
    try:
        ingest_git(store, path, project=project)
        return store.rows(ROWS, [project])
    finally:
        store.close()


def counts(r) -> tuple[int, int, int, int]:
    return r.commits_read, r.commits_added, r.commits_dropped, r.commits_total


def commit(repo, message: str, day: int, hour: int = 10, *, file: str | None = None) -> None:
    date = f"2026-11-{day:02d}T{hour:02d}:00:00+00:00"
    if file:
        path = repo / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{message}\n")
        git(repo, "add", file)
        git(repo, "commit", "-q", "-m", message, date=date)
    else:
        git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)


def test_amend_replaces_the_old_commit(gb, repo):
    gb.ingest_git(repo, project="team")
    old = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-q", "--amend", "--allow-empty", "-m", "fix: reworded", date="2026-10-20T11:00:00+00:00")
    r = gb.ingest_git(repo, project="team")
    assert counts(r) == (1, 1, 1, 35)                       # the amended commit is read, the old one dropped
    assert stored(gb, "team") == fresh(repo, "team")
    assert not gb.analytics.rows("SELECT 1 FROM commits WHERE sha = ?", [old])
    [c] = gb.query("analytics.compliance", project="team").rows()
    assert c["commits"] == 35


def test_rebase_drops_the_old_copies_and_adds_the_upstream_commits(gb, tmp_path):
    repo = samples.build_repo(tmp_path / "rb", [
        samples.CommitSpec(dt.datetime(2026, 11, 1, 9), "feat: a", {"a.txt": "a\n"}),
        samples.CommitSpec(dt.datetime(2026, 11, 1, 10), "feat: b", {"b.txt": "b\n"}),
    ])
    git(repo, "checkout", "-q", "-b", "topic")
    for i in range(3):
        commit(repo, f"fix(topic): t{i}", 2, 9 + i, file=f"t{i}.txt")
    git(repo, "checkout", "-q", "main")
    commit(repo, "feat: m1", 3, file="m1.txt")
    commit(repo, "docs: m2", 3, 11, file="m2.txt")
    git(repo, "checkout", "-q", "topic")
    assert counts(gb.ingest_git(repo, project="rb")) == (5, 5, 0, 5)

    git(repo, "rebase", "-q", "main", date="2026-11-04T10:00:00+00:00")
    r = gb.ingest_git(repo, project="rb")
    assert counts(r) == (5, 5, 3, 7)                        # m1, m2 and the 3 rebased copies; 3 originals dropped
    assert stored(gb, "rb") == fresh(repo, "rb")
    [c] = gb.query("analytics.compliance", project="rb").rows()
    assert c["commits"] == 7
    insertions = gb.sql("SELECT sum(insertions) AS n FROM commits WHERE project = 'rb'").rows()
    assert insertions == [{"n": 7}]                         # churn counted once


def test_reset_to_an_older_commit_drops_the_commits_after_it(gb, repo):
    gb.ingest_git(repo, project="team")
    git(repo, "reset", "-q", "--hard", "HEAD~3")
    r = gb.ingest_git(repo, project="team")
    assert counts(r) == (0, 0, 3, 32)                       # nothing to read: only the dropped ones change
    assert stored(gb, "team") == fresh(repo, "team")
    assert gb.ingest_git(repo, project="team").commits_dropped == 0


def test_a_force_pushed_branch_pulled_into_a_clone(gb, repo, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", f"file://{repo}", str(clone))
    gb.ingest_git(clone, project="team")
    git(repo, "reset", "-q", "--hard", "HEAD~2")             # upstream rewrites its last two commits
    commit(repo, "feat: redone", 21, file="redone.txt")
    git(clone, "fetch", "-q", "origin")
    git(clone, "reset", "-q", "--hard", "origin/main")       # what `git pull` after a force-push comes down to
    r = gb.ingest_git(clone, project="team")
    assert counts(r) == (1, 1, 2, 34)
    assert stored(gb, "team") == fresh(clone, "team")


def test_the_old_head_garbage_collected_still_reconciles(gb, repo):
    gb.ingest_git(repo, project="team")
    git(repo, "commit", "-q", "--amend", "--allow-empty", "-m", "fix: reworded", date="2026-10-20T11:00:00+00:00")
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")                     # the last ingested HEAD no longer exists
    assert counts(gb.ingest_git(repo, project="team")) == (1, 1, 1, 35)
    assert stored(gb, "team") == fresh(repo, "team")


def test_a_fast_forward_after_a_rewrite_is_incremental_again(gb, repo):
    gb.ingest_git(repo, project="team")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    assert counts(gb.ingest_git(repo, project="team")) == (0, 0, 1, 34)
    commit(repo, "feat: next", 22)
    commit(repo, "feat: after", 22, 11)
    assert counts(gb.ingest_git(repo, project="team")) == (2, 2, 0, 36)   # only last..HEAD is read
    assert counts(gb.ingest_git(repo, project="team")) == (0, 0, 0, 36)
    assert stored(gb, "team") == fresh(repo, "team")


def test_ingestion_follows_head_across_a_branch_switch(gb, repo):
    # One ref is followed: HEAD. Commits only on another branch are not stored; after a switch the stored set is
    # the new HEAD's history, and switching back restores the other (a squash-merged topic is not counted twice).
    gb.ingest_git(repo, project="team")
    git(repo, "checkout", "-q", "-b", "topic", "HEAD~5")
    commit(repo, "feat(topic): t", 23)
    assert counts(gb.ingest_git(repo, project="team")) == (1, 1, 5, 31)
    assert stored(gb, "team") == fresh(repo, "team")
    git(repo, "checkout", "-q", "main")
    assert counts(gb.ingest_git(repo, project="team")) == (5, 5, 1, 35)
    assert stored(gb, "team") == fresh(repo, "team")


def test_only_the_rewritten_projects_commits_change(gb, repo, tmp_path):
    other = samples.build_repo(tmp_path / "other", [
        samples.CommitSpec(dt.datetime(2026, 9, 1, 9), "feat: o1", {"o.txt": "1\n"}),
        samples.CommitSpec(dt.datetime(2026, 9, 1, 10), "feat: o2", {"o.txt": "2\n"}),
    ])
    gb.ingest_git(other, project="other")
    gb.ingest_git(repo, project="team")
    gb.analytics.execute("INSERT INTO checkpoints VALUES ('s1', 'team', TIMESTAMP '2026-10-20 10:00', 0.8, NULL)")
    gb.record_event("tool", "search", value=3.0, project="team")
    before = {t: gb.analytics.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in ("events", "checkpoints")}
    other_rows = stored(gb, "other")

    git(repo, "reset", "-q", "--hard", "HEAD~4")
    r = gb.ingest_git(repo, project="team")
    assert r.commits_dropped == 4
    assert stored(gb, "other") == other_rows
    assert gb.analytics.rows("SELECT * FROM checkpoints ORDER BY ALL") == before["checkpoints"]
    events = gb.analytics.rows("SELECT * FROM events ORDER BY ALL")
    assert all(e in events for e in before["events"]) and len(events) == len(before["events"]) + 1
    [run] = gb.analytics.rows("SELECT value, attrs->>'dropped' FROM events WHERE kind = 'git' AND project = 'team' "
                              "ORDER BY ts DESC LIMIT 1")
    assert run == (0.0, "4")


def test_a_store_written_before_the_fix_is_healed_on_the_next_ingest(gb, repo):
    # Stores ingested by older versions may already hold unreachable commits, and their `git_head` meta value
    # does not say which folder was ingested: the next ingest reads the history once and replaces the rows.
    gb.ingest_git(repo, project="team")
    head = git(repo, "rev-parse", "HEAD").strip()
    gb.analytics.execute("INSERT INTO commits (project, sha, ts, subject, files, insertions, deletions, merge) "
                         "VALUES ('team', ?, TIMESTAMP '2026-10-10 10:00', 'fix: amended away', 1, 1, 0, false)",
                         ["f" * 40])
    gb.analytics.execute("INSERT OR REPLACE INTO meta VALUES ('git_head:team', ?)", [head])
    assert counts(gb.ingest_git(repo, project="team")) == (35, 0, 1, 35)
    assert stored(gb, "team") == fresh(repo, "team")
    assert counts(gb.ingest_git(repo, project="team")) == (0, 0, 0, 35)


def test_rows_merged_in_by_a_project_rename_are_reconciled_on_the_next_ingest(gb, repo, tmp_path):
    # rename_project p -> q merges rows ingested under `q` (no project of that name) into p's, p's meta wins:
    # with HEAD unchanged, the next ingest trusted the meta and kept q's commits of another repository
    other = samples.build_repo(tmp_path / "other", [
        samples.CommitSpec(dt.datetime(2026, 9, 1, 9), "feat: elsewhere", {"o.txt": "1\n"})])
    gb.index(repo, project="p")
    gb.ingest_git(repo, project="p")
    gb.ingest_git(other, project="q")
    gb.rename_project("p", new="q")
    assert gb.analytics.rows("SELECT count(*) FROM commits WHERE project = 'q'") == [(36,)]
    assert counts(gb.ingest_git(repo, project="q")) == (0, 0, 1, 35)
    assert stored(gb, "q") == fresh(repo, "q")


def test_a_shallow_clone_deepened_then_unshallowed(gb, team_repo, tmp_path):
    # The history grows at the bottom: `last..HEAD` is empty, yet older commits appear and the old boundary
    # commit gets its line counts. Before, an unshallowed clone was taken for a fast-forward and kept its cut.
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{team_repo}", str(clone))
    assert counts(gb.ingest_git(clone, project="s")) == (3, 3, 0, 3)
    git(clone, "fetch", "-q", "--deepen", "2")
    r = gb.ingest_git(clone, project="s")
    assert (r.shallow, r.commits_added, r.commits_dropped, r.commits_total) == (True, 2, 0, 5)
    assert stored(gb, "s") == fresh(clone, "s")
    git(clone, "fetch", "-q", "--unshallow")
    r = gb.ingest_git(clone, project="s")
    assert (r.shallow, r.commits_added, r.commits_dropped, r.commits_total) == (False, 30, 0, 35)
    assert stored(gb, "s") == fresh(clone, "s")
    assert gb.sql("SELECT count(*) AS n FROM commits WHERE project = 's' AND files IS NULL").rows() == [{"n": 0}]


def test_the_same_project_from_a_sub_folder_then_the_whole_repository(gb, tmp_path):
    repo = samples.build_repo(tmp_path / "mono", [
        samples.CommitSpec(dt.datetime(2026, 3, 1, 8), "feat(a): a", {"a/x.py": "1\n"}),
        samples.CommitSpec(dt.datetime(2026, 3, 1, 9), "feat(b): b", {"b/y.py": "1\n"}),
        samples.CommitSpec(dt.datetime(2026, 3, 1, 10), "fix: both", {"a/x.py": "2\n", "b/y.py": "2\n"}),
    ])
    assert gb.ingest_git(repo / "a", project="mono").commits_total == 2
    r = gb.ingest_git(repo, project="mono")                 # HEAD did not move, the ingested folder did
    assert (r.commits_added, r.commits_dropped, r.commits_total) == (1, 0, 3)
    assert stored(gb, "mono") == fresh(repo, "mono")        # "fix: both" counts both files now
    r = gb.ingest_git(repo / "b", project="mono")
    assert (r.commits_dropped, r.commits_total) == (1, 2)
    assert stored(gb, "mono") == fresh(repo / "b", "mono")


def test_a_sub_folder_project_after_a_merge_that_simplifies_history_away(gb, tmp_path):
    # `git log HEAD -- a` prunes a merged side branch when the merge kept the first parent's `a`: a commit stored
    # from that branch (ingested while it was checked out) is no longer in the fresh history, though the old HEAD
    # is an ancestor of the new one. `last..HEAD -- a` alone (the fast-forward path) kept it.
    repo = samples.build_repo(tmp_path / "simp", [
        samples.CommitSpec(dt.datetime(2026, 5, 1, 8), "feat: base", {"a/x.txt": "0\n"})])
    git(repo, "checkout", "-q", "-b", "topic")
    commit(repo, "fix: on topic", 2, 9, file="a/x.txt")
    assert gb.ingest_git(repo / "a", project="a").commits_total == 2
    git(repo, "checkout", "-q", "main")
    commit(repo, "fix: on topic", 2, 10, file="a/x.txt")     # the same content on main
    git(repo, "merge", "-q", "--no-ff", "topic", "-m", "Merge topic", date="2026-11-02T11:00:00+00:00")
    r = gb.ingest_git(repo / "a", project="a")
    assert stored(gb, "a") == fresh(repo / "a", "a")
    assert (r.commits_added, r.commits_dropped, r.commits_total) == (1, 1, 2)


def test_an_unborn_head_stores_what_a_fresh_ingest_stores_nothing(gb, repo):
    gb.ingest_git(repo, project="team")
    git(repo, "checkout", "-q", "--orphan", "fresh-start")
    r = gb.ingest_git(repo, project="team")
    assert (r.head, r.commits_read, r.commits_dropped, r.commits_total) == (None, 0, 35, 0)
    git(repo, "checkout", "-q", "-f", "main")
    assert counts(gb.ingest_git(repo, project="team")) == (35, 35, 0, 35)


def _random_step(repo, rng: random.Random, tick: list[int]) -> str:
    tick[0] += 1
    day, hour = 1 + tick[0] // 10, 8 + tick[0] % 10
    branches = git(repo, "branch", "--format=%(refname:short)").split()
    count = int(git(repo, "rev-list", "--first-parent", "--count", "HEAD").strip())
    ops = ["commit"] * 4 + ["branch", "switch", "merge", "merge"] + (["amend", "reset", "rebase"] if count > 2 else [])
    op = rng.choice(ops)
    if op == "commit":
        commit(repo, f"{rng.choice(['feat', 'fix', 'wip'])}: step {tick[0]}", day, hour,
               file=rng.choice(["a/x.txt", "b/y.txt", f"a/n{tick[0]}.txt"]))
    elif op == "amend":
        git(repo, "commit", "-q", "--amend", "--allow-empty", "-m", f"fix: amended {tick[0]}",
            date=f"2026-11-{day:02d}T{hour:02d}:30:00+00:00")
    elif op == "reset":
        git(repo, "reset", "-q", "--hard", f"HEAD~{rng.randint(1, min(2, count - 1))}")
    elif op == "branch":
        git(repo, "branch", f"b{tick[0]}")
    elif op == "switch":
        git(repo, "checkout", "-q", rng.choice(branches))
    elif op == "merge":
        other = rng.choice(branches)
        git(repo, "merge", "-q", "--no-ff", "-X", "theirs", "-m", f"Merge {other}", other,
            date=f"2026-11-{day:02d}T{hour:02d}:45:00+00:00")
    elif op == "rebase":
        other = rng.choice(branches)
        res = git_ok(repo, "rebase", "-q", "-X", "theirs", other, date=f"2026-11-{day:02d}T{hour:02d}:50:00+00:00")
        if not res:
            git_ok(repo, "rebase", "--abort", date=None)
    return op


def git_ok(repo, *args, date: str | None) -> bool:
    import subprocess

    try:
        git(repo, *args, date=date)
        return True
    except subprocess.CalledProcessError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 1 + int(os.environ.get("GB_GIT_SEEDS", 3))))
def test_stored_commits_equal_a_fresh_ingest_after_random_history_moves(gb, tmp_path, seed):
    rng = random.Random(seed)
    repo = samples.build_repo(tmp_path / "r", [
        samples.CommitSpec(dt.datetime(2026, 10, 1, 9), "feat: root", {"a/x.txt": "0\n", "b/y.txt": "0\n"})])
    tick = [0]
    for step in range(30):
        op = _random_step(repo, rng, tick)
        whole = gb.ingest_git(repo, project="whole")
        sub = gb.ingest_git(repo / "a", project="sub")
        assert stored(gb, "whole") == fresh(repo), (seed, step, op)
        assert stored(gb, "sub") == fresh(repo / "a"), (seed, step, op)
        assert whole.commits_total == len(stored(gb, "whole")) and sub.commits_total == len(stored(gb, "sub"))
