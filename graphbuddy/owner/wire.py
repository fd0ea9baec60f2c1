"""What crosses the owner's RPC: tagged JSON (no pickle: a client never runs code the socket sent it).

Results travel as Arrow IPC (base64), graphbuddy dataclasses by class name and fields, tuples, datetimes and
bytes by tag. Only classes from graphbuddy modules are rebuilt. Plus a tiny stdlib HTTP client that speaks
to the owner over its Unix socket or loopback TCP (no httpx import: clients start fast).
"""
from __future__ import annotations

import base64
import dataclasses
import http.client
import importlib
import json
import socket
import time
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from ..errors import GraphbuddyError


def encode(obj: Any) -> Any:
    """A JSON-ready form of `obj`; `decode` rebuilds it."""
    from ..result import Result

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Result):
        return {"$result": _ipc(obj.arrow()), "truncated": obj.truncated}
    if isinstance(obj, (list, set, frozenset)):
        return [encode(x) for x in obj]
    if isinstance(obj, tuple):
        return {"$tuple": [encode(x) for x in obj]}
    if isinstance(obj, dict):
        out = {str(k): encode(v) for k, v in obj.items()}
        return {"$dict": out} if any(k.startswith("$") for k in out) else out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        cls = type(obj)
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}",
                "f": {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}}
    if isinstance(obj, datetime):
        return {"$dt": obj.isoformat()}
    if isinstance(obj, date):
        return {"$date": obj.isoformat()}
    if isinstance(obj, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(obj)).decode()}
    if isinstance(obj, PurePath):
        return str(obj)
    if type(obj).__module__.startswith("pyarrow") and hasattr(obj, "schema"):
        return {"$arrow": _ipc(obj)}
    if type(obj).__module__.startswith("pandas") and hasattr(obj, "to_dict"):
        import pyarrow as pa

        return {"$df": _ipc(pa.Table.from_pandas(obj, preserve_index=False))}
    raise TypeError(f"cannot send a {type(obj).__name__} through the store owner")


def decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "$result" in obj:
        from ..result import Result

        return Result(_table(obj["$result"]), truncated=obj.get("truncated", False))
    if "$tuple" in obj:
        return tuple(decode(x) for x in obj["$tuple"])
    if "$dict" in obj:
        return {k: decode(v) for k, v in obj["$dict"].items()}
    if "$dc" in obj:
        return _dataclass(obj["$dc"], {k: decode(v) for k, v in obj["f"].items()})
    if "$dt" in obj:
        return datetime.fromisoformat(obj["$dt"])
    if "$date" in obj:
        return date.fromisoformat(obj["$date"])
    if "$bytes" in obj:
        return base64.b64decode(obj["$bytes"])
    if "$arrow" in obj:
        return _table(obj["$arrow"])
    if "$df" in obj:
        return _table(obj["$df"]).to_pandas()
    return {k: decode(v) for k, v in obj.items()}


def _ipc(table) -> str:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue().to_pybytes()).decode()


def _table(data: str):
    import pyarrow as pa

    return pa.ipc.open_stream(base64.b64decode(data)).read_all()


def _dataclass(name: str, fields: dict):
    module, _, qualname = name.partition(":")
    # importing a module runs it: `graphbuddy.cli.__main__` would run the CLI (and sys.exit) in this process
    if not (module == "graphbuddy" or module.startswith("graphbuddy.")) or "__main__" in module.split("."):
        raise GraphbuddyError(f"store owner sent an unexpected type {name}")
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    if not dataclasses.is_dataclass(cls):
        raise GraphbuddyError(f"store owner sent an unexpected type {name}")
    init = {f.name for f in dataclasses.fields(cls) if f.init}
    obj = cls(**{k: v for k, v in fields.items() if k in init})
    for k, v in fields.items():
        if k not in init:
            object.__setattr__(obj, k, v)
    return obj


def error_payload(exc: BaseException) -> dict:
    if isinstance(exc, GraphbuddyError):
        return {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}
    return {"type": "GraphbuddyError", "message": f"store owner: {type(exc).__name__}: {exc}", "exit_code": 1}


def raise_error(payload: dict) -> None:
    from .. import errors

    cls = getattr(errors, payload.get("type", ""), None)
    if not (isinstance(cls, type) and issubclass(cls, GraphbuddyError)):
        cls = GraphbuddyError
    raise cls(payload.get("message", "store owner error"))


# -- HTTP to the owner (stdlib only) ------------------------------------------------------------------------
class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None):
        super().__init__("localhost", timeout=timeout)
        self._socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock


# The folder an MCP client works in: `graphbuddy mcp` sends its cwd (percent-encoded) with every request, so
# that tools defaulting to "the project of the cwd" use the agent's folder, not the owner's.
CWD_HEADER = "X-Graphbuddy-Cwd"


class NotSent(ConnectionError):
    """The request never reached the owner (nothing listens): safe to retry anything."""


def http_request(address: dict, method: str, path: str, body: bytes | None = None, *,
                 headers: dict[str, str] | None = None, timeout: float | None = None,
                 wait_s: float | None = None, still_answering=None, check_every_s: float = 2.0):
    """One request; returns (status, headers, body). NotSent when nothing listens at the address (the
    request surely never arrived); a connection that times out, or an accept queue that is full, is a
    TimeoutError: something listens there.
    `timeout` bounds connecting, sending and each read. With `still_answering`, the wait for the answer is
    bounded by `wait_s` instead (None: no bound), and after each `check_every_s` of silence
    `still_answering()` is called: it raises to give up (a long call to a busy owner goes on)."""
    if address["transport"] == "unix":
        conn: http.client.HTTPConnection = _UnixConnection(address["socket"], timeout)
    else:
        conn = http.client.HTTPConnection(address["host"], address["port"], timeout=timeout)
    try:
        try:
            conn.connect()
        except TimeoutError:
            raise
        except BlockingIOError:          # a Unix socket whose accept queue is full (EAGAIN): a frozen owner
            raise TimeoutError("the owner accepts no more connections") from None
        except OSError as exc:
            raise NotSent(str(exc)) from None
        conn.request(method, path, body=body, headers=headers or {})
        if still_answering is not None:
            _wait_for_answer(conn.sock, wait_s, still_answering, check_every_s)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _wait_for_answer(sock: socket.socket, wait_s: float | None, still_answering, every_s: float) -> None:
    """Return once the answer's first byte (or the end of the connection) is there, without reading it."""
    deadline = None if wait_s is None else time.monotonic() + wait_s
    before = sock.gettimeout()
    try:
        while True:
            step = every_s if deadline is None else min(every_s, deadline - time.monotonic())
            if step <= 0:
                raise TimeoutError(f"no answer within {wait_s:g} s")
            sock.settimeout(step)
            try:
                sock.recv(1, socket.MSG_PEEK)
                return
            except TimeoutError:
                still_answering()
    finally:
        sock.settimeout(before)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()
