"""Git ingestion on repositories with constructed histories, and the aggregates over them."""
from __future__ import annotations

import datetime as dt
import os
from collections import Counter

import pytest

import graphbuddy
from graphbuddy.analytics import samples
from graphbuddy.analytics.git import parse_conventional
from graphbuddy.errors import IndexingError

from .conftest import git


@pytest.fixture
def gb():
    with graphbuddy.open(memory=True) as store:
        yield store


@pytest.mark.parametrize("message, expected", [
    ("feat(api)!: drop v1", ("feat", "api", True)),
    ("fix: off by one", ("fix", None, False)),
    ("Fix(Core): capitalised type", ("fix", "Core", False)),
    ("refactor(): empty scope", ("refactor", None, False)),
    ("docs: x\n\nBREAKING CHANGE: the footer marks it", ("docs", None, True)),
    ("chore: x\n\nBREAKING-CHANGE: hyphenated footer", ("chore", None, True)),
    ("wip: not a conventional type", (None, None, False)),
    ("feat:no space after the colon", (None, None, False)),
    ("Merge branch 'topic'", (None, None, False)),
    ("update readme\n\nBREAKING CHANGE: footer without a header", (None, None, True)),
    ("", (None, None, False)),
])
def test_conventional_header(message, expected):
    h = parse_conventional(message)
    assert (h.type, h.scope, h.breaking) == expected


def test_constructed_history_gives_the_known_numbers(gb, team_repo):
    report = gb.ingest_git(team_repo, project="team")
    assert (report.commits_read, report.commits_added, report.commits_total, report.shallow) == (35, 35, 35, False)

    [c] = gb.query("analytics.compliance", project="team").rows()
    assert (c["commits"], c["conventional"], c["breaking"]) == (35, 24, 1)
    assert c["compliance"] == pytest.approx(24 / 35, abs=1e-4)

    per_day = [r["commits"] for r in gb.query("analytics.velocity", project="team").rows()]
    assert per_day == [n for n, _, _ in samples.DAYS]
    weeks = gb.query("analytics.velocity", project="team", bucket="week").rows()
    assert [w["commits"] for w in weeks] == [sum(n for n, _, _ in samples.DAYS[:7]), sum(n for n, _, _ in samples.DAYS[7:])]
    hours = gb.query("analytics.activity_by_hour", project="team").rows()
    expected_hours = Counter(9 + k for n, _, _ in samples.DAYS for k in range(n))
    assert {r["hour"]: r["commits"] for r in hours} == expected_hours and hours[0]["hour"] == 9
    weekdays = gb.query("analytics.activity_by_weekday", project="team").rows()
    expected_days = Counter((samples.START + dt.timedelta(days=d)).strftime("%A")
                            for d, (n, _, _) in enumerate(samples.DAYS) for _ in range(n))
    assert {r["weekday"]: r["commits"] for r in weekdays} == expected_days
    assert weekdays[0]["weekday"] == expected_days.most_common(1)[0][0] == "Monday"
    [b] = gb.query("analytics.breaking_changes", project="team").rows()
    assert (b["type"], b["scope"], b["subject"]) == ("feat", "api", "feat(api)!: drop v1 endpoints")
    row = gb.sql("SELECT files, insertions, deletions, author FROM commits ORDER BY ts LIMIT 1").rows()[0]
    assert row == {"files": 1, "insertions": 1, "deletions": 0, "author": "Ada Lovelace"}


def test_ingestion_is_incremental(gb, team_repo, tmp_path):
    import shutil

    repo = shutil.copytree(team_repo, tmp_path / "repo")
    gb.ingest_git(repo, project="team")
    again = gb.ingest_git(repo, project="team")                          # a re-run reads and adds nothing
    assert (again.commits_read, again.commits_added, again.commits_total) == (0, 0, 35)
    git(repo, "commit", "-q", "--allow-empty", "-m", "feat: one more", date="2026-10-20T11:00:00+00:00")
    git(repo, "commit", "-q", "--allow-empty", "-m", "not conventional", date="2026-10-20T12:00:00+00:00")
    r = gb.ingest_git(repo, project="team")
    assert (r.commits_read, r.commits_added, r.commits_dropped, r.commits_total) == (2, 2, 0, 37)  # last..HEAD
    assert gb.sql("SELECT count(*) AS n FROM commits").rows() == [{"n": 37}]
    runs = gb.query("analytics.event_series", kind="git", bucket="day").rows()
    assert sum(x["events"] for x in runs) == 3 and sum(x["value"] for x in runs) == 37

    # history rewritten (the last ingested HEAD is no longer in HEAD's history): the two commits reset away are
    # dropped, only the new one is read (it was: everything read, the old two kept next to it, 38 stored)
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    git(repo, "commit", "-q", "--allow-empty", "-m", "fix: rewritten", date="2026-10-21T11:00:00+00:00")
    r = gb.ingest_git(repo, project="team")
    assert (r.commits_read, r.commits_added, r.commits_dropped, r.commits_total) == (1, 1, 2, 36)
    assert gb.sql("SELECT count(*) AS n FROM commits").rows() == [{"n": 36}]


def test_merges_are_flagged_and_excluded_from_compliance(gb, tmp_path):
    repo = tmp_path / "m"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "feat: base", date="2026-01-01T10:00:00+00:00")
    git(repo, "checkout", "-q", "-b", "topic")
    (repo / "a.txt").write_text("a\nb\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "fix: on topic", date="2026-01-02T10:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "docs: on main", date="2026-01-03T10:00:00+00:00")
    git(repo, "merge", "-q", "--no-ff", "topic", "-m", "Merge branch 'topic'", date="2026-01-04T10:00:00+00:00")
    gb.ingest_git(repo, project="m")
    merges = gb.sql("SELECT subject, merge FROM commits WHERE merge").rows()
    assert merges == [{"subject": "Merge branch 'topic'", "merge": True}]
    [c] = gb.query("analytics.compliance", project="m").rows()
    assert (c["commits"], c["conventional"], c["compliance"]) == (3, 3, 1.0)
    assert gb.sql("SELECT insertions FROM commits WHERE subject = 'fix: on topic'").rows() == [{"insertions": 2}]


def test_odd_encodings_and_missing_author_are_kept(gb, tmp_path):
    repo = samples.build_repo(tmp_path / "odd", [
        samples.CommitSpec(dt.datetime(2026, 2, 1, 8), b"fix: caf\xe9 cr\xe8me (latin-1 bytes)"),
        samples.CommitSpec(dt.datetime(2026, 2, 1, 9), "feat: no author name", author=None),
        samples.CommitSpec(dt.datetime(2026, 2, 1, 10), "docs: ünïcödé ✓", {"b.bin": "\x00\x01binary"}),
    ])
    assert gb.ingest_git(repo, project="odd").commits_added == 3
    rows = {r["type"]: r for r in gb.sql("SELECT type, subject, author FROM commits").rows()}
    assert rows["fix"]["subject"] == "fix: caf\ufffd cr\ufffdme (latin-1 bytes)"
    assert rows["feat"]["author"] is None
    assert rows["docs"]["subject"] == "docs: ünïcödé ✓"
    authors = {r["author"] for r in gb.query("analytics.top_authors", project="odd").rows()}
    assert "(no author)" in authors


def test_shallow_clone_is_reported_and_its_boundary_has_no_line_counts(gb, team_repo, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{team_repo}", str(clone))
    r = gb.ingest_git(clone, project="s")
    assert (r.shallow, r.commits_read, r.commits_added) == (True, 3, 3)
    rows = gb.sql("SELECT files FROM commits ORDER BY ts").rows()
    assert rows[0] == {"files": None} and all(x["files"] == 1 for x in rows[1:])


def test_empty_history_adds_nothing(gb, tmp_path):
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    r = gb.ingest_git(repo, project="empty")
    assert (r.head, r.commits_read, r.commits_added) == (None, 0, 0)
    assert gb.sql("SELECT count(*) AS n FROM commits").rows() == [{"n": 0}]


def test_not_a_repository_is_a_clear_error_and_keeps_stored_commits(gb, team_repo, tmp_path):
    gb.ingest_git(team_repo, project="team")
    with pytest.raises(IndexingError, match="not a git repository"):
        gb.ingest_git(tmp_path, project="team")
    with pytest.raises(IndexingError, match="not a directory"):
        gb.ingest_git(tmp_path / "missing", project="team")
    assert gb.sql("SELECT count(*) AS n FROM commits").rows() == [{"n": 35}]


def test_a_sub_folder_project_gets_only_its_own_commits(gb, tmp_path):
    repo = samples.build_repo(tmp_path / "mono", [
        samples.CommitSpec(dt.datetime(2026, 3, 1, 8), "feat(a): a", {"a/x.py": "1\n"}),
        samples.CommitSpec(dt.datetime(2026, 3, 1, 9), "feat(b): b", {"b/y.py": "1\n"}),
        samples.CommitSpec(dt.datetime(2026, 3, 1, 10), "fix(a): a again", {"a/x.py": "2\n"}),
    ])
    assert gb.ingest_git(repo / "a", project="a").commits_added == 2
    assert [r["scope"] for r in gb.sql("SELECT scope FROM commits ORDER BY ts").rows()] == ["a", "a"]


def test_separator_bytes_in_a_message_do_not_break_the_records(gb, tmp_path):
    # The log format separated records and fields with \x1e, \x1f and \x1d, bytes a commit message may hold:
    # such a message was cut into bogus records (a raw ValueError) or had its text read as line counts.
    repo = samples.build_repo(tmp_path / "sep", [
        samples.CommitSpec(dt.datetime(2026, 4, 1, 8), b"feat(core): one\x1etwo\n\nbody \x1f and \x1d here",
                           {"a.txt": "1\n2\n"}),
        samples.CommitSpec(dt.datetime(2026, 4, 1, 9), "fix: next", {"a.txt": "1\n"}),
    ])
    assert gb.ingest_git(repo, project="sep").commits_added == 2
    rows = gb.sql("SELECT type, scope, subject, files, insertions, deletions FROM commits ORDER BY ts").rows()
    assert rows == [
        {"type": "feat", "scope": "core", "subject": "feat(core): one\x1etwo", "files": 1, "insertions": 2,
         "deletions": 0},
        {"type": "fix", "scope": None, "subject": "fix: next", "files": 1, "insertions": 0, "deletions": 1}]


def test_git_missing_is_a_one_line_error(gb, team_repo, tmp_path, monkeypatch):
    # without git on PATH, subprocess's FileNotFoundError leaked as an internal error
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(IndexingError, match="git is not installed"):
        gb.ingest_git(team_repo, project="team")


def test_a_commit_dated_after_year_9999_is_counted_not_fatal(gb, tmp_path):
    # git takes such a date; turning it into a datetime raised a raw ValueError on every ingest, for ever
    import subprocess

    repo = samples.build_repo(tmp_path / "far", [samples.CommitSpec(dt.datetime(2026, 4, 1, 8), "feat: one",
                                                                    {"a.txt": "1\n"})])
    (repo / "a.txt").write_text("2\n")
    env = {"GIT_AUTHOR_DATE": "@253402300800 +0000", "GIT_COMMITTER_DATE": "@253402300800 +0000",
           "PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qam",
                    "fix: from the future"], check=True, env=env, capture_output=True)
    r = gb.ingest_git(repo, project="far")
    assert (r.commits_read, r.commits_added, r.commits_undated) == (2, 1, 1)
    assert [row["subject"] for row in gb.sql("SELECT subject FROM commits").rows()] == ["feat: one"]
    assert gb.ingest_git(repo, project="far").commits_added == 0


def test_report_says_no_commits_since_the_date_not_that_none_are_stored(team_repo):
    """`graphbuddy analytics --since 2030-01-01` told a store holding 35 commits to run ingest-git."""
    from graphbuddy.analytics.report import format_report

    with graphbuddy.open(memory=True) as gb:
        gb.ingest_git(team_repo, project="team")
        later = format_report(gb.analytics_report(project="team", since=dt.datetime(2030, 1, 1)))
        assert "  commits     none since 2030-01-01 (35 without --since)" in later, later
        assert "ingest-git" not in later
        whole = format_report(gb.analytics_report(project="team"))
        assert "  commits     35 (merges excluded) over " in whole, whole
    with graphbuddy.open(memory=True) as gb:
        assert "  commits     none stored (run `graphbuddy ingest-git PATH`)" in format_report(gb.analytics_report())


def test_another_repository_under_an_indexed_projects_name_is_refused(team_repo, tmp_path):
    """`ingest-git other --project repo` replaced the 485 commits of the indexed `repo` with `other`'s one:
    a different repository under an indexed project's name is a slip (a wrong --project), not a history."""
    from graphbuddy.errors import InvalidArgument

    code = tmp_path / "code"
    code.mkdir()
    (code / "m.py").write_text("def f():\n    return 1\n")
    git(code, "init", "-q")
    git(code, "add", ".")
    git(code, "commit", "-qm", "feat: code", date="2026-10-01T10:00:00+00:00")
    with graphbuddy.open(memory=True) as gb:
        gb.index(code, project="p")
        assert gb.ingest_git(code, project="p").commits_total == 1
        with pytest.raises(InvalidArgument, match=r"project 'p' is indexed from .*code, not .*team"):
            gb.ingest_git(team_repo, project="p")
        assert gb.sql("SELECT count(*) AS n FROM commits WHERE project = 'p'").rows() == [{"n": 1}]
        assert gb.ingest_git(team_repo, project="team").commits_total == 35     # a name of its own: fine
