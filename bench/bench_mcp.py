"""MCP / store owner benchmark (issue 6). Every figure is printed next to a baseline from the same run.

  ready:      `graphbuddy serve` cold start until it answers; `graphbuddy mcp` (stdio) until it answers
              `initialize`, with the owner running and without (it then starts one); baseline: `python -c pass`
  latency:    find_related_code and query_graph p50/p95, warm, through MCP stdio (the path MCP hosts use),
              MCP over HTTP, and the library RPC over the Unix socket and over loopback TCP;
              baseline: the same call in process
  throughput: concurrent writers (1, 4, 8 client processes, each indexing small projects through the owner)

    .venv/bin/python bench/bench_mcp.py [--corpus DIR] [--calls 100] [--writes 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
os.environ["FASTMCP_CHECK_FOR_UPDATES"] = "off"

import graphbuddy  # noqa: E402
from graphbuddy.owner import discovery  # noqa: E402

TARGET = "related.find_related"       # a function of the default corpus (this package, indexed from its folder)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def fmt(xs) -> str:
    return f"p50 {statistics.median(xs) * 1000:7.2f} ms  p95 {pct(xs, 0.95) * 1000:7.2f} ms"


def timed(fn, n):
    for _ in range(5):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def start_owner(store: Path, *args: str) -> tuple[subprocess.Popen, float]:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "serve", "--store", str(store), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        info = discovery.read_owner(store)
        if info and info["pid"] == proc.pid and discovery.healthy(info):
            return proc, time.perf_counter() - t
        if proc.poll() is not None:
            raise SystemExit("owner failed to start")
        time.sleep(0.01)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def stdio_ready(store: Path) -> float:
    """Spawn `graphbuddy mcp`, send initialize, time the answer."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "mcp", "--store", str(store)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "bench", "version": "0"}}}
    proc.stdin.write((json.dumps(init) + "\n").encode())
    proc.stdin.flush()
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t
    assert b'"result"' in line, line
    proc.stdin.close()
    proc.wait(timeout=30)
    return elapsed


async def mcp_latency(client, n):
    async with client as c:
        out = {}
        for name, args in (("find_related_code", {"target": TARGET}),
                           ("query_graph", {"name": "code.callers", "params": {"id": _target_id()}})):
            for _ in range(5):
                await c.call_tool(name, args)
            xs = []
            for _ in range(n):
                t = time.perf_counter()
                await c.call_tool(name, args)
                xs.append(time.perf_counter() - t)
            out[name] = xs
        return out


_ID: list[str] = []


def _target_id() -> str:
    return _ID[0]


def worker(store: str, workdir: str, wid: int, count: int) -> None:
    """One writer process: index `count` tiny projects through the owner, print the seconds it took."""
    gb = graphbuddy.connect(store)
    t = time.perf_counter()
    for k in range(count):
        name = f"{Path(workdir).name}_w{wid}_{k}"
        root = Path(workdir) / name
        (root / "pkg").mkdir(parents=True, exist_ok=True)
        (root / "pkg" / "m.py").write_text(f"def f{wid}_{k}(x):\n    return g(x)\n\ndef g(x):\n    return x\n")
        gb.index(root, project=name)
    print(time.perf_counter() - t)


def throughput(store: Path, work: Path, clients: int, writes: int) -> float:
    """Writes per second over the slowest client's writing time (process start and imports excluded)."""
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(store), str(work / f"c{clients}"), str(i),
                               str(writes)], stdout=subprocess.PIPE) for i in range(clients)]
    seconds = []
    for p in procs:
        out, _ = p.communicate(timeout=600)
        assert p.returncode == 0
        seconds.append(float(out.decode().split()[-1]))
    return clients * writes / max(seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(REPO / "graphbuddy"), help="project to index (default: this package)")
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--writes", type=int, default=10, help="writes per client in the throughput test")
    args = ap.parse_args()
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

    tmp = Path(tempfile.mkdtemp(prefix="gb-bench-mcp-"))
    store = tmp / "store"
    with graphbuddy.open(store) as gb:
        report = gb.index(args.corpus, project="corpus")
        _ID.append(gb.find_related_code(TARGET)[0].id)
        print(f"corpus: {args.corpus}: {report.files_total} files, {report.functions} functions")
        base_related = timed(lambda: gb.find_related_code(TARGET), args.calls)
        base_query = timed(lambda: gb.query("code.callers", id=_ID[0]), args.calls)

    print("\n== ready time ==")
    py = [timed_once([sys.executable, "-c", "pass"]) for _ in range(5)]
    print(f"baseline python -c pass:            {statistics.median(py) * 1000:7.0f} ms")
    starts = []
    for _ in range(3):
        proc, s = start_owner(store)
        starts.append(s)
        stop(proc)
    print(f"graphbuddy serve cold start:        {statistics.median(starts) * 1000:7.0f} ms "
          f"({statistics.median(starts) / statistics.median(py):.1f}x python start)")
    cold = stdio_ready(store)          # no owner: the first initialize waits for the owner it starts
    warm = [stdio_ready(store) for _ in range(5)]
    print(f"graphbuddy mcp ready, owner running: {statistics.median(warm) * 1000:7.0f} ms "
          f"({statistics.median(warm) / statistics.median(py):.1f}x python start; target <= 1000 ms)")
    print(f"graphbuddy mcp ready, owner started: {cold * 1000:7.0f} ms")

    print("\n== latency (warm) ==")
    print(f"in process      find_related_code {fmt(base_related)}   code.callers {fmt(base_query)}")
    stdio = StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", str(store)],
                           env=dict(os.environ))
    res = asyncio.run(mcp_latency(Client(stdio), args.calls))
    print(f"MCP stdio       find_related_code {fmt(res['find_related_code'])}   query_graph  "
          f"{fmt(res['query_graph'])}   (target find_related_code <= 15 ms p50; "
          f"{statistics.median(res['find_related_code']) / statistics.median(base_related):.1f}x in process)")
    for transport in ("unix", "tcp"):
        owner = discovery.find_owner(store)
        if owner:
            os.kill(owner["pid"], signal.SIGTERM)
            while discovery.pid_alive(owner["pid"]):
                time.sleep(0.02)
        proc, _ = start_owner(store, *(["--port", "0"] if transport == "tcp" else []))
        gb = graphbuddy.connect(store)
        rel = timed(lambda: gb.find_related_code(TARGET), args.calls)
        noop = timed(gb.list_queries, args.calls)
        print(f"RPC over {transport:<5}  find_related_code {fmt(rel)}   list_queries (no database) {fmt(noop)}")
        if transport == "tcp":
            info = discovery.read_owner(store)
            http = StreamableHttpTransport(f"http://127.0.0.1:{info['port']}/mcp", auth=info["token"])
            res = asyncio.run(mcp_latency(Client(http), args.calls))
            print(f"MCP HTTP (tcp)  find_related_code {fmt(res['find_related_code'])}   query_graph  "
                  f"{fmt(res['query_graph'])}")
        stop(proc)

    print("\n== concurrent writes (each write indexes a tiny project through the owner) ==")
    base = in_process_writes(tmp / "direct", args.writes)
    print(f"baseline, in process, no owner: {base:6.1f} writes/s")
    proc, _ = start_owner(store)
    for clients in (1, 4, 8):
        rate = throughput(store, tmp / "work", clients, args.writes)
        print(f"{clients} client(s): {rate:6.1f} writes/s ({rate / base:.2f}x in process)")
    stop(proc)
    print(f"\nstore: {store} (remove when done)")


def in_process_writes(folder: Path, writes: int) -> float:
    """The same tiny-project writes, in this process, on a store of its own (no owner, no RPC)."""
    with graphbuddy.open(folder / "store") as gb:
        t = time.perf_counter()
        for k in range(writes):
            root = folder / f"p{k}"
            (root / "pkg").mkdir(parents=True, exist_ok=True)
            (root / "pkg" / "m.py").write_text(f"def f{k}(x):\n    return g(x)\n\ndef g(x):\n    return x\n")
            gb.index(root, project=f"p{k}")
        return writes / (time.perf_counter() - t)


def timed_once(cmd) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
