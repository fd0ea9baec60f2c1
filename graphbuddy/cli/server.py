"""Store owner and MCP commands: serve, mcp, install-mcp, owner (status, stop)."""
from __future__ import annotations

import json
import shutil
import sys

from .common import emit, store_args


def register(sub) -> dict:
    p = sub.add_parser("serve", help="run the store owner: MCP over HTTP and the library RPC, one process")
    p.add_argument("--store", help="store folder (default: $GRAPHBUDDY_HOME or ~/.graphbuddy)")
    p.add_argument("--host", help="listen on TCP at this address instead of the Unix socket (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="TCP port (default: a free one, written to owner.json)")
    p.add_argument("--allow-root", action="append", default=[], metavar="DIR",
                   help="folder inside which agents may index projects (repeatable; default: your home)")
    p.add_argument("--lock-wait", type=float, default=60.0, help="seconds to wait for a direct opener to close")

    p = sub.add_parser("mcp", help="MCP stdio server for MCP hosts (forwards to the store owner)")
    p.add_argument("--store", help="store folder (default: $GRAPHBUDDY_HOME or ~/.graphbuddy)")

    p = sub.add_parser("install-mcp", help="print (or --write) the .mcp.json entry for Claude Code, Cursor, ...")
    p.add_argument("--write", metavar="PATH", help="merge the entry into this .mcp.json file")
    p.add_argument("--name", default="graphbuddy", help="server name in the MCP host")
    store_args(p)

    p = sub.add_parser("owner", help="the store owner: status, or stop it")
    p.add_argument("action", choices=["status", "stop"])
    store_args(p)
    return {"serve": cmd_serve, "mcp": cmd_mcp, "install-mcp": cmd_install_mcp, "owner": cmd_owner}


def cmd_serve(args) -> int:
    from ..owner.app import serve

    return serve(args.store, host=args.host, port=args.port, lock_wait_s=args.lock_wait,
                 allowed_roots=args.allow_root)


def cmd_mcp(args) -> int:
    from ..mcp.stdio import run_stdio

    return run_stdio(args.store)


def cmd_install_mcp(args) -> int:
    from ..owner.install import check_server_name, mcp_entry, merge_into

    check_server_name(args.name)
    entry = mcp_entry(args.store, command=shutil.which("graphbuddy") or sys.executable)
    if args.write:
        path = merge_into(args.write, args.name, entry)
        emit(args, {"written": str(path), "server": args.name, "entry": entry}, f"wrote {args.name} to {path}")
    else:
        print(json.dumps({"mcpServers": {args.name: entry}}, indent=2))
    return 0


def cmd_owner(args) -> int:
    from ..owner.install import owner_status, stop_owner

    data = owner_status(args.store) if args.action == "status" else stop_owner(args.store)
    text = (f"owner pid {data['pid']} at {data.get('socket') or data.get('port')}" if data.get("pid")
            else "no owner runs for this store")
    if data.get("responding") is False:
        text += " is not responding (`graphbuddy owner stop` stops it)"
    if args.action == "stop" and data.get("pid"):
        text = f"stopped owner pid {data['pid']}"
    emit(args, data, text)
    return 0
