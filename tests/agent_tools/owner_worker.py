"""A separate client process for the owner tests: writes through the store owner and reads back.

    python owner_worker.py STORE WORKDIR WORKER_ID COUNT {rpc|mcp}

    python owner_worker.py STORE WORKDIR WORKER_ID COUNT {reflect-rpc|reflect-mcp}

rpc/mcp: each write indexes a small project of its own (`w<id>_p<k>`, two files, FUNCS functions) and prints
`ACK <name>` once the owner acknowledged it; each read checks a project's function count.
reflect-*: each write stores a reflection of its own (tag `w<id>`); every SEARCH_EVERY writes the worker
searches its own notes and checks the newest acknowledged one is found. The last line is a JSON summary.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

FUNCS = 3
SEARCH_EVERY = 100


def make_project(workdir: Path, name: str) -> Path:
    root = workdir / name
    (root / "pkg").mkdir(parents=True, exist_ok=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "core.py").write_text(
        "".join(f"def {name}_f{i}(x):\n    return x + {i}\n\n" for i in range(FUNCS - 1)))
    (root / "pkg" / "use.py").write_text(
        f"from pkg.core import {name}_f0\n\ndef {name}_main():\n    return {name}_f0(1)\n")
    return root


def run_rpc(store: str, workdir: Path, wid: int, count: int) -> dict:
    import graphbuddy

    gb = graphbuddy.connect(store)
    errors, lock_errors = [], 0
    for k in range(count):
        name = f"w{wid}_p{k}"
        try:
            gb.index(make_project(workdir, name), project=name)          # write_one
            print(f"ACK {name}", flush=True)
            n = gb.query("code.project_stats", project=name).rows()[0]["functions"]
            if n < FUNCS:
                errors.append(f"{name}: {n} functions")
            gb.find_related_code(f"{name}_main", project=name)
        except Exception as exc:  # counted, the test asserts there are none
            lock_errors += "lock" in str(exc).lower()
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
    return {"worker": wid, "errors": errors, "lock_errors": lock_errors}


def mcp_client(store: str):
    """A real MCP host's view: the `graphbuddy mcp` stdio command, which forwards to the store owner."""
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    return Client(StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", store],
                                 env=dict(os.environ)))


def run_mcp(store: str, workdir: Path, wid: int, count: int) -> dict:
    async def go():
        errors, lock_errors = [], 0
        async with mcp_client(store) as c:
            for k in range(count):
                name = f"w{wid}_p{k}"
                r = await c.call_tool("index_project", {"path": str(make_project(workdir, name)), "project": name},
                                      raise_on_error=False)
                if r.is_error:
                    lock_errors += "lock" in r.content[0].text.lower()
                    errors.append(f"{name}: {r.content[0].text}")
                    continue
                print(f"ACK {name}", flush=True)
                r = await c.call_tool("query_graph", {"name": "code.project_stats", "params": {"project": name}},
                                      raise_on_error=False)
                if r.is_error or r.structured_content["rows"][0]["functions"] < FUNCS:
                    errors.append(f"{name}: read {r.content[0].text if r.content else ''}")
        return {"worker": wid, "errors": errors, "lock_errors": lock_errors}

    return asyncio.run(go())


def note(wid: int, k: int) -> str:
    return f"worker {wid} note {k}: the retry budget of client w{wid}c{k} must stay below the gateway timeout"


def run_reflect_rpc(store: str, workdir: Path, wid: int, count: int) -> dict:
    import graphbuddy

    gb = graphbuddy.connect(store)
    errors, lock_errors, searches = [], 0, 0
    for k in range(count):
        try:
            gb.add_reflection(note(wid, k), tags=[f"w{wid}"])
            print(f"ACK w{wid}n{k}", flush=True)
            if (k + 1) % SEARCH_EVERY == 0:
                page = gb.search(f"w{wid}c{k}", tags=[f"w{wid}"], mode="keyword", limit=5)
                searches += 1
                if not any(h.snippet.startswith(f"worker {wid} note {k}:") for h in page.hits):
                    errors.append(f"search did not find note {k}")
        except Exception as exc:  # counted, the test asserts there are none
            lock_errors += "lock" in str(exc).lower()
            errors.append(f"w{wid}n{k}: {type(exc).__name__}: {exc}")
    return {"worker": wid, "errors": errors, "lock_errors": lock_errors, "searches": searches}


def run_reflect_mcp(store: str, workdir: Path, wid: int, count: int) -> dict:
    async def go():
        errors, lock_errors, searches = [], 0, 0
        async with mcp_client(store) as c:
            for k in range(count):
                r = await c.call_tool("store_reflection", {"content": note(wid, k), "tags": [f"w{wid}"]},
                                      raise_on_error=False)
                if r.is_error:
                    lock_errors += "lock" in r.content[0].text.lower()
                    errors.append(f"w{wid}n{k}: {r.content[0].text}")
                    continue
                print(f"ACK w{wid}n{k}", flush=True)
                if (k + 1) % SEARCH_EVERY == 0:
                    r = await c.call_tool("search_reflections", {"query": f"w{wid}c{k}", "tags": [f"w{wid}"],
                                                                 "mode": "keyword", "limit": 5},
                                          raise_on_error=False)
                    searches += 1
                    if r.is_error or not any(h["snippet"].startswith(f"worker {wid} note {k}:")
                                             for h in r.structured_content["hits"]):
                        errors.append(f"search did not find note {k}: {r.content[0].text if r.content else ''}")
        return {"worker": wid, "errors": errors, "lock_errors": lock_errors, "searches": searches}

    return asyncio.run(go())


MODES = {"rpc": run_rpc, "mcp": run_mcp, "reflect-rpc": run_reflect_rpc, "reflect-mcp": run_reflect_mcp}

if __name__ == "__main__":
    store, workdir, wid, count, mode = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    summary = MODES[mode](store, workdir, wid, count)
    print(json.dumps(summary), flush=True)
