"""A separate client process for the owner tests: writes through the store owner and reads back.

    python owner_worker.py STORE WORKDIR WORKER_ID COUNT {rpc|mcp}

Each write indexes a small project of its own (`w<id>_p<k>`, two files, FUNCS functions) and prints
`ACK <name>` once the owner acknowledged it; each read checks a project's function count. The last line is a
JSON summary. When reflections exist (mem-capture), swap `write_one` for `gb.add_reflection(...)` and COUNT
to 1000 to get the issue's 8 x 1,000 reflections test; the rest stays.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

FUNCS = 3


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


def run_mcp(store: str, workdir: Path, wid: int, count: int) -> dict:
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    async def go():
        errors, lock_errors = [], 0
        transport = StdioTransport(sys.executable, ["-m", "graphbuddy.cli", "mcp", "--store", store],
                                   env=dict(os.environ))
        async with Client(transport) as c:
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


if __name__ == "__main__":
    store, workdir, wid, count, mode = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    summary = (run_rpc if mode == "rpc" else run_mcp)(store, workdir, wid, count)
    print(json.dumps(summary), flush=True)
