"""MCP host set-up (`install-mcp`) and owner status/stop."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from ..errors import InvalidArgument, OwnerNotResponding, StoreError
from . import discovery


def mcp_entry(store: str | None, *, command: str) -> dict:
    """The `.mcp.json` server entry: the stdio forwarder, which shares one store owner across sessions. The
    store is pinned when given or named by $GRAPHBUDDY_HOME, and so is $GRAPHBUDDY_MODEL when set: the MCP
    host does not run in the user's shell, and the owner it may start embeds with the model of its starter."""
    from ..config import STORE_ENV
    from ..embedding import MODEL_ENV, absolute_model_spec

    args = ["mcp"] if Path(command).name.startswith("graphbuddy") else ["-m", "graphbuddy.cli", "mcp"]
    store = store or os.environ.get(STORE_ENV) or None
    if store:
        args += ["--store", str(Path(store).expanduser().resolve())]
    env = {"FASTMCP_CHECK_FOR_UPDATES": "off"}
    if os.environ.get(MODEL_ENV):
        env[MODEL_ENV] = absolute_model_spec(os.environ[MODEL_ENV])
    return {"type": "stdio", "command": command, "args": args, "env": env}


def check_server_name(name: str) -> str:
    """The key of the entry under `mcpServers`: an empty one is no name a host can start the server by."""
    if not name.strip():
        raise InvalidArgument("empty MCP server name: give one with --name (default graphbuddy)")
    return name


def merge_into(path: str, name: str, entry: dict) -> Path:
    """Add or replace `name` under `mcpServers` in a JSON file, keeping every other entry."""
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / ".mcp.json"
    data = {}
    if target.exists():
        try:
            data = json.loads(target.read_text() or "{}")
        except ValueError:
            raise InvalidArgument(f"{target} is not valid JSON; fix or remove it first") from None
        if not isinstance(data, dict):
            raise InvalidArgument(f"{target} does not hold a JSON object")
        if not isinstance(data.get("mcpServers", {}), dict):
            raise InvalidArgument(f"{target}: 'mcpServers' is not a JSON object; fix or remove it first")
    data.setdefault("mcpServers", {})[name] = entry
    try:
        target.write_text(json.dumps(data, indent=2) + "\n")
    except OSError as exc:          # a missing folder, no permission: the user's path, one line
        raise InvalidArgument(f"cannot write {target}: {exc.strerror}") from None
    return target


def owner_status(store: str | None) -> dict:
    """The running owner (pid, address, `responding`: whether it answers), or {"pid": None}."""
    folder = discovery.store_folder(store)
    try:
        info = discovery.find_owner(folder)
        responding = True
    except OwnerNotResponding:
        info, responding = discovery.read_owner(folder), False
    if not info:
        return {"pid": None}
    return {**{k: v for k, v in info.items() if k != "token"}, "responding": responding}


def stop_owner(store: str | None, timeout_s: float = 30.0) -> dict:
    """SIGTERM the owner and wait until it has checkpointed and gone. A suspended owner (SIGSTOP, Ctrl-Z) is
    continued after the SIGTERM, so that it can act on it."""
    status = owner_status(store)
    pid = status.get("pid")
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:       # it stopped between the status and the signal
            return status
        deadline = time.monotonic() + timeout_s
        while discovery.pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if discovery.pid_alive(pid):     # never report a stop that did not happen
            raise StoreError(f"owner pid {pid} did not stop within {timeout_s:g} s (it was sent SIGTERM; see "
                             f"{discovery.store_folder(store) / discovery.LOG_FILE}); `kill -9 {pid}` stops it "
                             f"(committed writes are kept)")
    return status

