"""The CLI end to end in subprocesses: real store on disk, one-line errors, --json everywhere."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import run_cli

pytestmark = pytest.mark.slow


def gb(*args, store: Path, check: bool = True):
    return run_cli(*args, store=store, check=check)


def test_index_related_query_cypher_stats(project_copy, tmp_path):
    store = tmp_path / "store"
    out = json.loads(gb("index", str(project_copy), "--project", "sample", "--json", store=store).stdout)
    assert out["mode"] == "full" and out["files_parsed"] >= 7 and out["calls"] > 10
    again = json.loads(gb("index", str(project_copy), "--project", "sample", "--json", store=store).stdout)
    assert again["mode"] == "unchanged"

    rel = json.loads(gb("related", "round_cents", "--project", "sample", "--rel", "called_by", "--depth", "2",
                        "--json", store=store).stdout)
    callers = {(r["qualified_name"], r["depth"]) for r in rel["related"]}
    assert ("shop.core.pricing._line_total", 1) in callers and ("shop.core.pricing.total_price", 2) in callers
    assert all(r["why"] for r in rel["related"])

    rows = json.loads(gb("query", "code.hotspots", "-p", "project=sample", "-p", "limit=2", "--json",
                         store=store).stdout)
    assert len(rows) == 2
    count = json.loads(gb("cypher", "MATCH (f:File {project: $p}) RETURN count(*) AS n", "-p", "p=sample",
                          "--json", store=store).stdout)
    assert count == [{"n": out["files_total"]}]
    stats = json.loads(gb("stats", "--json", store=store).stdout)
    assert stats[0]["project"] == "sample" and stats[0]["functions"] > 20
    projects = gb("projects", store=store).stdout
    assert "sample" in projects and str(project_copy) in projects
    assert "code.hotspots" in gb("query", "--list", store=store).stdout


@pytest.mark.parametrize("args, code, message", [
    (["index", "/definitely/not/here"], 5, "path does not exist"),
    (["cypher", "MATCH (n) DETACH DELETE n"], 4, "read-only"),
    (["query", "code.nope"], 4, "unknown query"),
    (["query", "code.hotspots"], 4, "missing parameter 'project'"),
    (["related", "nothing_named_like_this"], 6, "no file, function or class"),
    (["related", "x", "--depth", "99"], 6, "no file"),
    (["stats", "--project", "ghost"], 6, "no project named"),
    # found on the tour: "code.hotspots: unknown parameter(s) ; declared: project, limit"
    (["query", "code.hotspots", "-p", "=x"], 2, "--param expects K=V, got '=x'"),
    # the last value won, silently
    (["query", "code.hotspots", "-p", "project=a", "-p", "project=b"], 2, "--param 'project' given twice"),
    # an empty name listed every project, as if none was given
    (["stats", "--project", ""], 6, "no project named ''"),
    # Kùzu's "Cypher failed: Connection exception: Query is empty."
    (["cypher", ""], 4, "empty query: give one Cypher statement"),
    (["cypher", " // only a comment"], 4, "empty query: give one Cypher statement"),
    # an empty target said "no file, function or class named ''" (exit 6), as if one might have that name
    (["related", ""], 2, "empty target: give a file path, a qualified name or a short name"),
    (["related", "  ", "--json"], 2, "empty target: give a file path, a qualified name or a short name"),
    (["impact", ""], 2, "empty target: give a file path, a qualified name or a short name"),
    # argparse's own errors printed the usage first (3-10 lines; found trying typos on the tour)
    (["related", "x", "--depth", "abc"], 2, "graphbuddy related: error: argument --depth: invalid int value: 'abc'"),
    (["index"], 2, "the following arguments are required: path"),
    (["search", "x", "--mode", "bogus"], 2, "argument --mode: invalid choice: 'bogus'"),
    (["session", "begin"], 2, "invalid choice: 'begin'"),
    (["nosuchcommand"], 2, "graphbuddy: error: argument COMMAND: invalid choice: 'nosuchcommand'"),
])
def test_errors_are_one_line_with_exit_codes(tmp_path, args, code, message):
    proc = gb(*args, store=tmp_path / "store", check=False)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_folder_that_is_not_a_store_is_refused_untouched(tmp_path, project_copy):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    proc = gb("index", str(project_copy), "--store", str(foreign), store=tmp_path / "unused", check=False)
    assert proc.returncode == 3 and "not a graphbuddy store" in proc.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["precious.txt"]


def test_empty_directory_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = gb("index", str(empty), store=tmp_path / "store", check=False)
    assert proc.returncode == 5 and "no supported source files" in proc.stderr


def test_a_closed_stdout_pipe_is_no_error_and_no_traceback(tmp_path):
    """`graphbuddy query --list | head -1`: the reader is gone before we write. It printed
    'internal error: BrokenPipeError' (exit 70), or Python's 'Exception ignored ... BrokenPipeError' at exit."""
    import os
    import subprocess
    import sys

    from clirun import REPO

    env = dict(os.environ, GRAPHBUDDY_HOME=str(tmp_path / "store"), PYTHONPATH=str(REPO))
    for args in (["query", "--list"], ["query", "--list", "--json"]):
        proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        proc.stdout.close()                                  # the reader went away before any output
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141, err            # 128 + SIGPIPE, as a C tool killed by it
        assert err == "", err


def test_json_output_is_strict_json_with_nan_and_infinity(tmp_path):
    """json.dumps wrote NaN/Infinity (not JSON: jq and JSON.parse refuse the whole output): they are null; a
    DECIMAL was a string."""
    def strict(text: str):
        def refuse(name):
            raise ValueError(f"not JSON: {name}")
        return json.loads(text, parse_constant=refuse)

    store = tmp_path / "store"
    rows = strict(gb("sql", "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, '-inf'::DOUBLE AS c, 1.5 AS d",
                     "--json", store=store).stdout)
    assert rows == [{"a": None, "b": None, "c": None, "d": 1.5}]


def test_serve_on_a_busy_port_is_one_line(tmp_path):
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        port = busy.getsockname()[1]
        proc = gb("serve", "--port", str(port), "--lock-wait", "1", store=tmp_path / "store", check=False)
    finally:
        busy.close()
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("graphbuddy: error: cannot listen on 127.0.0.1:") and "in use" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "store" / "owner.json").exists()


def test_install_mcp_write_into_a_missing_folder_is_one_line(tmp_path):
    proc = gb("install-mcp", "--write", str(tmp_path / "nowhere" / "mcp.json"), store=tmp_path / "store",
              check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("graphbuddy: error: cannot write") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_install_mcp_into_a_file_whose_servers_are_not_an_object_is_one_line(tmp_path):
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": ["x"]}')
    proc = gb("install-mcp", "--write", str(target), store=tmp_path / "store", check=False)
    assert proc.returncode == 2 and "'mcpServers' is not a JSON object" in proc.stderr, proc.stderr
    assert target.read_text() == '{"mcpServers": ["x"]}'


def test_params_named_like_the_librarys_own_arguments(tmp_path):
    """`-p text=...` / `-p max_rows=...` were passed as gb.cypher's / gb.sql's own arguments: an internal error
    (exit 70, 'got multiple values for argument') or a string row bound."""
    store = tmp_path / "store"
    rows = json.loads(gb("cypher", "RETURN $text AS t, $max_rows AS m", "-p", "text=hi", "-p", "max_rows=2",
                         "--json", store=store).stdout)
    assert rows == [{"t": "hi", "m": "2"}]
    rows = json.loads(gb("sql", "SELECT $text AS t, $timeout_ms AS o", "-p", "text=hi", "-p", "timeout_ms=x",
                         "--json", store=store).stdout)
    assert rows == [{"t": "hi", "o": "x"}]


def test_text_output_on_a_terminal_that_cannot_show_it(tmp_path):
    """Output a non-UTF-8 terminal cannot encode (an ASCII or Latin-1 locale) was an internal error
    (UnicodeEncodeError, exit 70) instead of escaped characters."""
    import os
    import subprocess
    import sys

    from clirun import REPO

    env = dict(os.environ, GRAPHBUDDY_HOME=str(tmp_path / "store"), PYTHONPATH=str(REPO), PYTHONIOENCODING="ascii")
    proc = subprocess.run([sys.executable, "-m", "graphbuddy.cli", "cypher", "RETURN '☕ café' AS s"],
                          capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"\\u2615 caf\\xe9" in proc.stdout


def test_a_param_given_with_colon_equals_is_a_json_value(tmp_path, project_copy):
    """`-p n=2` is the string '2': `LIMIT $n` failed with Kùzu's "The number of rows to skip/limit must be a
    non-negative integer." and no way to pass a number. `-p n:=2` takes the value as JSON."""
    store = tmp_path / "store"
    gb("index", str(project_copy), "--project", "sample", store=store)
    limit = "MATCH (f:Function) RETURN f.name AS n ORDER BY n LIMIT $n"
    assert len(json.loads(gb("cypher", limit, "-p", "n:=2", "--json", store=store).stdout)) == 2
    rows = json.loads(gb("cypher", "RETURN $xs AS xs, $flag AS flag, $s AS s", "-p", "xs:=[1, 2]", "-p",
                         "flag:=true", "-p", "s=2", "--json", store=store).stdout)
    assert rows == [{"xs": [1, 2], "flag": True, "s": "2"}]
    assert json.loads(gb("sql", "SELECT $n + 1 AS m", "-p", "n:=41", "--json", store=store).stdout) == [{"m": 42}]
    proc = gb("cypher", limit, "-p", "n:=two", store=store, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == \
        "graphbuddy: error: --param n:= expects a JSON value (2, 1.5, true, null, \"text\", [1, 2]), got 'two'"
