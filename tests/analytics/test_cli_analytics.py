"""`graphbuddy analytics`, `ingest-git` and `sql` end to end in subprocesses, --json on all."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import run_cli

pytestmark = pytest.mark.slow


def gb(*args, store: Path, check: bool = True):
    return run_cli(*args, store=store, check=check)


def test_ingest_report_chart_and_sql(team_repo, tmp_path):
    store = tmp_path / "store"
    first = json.loads(gb("ingest-git", str(team_repo), "--project", "team", "--json", store=store).stdout)
    assert (first["commits_added"], first["shallow"]) == (35, False)
    again = gb("ingest-git", str(team_repo), "--project", "team", store=store).stdout
    assert "0 new commits (35 stored, 0 read from git)" in again

    report = json.loads(gb("analytics", "--project", "team", "--json", store=store).stdout)
    c = report["commits"]
    assert (c["total"], c["conventional"], c["breaking"], c["most_active_hour"], c["most_active_weekday"]) == \
        (35, 24, 1, 9, "Monday")
    assert {x["status"] for x in report["correlations"]} == {"not enough data"}     # no checkpoints yet
    text = gb("analytics", "--since", "2026-10-12", "--chart", str(tmp_path / "w.png"), store=store).stdout
    assert "commits     12 (merges excluded) over 3 days" in text and (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"
    gb("analytics", "--chart", str(tmp_path / "w.html"), store=store)
    assert "<svg" in (tmp_path / "w.html").read_text()

    rows = json.loads(gb("sql", "SELECT type, count(*) AS n FROM commits WHERE ts >= $s GROUP BY 1 ORDER BY 2 DESC",
                         "-p", "s=2026-10-12", "--json", store=store).stdout)
    assert rows[0] == {"type": "fix", "n": 7}


def test_ingest_git_says_how_many_commits_a_rewrite_dropped(team_repo, tmp_path):
    import shutil

    from .conftest import git

    store, repo = tmp_path / "store", shutil.copytree(team_repo, tmp_path / "repo")
    gb("ingest-git", str(repo), "--project", "team", store=store)
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    git(repo, "commit", "-q", "--allow-empty", "-m", "fix: redone", date="2026-10-21T11:00:00+00:00")
    report = json.loads(gb("ingest-git", str(repo), "--project", "team", "--json", store=store).stdout)
    assert (report["commits_read"], report["commits_added"], report["commits_dropped"], report["commits_total"]) == \
        (1, 1, 2, 34)
    git(repo, "commit", "-q", "--amend", "--allow-empty", "-m", "fix: redone again")
    text = gb("ingest-git", str(repo), "--project", "team", store=store).stdout
    assert "1 new commits, 1 dropped (no longer in HEAD's history: rewritten, reset or another branch) " \
           "(34 stored, 1 read from git)" in text
    assert json.loads(gb("analytics", "--project", "team", "--json", store=store).stdout)["commits"]["total"] == 34


@pytest.mark.parametrize("args, code, message", [
    (["sql", "DELETE FROM commits"], 4, "read-only: DELETE statements are refused"),
    (["ingest-git", "."], 5, "not a git repository"),
    (["query", "analytics.velocit"], 4, "did you mean analytics.velocity"),
    (["sql", " "], 4, "empty query: give one SQL statement"),         # was "one statement at a time (got 0)"
    # DuckDB's own words reached the user: 'Conversion Error: extract specifier "fortnight" not recognized'
    (["query", "analytics.velocity", "-p", "bucket=fortnight"], 2,
     "parameter 'bucket' expects one of minute, hour, day, week, month, quarter, year; got 'fortnight'"),
    (["query", "analytics.event_series", "-p", "bucket=fortnight", "--json"], 2,
     "parameter 'bucket' expects one of minute, hour, day, week, month, quarter, year; got 'fortnight'"),
    (["analytics", "--since", "yesterday"], 2, "parameter 'since' expects TIMESTAMP"),
    (["analytics", "--chart", "x.pdf"], 2, "--chart wants a .png, .svg or .html"),
])
def test_bad_input_is_one_line_and_an_exit_code(tmp_path, args, code, message):
    proc = gb(*[a if a != "." else str(tmp_path) for a in args], store=tmp_path / "store", check=False)
    assert proc.returncode == code and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_query_list_shows_the_whole_catalogue(tmp_path):
    cat = json.loads(gb("query", "--list", "--json", store=tmp_path / "store").stdout)
    names = {q["name"] for q in cat}
    assert {"code.import_cycles", "code.dead_code", "projects.most_connected", "memory.reflections_about_file",
            "sessions.touched_function", "analytics.velocity"} <= names
