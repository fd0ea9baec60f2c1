"""`graphbuddy install-mcp`: the .mcp.json entry, printed or merged into an existing file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "graphbuddy.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=60)


def test_install_mcp_prints_a_stdio_entry(tmp_path):
    r = run("install-mcp", "--store", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    entry = json.loads(r.stdout)["mcpServers"]["graphbuddy"]
    assert entry["type"] == "stdio"
    assert entry["args"][-3:] == ["mcp", "--store", str((tmp_path / "s").resolve())]


def test_install_mcp_pins_the_store_named_by_graphbuddy_home(tmp_path):
    """With GRAPHBUDDY_HOME set (as the README's tour does) the entry had no --store: the MCP host, which does
    not inherit the user's shell, served ~/.graphbuddy instead of the store the user had just filled (found
    following the README tour: install-mcp after `export GRAPHBUDDY_HOME=...`)."""
    r = subprocess.run([sys.executable, "-m", "graphbuddy.cli", "install-mcp"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                                                      "GRAPHBUDDY_HOME": "home-store", "GRAPHBUDDY_MODEL": "./m"})
    assert r.returncode == 0, r.stderr
    entry = json.loads(r.stdout)["mcpServers"]["graphbuddy"]
    assert entry["args"][-3:] == ["mcp", "--store", str((tmp_path / "home-store").resolve())]
    assert entry["env"]["GRAPHBUDDY_MODEL"] == str(tmp_path / "m")     # the owner it starts embeds with it


def test_install_mcp_merges_into_an_existing_file(tmp_path):
    target = tmp_path / ".mcp.json"
    target.write_text(json.dumps({"mcpServers": {"other": {"command": "x"}}, "keep": 1}))
    r = run("install-mcp", "--write", str(tmp_path), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(target.read_text())
    assert data["keep"] == 1 and data["mcpServers"]["other"] == {"command": "x"}
    assert data["mcpServers"]["graphbuddy"]["args"][-1] == "mcp"
    target.write_text("{not json")
    r = run("install-mcp", "--write", str(target))
    assert r.returncode == 2 and "not valid JSON" in r.stderr and "Traceback" not in r.stderr
    assert target.read_text() == "{not json"


def test_owner_status_without_an_owner(tmp_path):
    r = run("owner", "status", "--store", str(tmp_path / "s"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"pid": None}


def test_an_empty_server_name_is_refused_and_nothing_is_written(tmp_path):
    """`--name ''` printed (or merged) an entry under the key "", which no MCP host can start by name."""
    target = tmp_path / ".mcp.json"
    target.write_text('{"mcpServers": {"other": {"command": "x"}}}')
    for args in (["--name", ""], ["--name", "  ", "--write", str(target)]):
        r = run("install-mcp", "--store", str(tmp_path / "s"), *args)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.strip() == "graphbuddy: error: empty MCP server name: give one with --name (default graphbuddy)"
    assert json.loads(target.read_text()) == {"mcpServers": {"other": {"command": "x"}}}
