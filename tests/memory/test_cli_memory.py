"""Memory commands end to end in subprocesses: --json output, one-line errors with exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import run_cli

pytestmark = pytest.mark.slow
JSONL = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts" / "claude_session.jsonl"


run = run_cli


def ok(*args, **kw):
    proc = run(*args, "--json", **kw)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_session_reflect_insights_import_flow(repo, tmp_path):
    store = tmp_path / "store"
    ok("index", str(repo), "--project", "sample", store=store)
    s = ok("session", "start", "--agent", "cli", store=store, cwd=repo / "shop")
    r = ok("reflect", "`round_cents` rounds half up", "--tag", "money", store=store, cwd=repo)
    assert r["project"] == "sample" and "sample:shop/core/pricing.py:shop.core.pricing.round_cents" in r["about"]
    assert r["sessions"] == [s["id"]]          # written while the project's one session runs: part of it
    assert ok("reflect", "--update", r["id"], "--tag", "x", store=store)["tags"] == ["x"]
    conv = "`★ Insight ─────`\nA subtle gotcha in `apply_discount`.\n`─────`\n"
    c = ok("session", "checkpoint", "-m", "ci=90", "--conversation", "-", store=store, stdin=conv)
    assert c["insights"]["new"] == 1 and c["components"]["external:ci"]["score"] == 90
    (repo / "shop" / "cli.py").write_text("# changed\n")
    e = ok("session", "end", "--summary", "done", store=store)
    assert e["touched"] == [{"path": "shop/cli.py", "change": "modified", "in_graph": True}]
    assert Path(e["handoff_path"]).is_file()
    assert ok("session", "status", "--session", s["id"], store=store)["session"]["status"] == "ended"
    assert [x["id"] for x in ok("session", "list", store=store)] == [s["id"]]
    imp = ok("import-transcript", str(JSONL), "--project", "sample", store=store)
    assert imp["malformed"] == 2 and imp["insights"]["new"] == 2
    status = run("session", "status", "--session", imp["session"]["id"], store=store).stdout
    assert status.endswith("checkpoints: none\n"), status          # was "checkpoints: " and nothing
    assert len(ok("insights", store=store)) == 3
    assert ok("insights", "--stats", store=store)["types"]["gotcha"] == 2
    assert ok("reflect", "--delete", r["id"], store=store)["id"] == r["id"]
    text = run("insights", "--type", "decision", store=store).stdout
    assert "[decision]" in text and "Handler.create" in text


def test_reflect_joins_the_one_active_session_of_its_project_only(repo, tmp_path):
    store = tmp_path / "store"
    ok("index", str(repo), "--project", "sample", store=store)
    assert ok("reflect", "no session yet", store=store, cwd=repo)["sessions"] == []
    s = ok("session", "start", "--agent", "a", store=store, cwd=repo)
    assert ok("reflect", "kept out", "--no-session", store=store, cwd=repo)["sessions"] == []
    assert ok("reflect", "elsewhere", store=store, cwd=tmp_path)["sessions"] == []      # no project: no session
    text = run("reflect", "part of it", store=store, cwd=repo).stdout
    assert f"session: {s['id']}" in text
    ok("session", "start", "--agent", "b", store=store, cwd=repo)
    # two agents at work on the project: whose session it belongs to is not guessed
    assert ok("reflect", "whose?", store=store, cwd=repo)["sessions"] == []
    assert ok("reflect", "mine", "--session", s["id"], store=store, cwd=repo)["sessions"] == [s["id"]]
    memories = ok("session", "status", "--session", s["id"], store=store)["memories"]
    assert sorted(m["title"] for m in memories) == ["mine", "part of it"]


@pytest.mark.parametrize("args, code, message", [
    (["reflect", "   "], 2, "reflection text is empty"),
    (["reflect"], 2, "give the reflection TEXT"),
    (["session", "end"], 6, "no active session"),
    (["session", "status", "--session", "nope"], 6, "unknown session 'nope'"),
    (["session", "start", "--project", "nope"], 6, "unknown project 'nope'"),
    (["import-transcript", "/no/such/file.jsonl"], 6, "transcript not found"),
    # a folder was "transcript not found: <folder>", as if it did not exist
    (["import-transcript", "."], 2, "is a folder: give a transcript file (a .jsonl session file or a text file)"),
    (["session", "checkpoint", "-m", "ci"], 2, "--metric expects NAME=SCORE"),     # named --param before
])
def test_errors_are_one_line_with_exit_codes(tmp_path, args, code, message):
    proc = run(*args, store=tmp_path / "store", cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_stdin_that_is_not_utf8_is_read_like_a_file(tmp_path):
    """A file is read with replacement characters, stdin was read strictly: `reflect -` with invalid UTF-8
    was an internal error (UnicodeDecodeError, exit 70)."""
    import os
    import subprocess
    import sys

    from clirun import REPO

    # utf-8:strict is how Python reads stdin in a UTF-8 locale such as en_US.UTF-8 (C.UTF-8 escapes instead)
    env = dict(os.environ, GRAPHBUDDY_HOME=str(tmp_path / "store"), PYTHONPATH=str(REPO),
               PYTHONIOENCODING="utf-8:strict")
    proc = subprocess.run([sys.executable, "-m", "graphbuddy.cli", "reflect", "-", "--json"],
                          input=b"caf\xe9 costs 3 euros\n", capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["content"].startswith("caf\ufffd costs 3 euros")
