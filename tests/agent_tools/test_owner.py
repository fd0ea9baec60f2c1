"""The store owner through real processes: HTTP with its token, stdio sessions sharing one owner, library
clients, concurrent writers, kill -9 during writes, direct openers, clean SIGTERM."""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.errors import InvalidArgument, NotFound, OwnerNotResponding, ReadOnlyViolation
from graphbuddy.owner import discovery, wire
from graphbuddy.result import Result

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("owner_worker.py")
FIXTURES = REPO / "tests" / "fixtures"
pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Environment for child processes and for owners started from this process."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("GRAPHBUDDY_ALLOWED_ROOTS", str(tmp_path))
    monkeypatch.setenv("FASTMCP_CHECK_FOR_UPDATES", "off")
    return dict(os.environ)


@pytest.fixture
def store(tmp_path, env):
    path = tmp_path / "store"
    yield path
    _stop_owner(path)


def _stop_owner(path: Path) -> None:
    info = discovery.read_owner(path)
    if info and discovery.pid_alive(info["pid"]):
        os.kill(info["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 20
        while discovery.pid_alive(info["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        if discovery.pid_alive(info["pid"]):
            os.kill(info["pid"], signal.SIGKILL)


def _sample(tmp_path) -> Path:
    root = tmp_path / "sample"
    if not root.exists():
        shutil.copytree(FIXTURES / "sample", root)
    return root


def _serve(store: Path, env: dict, *args: str, cwd: Path | None = None) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "serve", "--store", str(store), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = discovery.read_owner(store)
        if info and info["pid"] == proc.pid and discovery.healthy(info):
            return proc, info
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    raise AssertionError("owner did not start")


def test_http_needs_the_token_serves_tools_and_stops_cleanly(store, env, tmp_path):
    from fastmcp import Client
    from fastmcp.client.transports import StreamableHttpTransport

    proc, info = _serve(store, env, "--port", "0")
    assert info["transport"] == "tcp" and info["host"] == "127.0.0.1"
    assert (store / "owner.json").stat().st_mode & 0o777 == 0o600
    assert (store / "owner.token").stat().st_mode & 0o777 == 0o600
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": info["token"]}):
        conn = http.client.HTTPConnection(info["host"], info["port"], timeout=10)
        conn.request("POST", "/mcp", body=b"{}", headers={"Content-Type": "application/json", **headers})
        assert conn.getresponse().status == 401
        conn.close()
    url = f"http://127.0.0.1:{info['port']}/mcp"

    async def use():
        async with Client(StreamableHttpTransport(url, auth=info["token"])) as c:
            r = await c.call_tool("index_project", {"path": str(_sample(tmp_path)), "project": "sample"})
            assert r.structured_content["functions"] > 10
            r = await c.call_tool("find_related_code", {"target": "shop.core.pricing.apply_discount"})
            return r.structured_content

    out = asyncio.run(use())
    assert out["target"]["kind"] == "Function" and out["related"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    left = {p.name for p in store.iterdir()}
    assert "owner.json" not in left and not any(n.endswith(".wal") for n in left), left
    with graphbuddy.open(store) as gb:            # files closed and checkpointed: a direct open works
        assert [p["project"] for p in gb.projects()] == ["sample"]


def test_stdio_sessions_share_one_owner_with_library_and_cli(store, env, tmp_path):
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    def transport():
        return StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", str(store)], env=env)

    async def two_sessions():
        async with Client(transport()) as a, Client(transport()) as b:
            await a.call_tool("index_project", {"path": str(_sample(tmp_path)), "project": "sample"})
            ra = await a.call_tool("list_projects", {})
            rb = await b.call_tool("get_symbol", {"target": "shop.core.pricing.apply_discount"})
            return ra.structured_content, rb.structured_content

    projects, symbol = asyncio.run(two_sessions())
    assert [p["project"] for p in projects["projects"]] == ["sample"]
    assert symbol["source"].startswith("def apply_discount")
    owner = discovery.read_owner(store)
    gb = graphbuddy.connect(store)
    assert gb.owner_pid == owner["pid"]
    assert [p["project"] for p in gb.projects()] == ["sample"]
    cli = subprocess.run([sys.executable, "-m", "graphbuddy.cli", "stats", "--store", str(store), "--json"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)[0]["project"] == "sample"


def test_library_client_round_trips_types_and_errors(store, env, tmp_path):
    gb = graphbuddy.connect(store)
    report = gb.index(_sample(tmp_path), project="sample", progress=lambda *a: None)
    assert type(report).__name__ == "IndexReport" and report.functions > 10
    target, hits = gb.find_related_code("shop/core/pricing.py", depth=2)
    assert target.kind == "File" and hits and all(h.why for h in hits)
    res = gb.query("code.hotspots", project="sample", max_rows=2)
    assert isinstance(res, Result) and len(res) == 2 and res.truncated and res.df().shape[0] == 2
    assert gb.find_symbol("shop.core.pricing.apply_discount").source.startswith("def apply_discount")
    with pytest.raises(NotFound):
        gb.find_related_code("nothing_named_like_this")
    with pytest.raises(ReadOnlyViolation):
        gb.cypher("MATCH (n) DETACH DELETE n")
    assert gb.cypher("MATCH (f:File) RETURN count(*) AS n").rows()[0]["n"] > 5


def test_a_direct_opener_never_shows_a_lock_error(store, env, tmp_path):
    """A process holds the files directly (a CLI run); another client gets an owner that waits for them."""
    graphbuddy.open(store).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import graphbuddy, sys, time; gb = graphbuddy.open(sys.argv[1]); print('open', flush=True); "
        "time.sleep(2); gb.close()"), str(store)], env=env, stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"open"
    gb = graphbuddy.open_shared(store)            # locked and no owner: starts one, which waits for the lock
    assert type(gb).__name__ == "RemoteGraphBuddy"
    assert gb.projects() == []
    assert holder.wait(timeout=30) == 0


def test_stale_owner_file_is_cleaned_and_replaced(store, env, tmp_path):
    gb = graphbuddy.connect(store)
    gb.index(_sample(tmp_path), project="sample")
    first = gb.owner_pid
    os.kill(first, signal.SIGKILL)
    while discovery.pid_alive(first):
        time.sleep(0.02)
    assert discovery.read_owner(store)["pid"] == first          # left behind by the crash
    assert [p["project"] for p in gb.projects()] == ["sample"]  # the next call starts a new owner
    assert gb.owner_pid != first and discovery.read_owner(store)["pid"] == gb.owner_pid


def _expected_counts(tmp_path) -> tuple[int, int, int]:
    """(files, functions, calls) of one worker project indexed alone, in memory."""
    sys.path.insert(0, str(WORKER.parent))
    from owner_worker import make_project

    with graphbuddy.open(memory=True) as gb:
        gb.index(make_project(tmp_path / "reference", "ref"), project="ref")
        s = gb.stats("ref")[0]
    return s["files"], s["functions"], s["calls"]


def _workers(store: Path, workdir: Path, env: dict, n: int, count: int, modes=("rpc", "mcp")):
    return [subprocess.Popen([sys.executable, str(WORKER), str(store), str(workdir), str(i), str(count),
                              modes[i % len(modes)]], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for i in range(n)]


def test_eight_concurrent_writer_processes(store, env, tmp_path):
    """8 processes (half library RPC, half MCP stdio) start together (racing to start the owner), each
    writing 5 projects and reading them back: 0 errors, 0 lock errors, everything stored, one owner."""
    work = tmp_path / "work"
    procs = _workers(store, work, env, n=8, count=5)
    summaries = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-2000:]
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    assert [s["errors"] for s in summaries] == [[]] * 8
    assert sum(s["lock_errors"] for s in summaries) == 0
    gb = graphbuddy.connect(store)
    names = {p["project"] for p in gb.projects()}
    assert names == {f"w{w}_p{k}" for w in range(8) for k in range(5)}
    expected = _expected_counts(tmp_path)
    assert all((s["files"], s["functions"], s["calls"]) == expected for s in gb.stats())


# The figure: 8 client processes x 1,000 reflections with searches running at the same time.
# GRAPHBUDDY_CONCURRENCY_COUNT lowers it for a quick local run.
REFLECTIONS_PER_CLIENT = int(os.environ.get("GRAPHBUDDY_CONCURRENCY_COUNT", "1000"))


def test_eight_clients_store_reflections_and_search_concurrently(store, env, tmp_path):
    """Half library RPC, half MCP stdio: every reflection stored once, every search finds its newest note,
    0 errors, 0 lock errors."""
    n = REFLECTIONS_PER_CLIENT
    procs = _workers(store, tmp_path / "work", env, n=8, count=n, modes=("reflect-rpc", "reflect-mcp"))
    summaries = []
    for p in procs:
        out, err = p.communicate(timeout=3600)
        assert p.returncode == 0, err[-2000:]
        summaries.append(json.loads(out.strip().splitlines()[-1]))
        assert out.count("ACK ") == n
    assert [s["errors"] for s in summaries] == [[]] * 8
    assert sum(s["lock_errors"] for s in summaries) == 0
    assert all(s["searches"] == n // 100 for s in summaries)
    gb = graphbuddy.connect(store)
    assert gb.reflection_stats()["reflections"] == 8 * n
    assert gb.reflection_stats()["tags"] == {f"w{w}": n for w in range(8)}


def test_kill_9_during_writes_loses_no_acknowledged_write(store, env, tmp_path):
    work = tmp_path / "work"
    gb = graphbuddy.connect(store)
    first = gb.owner_pid
    [proc] = _workers(store, work, env, n=1, count=16, modes=("rpc",))
    acked = []
    while len(acked) < 4:
        acked.append(proc.stdout.readline().split()[1])
    os.kill(first, signal.SIGKILL)                 # the worker is mid-write: it writes back to back
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-2000:]
    lines = out.strip().splitlines()
    acked += [line.split()[1] for line in lines if line.startswith("ACK ")]
    summary = json.loads(lines[-1])
    assert summary["lock_errors"] == 0
    assert len(acked) + len(summary["errors"]) == 16
    assert all("may not have been applied" in e for e in summary["errors"]), summary["errors"]
    gb = graphbuddy.connect(store)
    assert gb.owner_pid != first
    stats = {s["project"]: s for s in gb.stats()}
    expected = _expected_counts(tmp_path)
    for name in acked:
        assert (stats[name]["files"], stats[name]["functions"], stats[name]["calls"]) == expected, name


def test_owner_stops_when_its_owner_file_is_gone(store, env):
    """An owner nobody can find (owner.json removed, store folder deleted) stops instead of holding the files."""
    gb = graphbuddy.connect(store)
    pid = gb.owner_pid
    (store / "owner.json").unlink()
    deadline = time.monotonic() + 30
    while discovery.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not discovery.pid_alive(pid)
    assert not (store / "owner.sock").exists()


def _cli(store: Path, env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphbuddy.cli", *args, "--store", str(store), "--json"],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_paths_and_cwd_are_the_clients_not_the_owners(store, env, tmp_path):
    """The owner runs in another folder than the CLI (it keeps the cwd of whoever started it): `index .`,
    `session start` and `reflect` (project of the cwd) went to the owner's folder, not the user's."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc, _ = _serve(store, env, cwd=elsewhere)
    sample = _sample(tmp_path)
    r = _cli(store, env, sample, "index", ".")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["project"] == "sample"
    r = _cli(store, env, sample / "shop", "session", "start")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["project"] == "sample"
    r = _cli(store, env, sample, "reflect", "prices are rounded to cents")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["project"] == "sample"
    assert discovery.read_owner(store)["pid"] == proc.pid           # every call went through the owner


def test_cli_watch_and_hotspots_work_while_an_owner_runs(store, env, tmp_path):
    """`watch` is not a remote method and `hotspots --project` read `gb.graph`: both were internal errors
    (AttributeError, exit 70) whenever an owner held the store."""
    proc, _ = _serve(store, env)
    sample = _sample(tmp_path)
    w = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "watch", str(sample), "--project", "sample",
                          "--store", str(store), "--json"], env={**env, "PYTHONUNBUFFERED": "1"},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = w.stdout.readline()                       # the catch-up index, through the owner
        assert first, w.stderr.read() if w.poll() is not None else "no output"
        assert json.loads(first)["report"]["project"] == "sample"
        time.sleep(0.3)
        (sample / "shop/extra.py").write_text("def extra():\n    return 1\n")
        assert '"shop/extra.py"' in w.stdout.readline()
    finally:
        w.send_signal(signal.SIGINT)
        out, err = w.communicate(timeout=60)
    assert w.returncode == 0, err
    r = _cli(store, env, tmp_path, "hotspots", "--project", "sample")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)
    r = _cli(store, env, tmp_path, "hotspots", "--project", "nope")
    assert r.returncode == 6 and "no project named 'nope'" in r.stderr, r.stderr
    assert discovery.read_owner(store)["pid"] == proc.pid


def test_owner_file_naming_a_live_pid_that_does_not_listen_is_stale(store, env, tmp_path):
    """After a reboot the pid in a left-over owner.json may name another live process: every CLI run waited
    5 s for it to answer, then left the file for the next run to wait again."""
    graphbuddy.open(store).close()
    other = subprocess.Popen(["sleep", "120"])            # a live process that is no owner
    try:
        info = {"pid": other.pid, "transport": "unix", "socket": str(store / "owner.sock"), "token": "t" * 43,
                "store": str(store), "started_at": 0}
        discovery.write_private(store / "owner.json", json.dumps(info))
        started = time.monotonic()
        r = _cli(store, env, tmp_path, "stats")
        assert r.returncode == 0, r.stderr
        assert not (store / "owner.json").exists()
        assert time.monotonic() - started < 4.5
    finally:
        other.kill()
        other.wait()


def test_owner_stop_says_so_when_the_owner_did_not_stop(store, env, monkeypatch):
    """`graphbuddy owner stop` printed 'stopped owner pid N' (exit 0) when the owner was still running after
    the wait. The owner here is a process SIGTERM cannot stop (it ignores it, as a deadlocked owner would
    never act on it); a suspended owner is continued and does stop (test_a_frozen_owner_...)."""
    from graphbuddy.errors import StoreError
    from graphbuddy.owner import install

    stuck = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
                              "signal.SIG_IGN); print('ready', flush=True); time.sleep(120)"], stdout=subprocess.PIPE)
    assert stuck.stdout.readline().strip() == b"ready"
    monkeypatch.setattr(install, "owner_status", lambda where: {"pid": stuck.pid, "responding": False})
    try:
        with pytest.raises(StoreError, match=f"owner pid {stuck.pid} did not stop within 1 s.*kill -9 {stuck.pid}"):
            install.stop_owner(str(store), timeout_s=1.0)
    finally:
        stuck.kill()
        stuck.wait()


MALFORMED_RPC = [
    b"not json", b"\xff\xfe", b"", b"[1, 2]", b'"stats"', b"{}", b'{"kwargs": {}}', b'{"method": "stats"}',
    b'{"method": 5, "kwargs": {}}', b'{"method": "stats", "kwargs": [1]}', b'{"method": "stats", "kwargs": "x"}',
    b'{"method": "stats", "params": {}}', b'{"method": "stats", "kwargs": {}, "params": {}}',
    b'{"method": "no_such_method", "kwargs": {}}', b'{"method": "close", "kwargs": {}}',
    b'{"method": "stats", "kwargs": {"no_such_argument": 1}}', b'{"method": "find_symbol", "kwargs": {}}',
    b'{"method": "stats", "kwargs": {"project": {"$dt": "not a date"}}}',
    b'{"method": "stats", "kwargs": {"project": {"$dc": "graphbuddy.errors:NoSuchClass"}}}',
    b'{"method": "stats", "kwargs": {"project": {"$bytes": "a"}}}',
]


def test_malformed_rpc_bodies_get_400_and_one_line_and_the_owner_keeps_serving(store, env):
    """Invalid JSON, a missing or misnamed "method"/"kwargs", arguments of the wrong type, unknown methods or
    argument names got HTTP 200 with text like "store owner: KeyError: 'method'" (and a traceback in the log)."""
    proc, info = _serve(store, env)
    for body in MALFORMED_RPC:
        status, _, data = wire.http_request(info, "POST", "/rpc", body, timeout=30, headers={
            "Content-Type": "application/json", **discovery.auth_header(info)})
        assert status == 400, (body, status, data)
        error = json.loads(data)["error"]
        assert error["type"] == "InvalidArgument" and error["exit_code"] == 2, (body, error)
        message = error["message"]
        assert message.startswith("bad RPC request: ") and "\n" not in message, (body, message)
        assert "Error:" not in message and "Traceback" not in message, (body, message)
    gb = graphbuddy.connect(store)                     # the client raises the envelope's class, one line
    with pytest.raises(InvalidArgument, match="no_such_argument"):
        gb.call("stats", {"no_such_argument": 1})
    assert gb.projects() == [] and gb.owner_pid == proc.pid   # still serving, same process
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err.decode(), err.decode()[-2000:]


def test_session_commands_without_an_id_pick_the_session_of_the_clients_folder(store, env, tmp_path):
    """With several active sessions, `session checkpoint|status|end` without --session pick the one of the
    project holding the cwd: through an owner, that was the owner's cwd (here project a), not the CLI's."""
    roots = {}
    for name in ("a", "b"):
        roots[name] = tmp_path / name
        (roots[name] / "pkg").mkdir(parents=True)
        (roots[name] / "pkg" / "mod.py").write_text(f"def {name}_main():\n    return 1\n")
    proc, _ = _serve(store, env, cwd=roots["a"])
    started = {}
    for name, root in roots.items():
        assert _cli(store, env, root, "index", ".").returncode == 0
        r = _cli(store, env, root / "pkg", "session", "start")
        assert r.returncode == 0, r.stderr
        started[name] = json.loads(r.stdout)["id"]
    r = _cli(store, env, roots["b"] / "pkg", "session", "status")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["session"]["id"] == started["b"]
    r = _cli(store, env, roots["b"], "session", "checkpoint")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["session_id"] == started["b"]
    r = _cli(store, env, roots["b"], "session", "end", "--summary", "done in b")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["session"]["id"] == started["b"]
    r = _cli(store, env, roots["a"], "session", "status")
    assert json.loads(r.stdout)["session"]["status"] == "active"
    assert discovery.read_owner(store)["pid"] == proc.pid           # every call went through the owner


def _frozen(message: str, pid: int) -> bool:
    return f"store owner (pid {pid}) is not responding" in message and "graphbuddy owner stop" in message


def test_a_frozen_owner_is_reported_in_seconds_by_the_cli_the_library_and_mcp(store, env, tmp_path):
    """An owner that is alive and holds the store but does not answer (SIGSTOP here; a deadlock the same):
    every client probed /health for 45 s, then the CLI tried to start a second owner, which could not get
    the files: 3 min 45 s, then 'did not answer within 90s'. Now one line within seconds naming the pid and
    what to do, and `graphbuddy owner status|stop` work on it."""
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    proc, info = _serve(store, env)
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        r = _cli(store, env, tmp_path, "stats")
        assert time.monotonic() - started < 20
        assert r.returncode == 3 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert _frozen(r.stderr, proc.pid) and "suspended" in r.stderr, r.stderr
        with pytest.raises(OwnerNotResponding) as caught:
            graphbuddy.connect(store)
        assert _frozen(str(caught.value), proc.pid)

        async def session():
            transport = StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", str(store)],
                                       env=env)
            async with Client(transport, timeout=60) as c:
                await c.call_tool("list_projects", {})

        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            asyncio.run(session())
        assert time.monotonic() - started < 30
        assert _frozen(str(caught.value), proc.pid), repr(caught.value)
        assert discovery.read_owner(store)["pid"] == proc.pid      # not taken for stale, no second owner
        r = _cli(store, env, tmp_path, "owner", "status")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["pid"] == proc.pid and json.loads(r.stdout)["responding"] is False
        r = _cli(store, env, tmp_path, "owner", "stop")        # SIGTERM, and SIGCONT so it can act on it
        assert r.returncode == 0, r.stderr
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)


def test_a_call_to_an_owner_that_freezes_is_given_up_but_a_long_call_is_not(store, env, tmp_path, monkeypatch):
    """A client already talking to an owner waited up to an hour (its RPC timeout) for an owner that froze. It
    now checks /health while it waits: a busy owner answers it (the call may take as long as it needs), a
    frozen one does not (the call is given up within seconds)."""
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    proc, info = _serve(store, env)
    checks = []
    answer_within = discovery.answer_within
    monkeypatch.setattr(discovery, "CHECK_EVERY_S", 0.2)
    monkeypatch.setattr(discovery, "answer_within", lambda *a, **k: checks.append(1) or answer_within(*a, **k))
    gb = graphbuddy.connect(store)
    busy = gb.sql("SELECT count(*) AS n FROM range(400000000) t(i) WHERE hash(i) % 7 = 0")   # a few seconds
    assert busy.rows()[0]["n"] > 0 and checks, "the call should have outlasted a health check"

    async def session():
        transport = StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", str(store)],
                                   env=env)
        async with Client(transport, timeout=120) as c:
            await c.call_tool("list_projects", {})
            os.kill(proc.pid, signal.SIGSTOP)
            started = time.monotonic()
            try:
                r = await c.call_tool("list_projects", {}, raise_on_error=False)
                message = r.content[0].text if r.is_error else f"not an error: {r}"
            except Exception as exc:            # the forwarder's JSON-RPC error
                message = str(exc)
            return message, time.monotonic() - started

    try:
        message, waited = asyncio.run(session())
        assert waited < 30 and _frozen(message, proc.pid), message
        started = time.monotonic()
        with pytest.raises(OwnerNotResponding, match="'projects' got no answer") as caught:
            gb.projects()
        assert time.monotonic() - started < 30 and _frozen(str(caught.value), proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    assert gb.projects() == [] and gb.owner_pid == proc.pid      # resumed: the same owner serves on


def test_mcp_session_tools_use_the_agents_folder_not_the_owners(store, env, tmp_path):
    """MCP `start_session` without a path and `checkpoint` / `end_session` / `session_status` without an id
    ran with the owner's cwd (here project a's folder, as when the first agent's stdio server started it):
    an agent in project b got a's session, or a new session on a. The stdio server sends its folder; a
    client that does not (plain HTTP) is never given the owner's folder instead."""
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

    roots = {}
    for name in ("a", "b"):
        roots[name] = tmp_path / name
        (roots[name] / "pkg").mkdir(parents=True)
        (roots[name] / "pkg" / "mod.py").write_text(f"def {name}_main():\n    return 1\n")
    proc, info = _serve(store, env, "--port", "0", cwd=roots["a"])
    for root in roots.values():
        assert _cli(store, env, root, "index", ".").returncode == 0
    r = _cli(store, env, roots["a"], "session", "start")
    assert r.returncode == 0, r.stderr
    started_a = json.loads(r.stdout)["id"]

    async def agent_in_b():
        transport = StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", str(store)], env=env,
                                   cwd=str(roots["b"] / "pkg"))
        async with Client(transport, timeout=60) as c:
            started = (await c.call_tool("start_session", {"agent": "test"})).structured_content
            status = (await c.call_tool("session_status", {})).structured_content
            # a reflection or insight without a project had none (no code links, no session) where the CLI's
            # `reflect` took the cwd's project and its active session (found on the MCP tour)
            note = (await c.call_tool("store_reflection", {"content": "pkg/mod.py returns one"})).structured_content
            seen = (await c.call_tool("capture_insights", {"text": "`★ Insight ─────`\npkg/mod.py is b's entry "
                                                                   "point.\n`─────`\n"})).structured_content
            point = (await c.call_tool("checkpoint", {})).structured_content
            end = (await c.call_tool("end_session", {"summary": "b done"})).structured_content
            return started, status, point, end, note, seen

    started, status, point, end, note, seen = asyncio.run(agent_in_b())
    assert started["project"] == "b"
    assert note["project"] == "b" and note["about"] == ["b:pkg/mod.py"] and note["sessions"] == [started["id"]]
    assert seen["insights"][0]["project"] == "b" and seen["insights"][0]["about"] == ["b:pkg/mod.py"], seen
    assert status["session"]["id"] == started["id"] and point["session_id"] == started["id"]
    assert end["session"]["id"] == started["id"]
    r = _cli(store, env, roots["b"], "session", "start")            # two active sessions again: a and b
    assert r.returncode == 0, r.stderr

    async def http_client():
        url = f"http://127.0.0.1:{info['port']}/mcp"
        async with Client(StreamableHttpTransport(url, auth=info["token"]), timeout=60) as c:
            status = await c.call_tool("session_status", {}, raise_on_error=False)
            start = await c.call_tool("start_session", {}, raise_on_error=False)
            return status, start

    status, start = asyncio.run(http_client())
    assert status.is_error and "pass a session id" in status.content[0].text, status
    assert start.is_error and "did not say which folder" in start.content[0].text, start
    r = _cli(store, env, roots["a"], "session", "status")
    assert json.loads(r.stdout)["session"]["id"] == started_a
    assert discovery.read_owner(store)["pid"] == proc.pid


def test_stdio_forwarder_passes_malformed_tool_calls_to_the_owner(store, env):
    """A tools/call whose params are not an object got "graphbuddy: 'list' object has no attribute 'get'"
    from the forwarder itself (it looked up the tool name to decide whether a retry is safe). Passed on, the
    owner's answer has "id": null (an error about the whole message): the forwarder gives it the request's
    id, or the host would wait for an answer forever."""
    proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "mcp", "--store", str(store)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for msg in ({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                        "protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "test", "version": "0"}}},
                    {"jsonrpc": "2.0", "method": "notifications/initialized"},
                    {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["list_projects", {}]}):
            proc.stdin.write(json.dumps(msg).encode() + b"\n")
            proc.stdin.flush()
            if "id" in msg:
                answer = json.loads(proc.stdout.readline())
        assert answer["id"] == 2 and answer["error"]["code"] == -32602, answer    # the owner's "invalid params"
        assert "has no attribute" not in answer["error"]["message"], answer
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


MALFORMED_MCP = [   # (body, what the one-line message says)
    ([{"jsonrpc": "2.0", "id": 1, "method": "ping"}], "invalid message: not a JSON object"),
    ("tools/call", "invalid message: not a JSON object"),
    ({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": "list_projects"},
     "invalid message: params: Input should be a valid dictionary"),
    ({"jsonrpc": "1.0", "id": 3, "method": "ping"}, "invalid message: jsonrpc: Input should be '2.0'"),
    ({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "list_projects", "arguments": "x"}},
     "invalid params: arguments: Input should be a valid dictionary"),
    ({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "list_projects", "arguments": [1]}},
     "invalid params: arguments: Input should be a valid dictionary"),
    ({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": 5}},
     "invalid params: name: Input should be a valid string"),
    ({"jsonrpc": "2.0", "id": 7, "method": "tools/call"}, "invalid params: params: Field required"),
    ({"jsonrpc": "2.0", "id": 8, "method": "prompts/get", "params": {"name": "orient"}},
     "invalid arguments: project: Missing required argument"),
]


def test_malformed_mcp_messages_get_one_line_errors_from_the_owner(store, env):
    """A JSON-RPC message that is not an object, or whose params are not an object, got pydantic's text for
    each of the four kinds of message (a dozen lines, a link each); a tools/call whose arguments or name had
    the wrong type got "Invalid request parameters" saying nothing; a prompt without its argument got
    "Error rendering prompt" as an internal error and a traceback in the owner's log. Found by sending them
    through `graphbuddy mcp` by hand."""
    proc, info = _serve(store, env)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18", **discovery.auth_header(info)}
    for body, expected in MALFORMED_MCP:
        _, _, data = wire.http_request(info, "POST", "/mcp", json.dumps(body).encode(), timeout=30,
                                       headers=headers)
        answer = json.loads(data)
        assert answer["error"]["code"] == -32602, (body, answer)
        message = answer["error"]["message"]
        assert message.startswith(expected) and "\n" not in message and "pydantic" not in message, (body, message)
        if isinstance(body, dict):
            assert answer["id"] == body["id"], answer
    _, _, data = wire.http_request(info, "POST", "/mcp", json.dumps(
        {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "list_projects", "arguments": {}}}
    ).encode(), timeout=30, headers=headers)
    assert json.loads(data)["result"]["structuredContent"] == {"projects": []}     # still serving
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err.decode(), err.decode()[-2000:]


def test_relative_paths_in_the_environment_are_the_starting_clients(store, env, tmp_path):
    """GRAPHBUDDY_MODEL and GRAPHBUDDY_ALLOWED_ROOTS given relative reached the owner as they were: read
    against the owner's cwd, whatever that is (a service, `graphbuddy serve` elsewhere, an owner restarted by
    another client). The client that starts the owner now makes them absolute against its own cwd, where the
    user set them (found reading embedding.py against discovery.spawn_owner)."""
    folder = tmp_path / "work"
    (folder / "models" / "mini").mkdir(parents=True)
    child = dict(env, GRAPHBUDDY_MODEL="models/mini", GRAPHBUDDY_ALLOWED_ROOTS=os.pathsep.join(["projects", "/abs"]))
    r = subprocess.run([sys.executable, "-c", "import sys, graphbuddy; print(graphbuddy.connect(sys.argv[1]).owner_pid)",
                        str(store)], env=child, cwd=folder, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    environ = dict(item.split("=", 1) for item in
                   Path(f"/proc/{int(r.stdout)}/environ").read_bytes().decode().split("\0") if "=" in item)
    assert environ["GRAPHBUDDY_MODEL"] == str(folder / "models" / "mini")
    assert environ["GRAPHBUDDY_ALLOWED_ROOTS"] == os.pathsep.join([str(folder / "projects"), "/abs"])
