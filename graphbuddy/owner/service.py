"""The owner's view of the library: which `GraphBuddy` methods may be called remotely, and how.

Every public method of `GraphBuddy` is callable (minus lifecycle). Reads in `READ_METHODS` run concurrently
(Kùzu read connections from a pool, MVCC: they see the last commit); every other method is treated as a write
and serialized by one lock, so a method nobody classified is safe by default. A new read method only needs
its name added here to run concurrently.
"""
from __future__ import annotations

import inspect
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ..errors import GraphbuddyError, InvalidArgument

READ_METHODS = frozenset({
    "query", "cypher", "list_queries", "find_related_code", "projects", "stats", "find_symbol",
    "find_callers", "find_callees", "describe_schema",
    "sql",
})
# Search, memory and cross-project reads are serialized with the writes for now: they read through the main
# Kùzu connection and the search caches, which are not shared safely across threads.
# Appends to DuckDB's events table: its own lock makes them safe beside reads, and taking the write lock for
# every tool call's event would serialize the reads it measures.
UNLOCKED_WRITES = frozenset({"record_event"})
# Writes a client may safely repeat when the owner died mid-call (the second run converges to the same state).
IDEMPOTENT_WRITES = frozenset({"index"})
# Lifecycle, and `watch` (main's watch mode runs until stopped: it would hold the owner's write lock forever;
# `RemoteGraphBuddy.watch` runs the loop in the client instead, one remote `index` per update). `compact` is a
# write like any other: reads go on while it copies, and wait only while the files are swapped.
NOT_REMOTE = frozenset({"close", "flush", "watch"})
# The argument naming a file or folder, per method. The owner's cwd is wherever it was started, so a client
# sends these absolute, against its own cwd (`client_paths`); for CWD_DEFAULT methods a missing one means the
# cwd, which is the client's too (the session methods pick the active session of the cwd's project).
PATH_ARGS = {"index": "path", "ingest_git": "path", "import_transcript": "path", "impact_of_diff": "path",
             "analytics_report": "chart", "detect_project": "path", "start_session": "path",
             "checkpoint": "path", "end_session": "path", "session_status": "path", "add_reflection": "path",
             "capture_insights": "path"}
CWD_DEFAULT = frozenset({"detect_project", "start_session", "checkpoint", "end_session", "session_status"})


@lru_cache(maxsize=1)
def remote_methods() -> frozenset[str]:
    from ..api import GraphBuddy

    return frozenset(name for name, fn in inspect.getmembers(GraphBuddy, inspect.isfunction)
                     if not name.startswith("_") and name not in NOT_REMOTE)


def bind_kwargs(method: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Positional and keyword arguments of a `GraphBuddy` method as one keyword dict (`**params` merged)."""
    from ..api import GraphBuddy

    if method not in remote_methods():
        raise InvalidArgument(f"'{method}' is not a remote GraphBuddy method")
    sig = inspect.signature(getattr(GraphBuddy, method))
    try:
        bound = sig.bind(None, *args, **kwargs)
    except TypeError as exc:
        raise InvalidArgument(f"{method}: {exc}") from None
    out: dict[str, Any] = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = sig.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            raise InvalidArgument(f"{method}: *args cannot be sent to the store owner")
        else:
            out[name] = value
    return out


RPC_KEYS = ("method", "kwargs")
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number",
               bool: "a boolean", type(None): "null"}


def read_request(raw: bytes) -> tuple[str, dict[str, Any]]:
    """The method and decoded keyword arguments of one POST /rpc body `{"method": NAME, "kwargs": {...}}`,
    checked against the method's signature. Anything else is `InvalidArgument` with one line starting
    "bad RPC request:" (the owner answers it with HTTP 400)."""
    from . import wire

    def bad(why: str) -> InvalidArgument:
        return InvalidArgument(f"bad RPC request: {why}")

    try:
        body = json.loads(raw)
    except ValueError:                       # UnicodeDecodeError included
        raise bad('the body is not JSON (expected {"method": NAME, "kwargs": {...}})') from None
    if not isinstance(body, dict):
        raise bad(f'expected a JSON object {{"method": NAME, "kwargs": {{...}}}}, not {_JSON_TYPES[type(body)]}')
    missing = [repr(k) for k in RPC_KEYS if k not in body]
    unexpected = sorted(repr(k[:50]) for k in body if k not in RPC_KEYS)[:5]
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + \
        ([f"unexpected {', '.join(unexpected)}"] if unexpected else [])
    if problems:
        raise bad(f'{"; ".join(problems)} (expected {{"method": NAME, "kwargs": {{...}}}})')
    method, kwargs = body["method"], body["kwargs"]
    if not isinstance(method, str):
        raise bad(f"'method' must be a string, not {_JSON_TYPES[type(method)]}")
    if method not in remote_methods():
        raise bad(f"'{method[:100]}' is not a remote GraphBuddy method")
    if not isinstance(kwargs, dict):
        raise bad(f"'kwargs' must be an object of argument names to values, not {_JSON_TYPES[type(kwargs)]}")
    try:
        kwargs = wire.decode(kwargs)
    except Exception as exc:                 # noqa: BLE001 - any malformed tagged value is the caller's error
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else (str(exc).splitlines() or [""])[0][:200]
        raise bad(f"the kwargs of '{method}' hold a value that cannot be decoded: "
                  f"{detail or type(exc).__name__}") from None
    try:
        bind_kwargs(method, (), kwargs)
    except GraphbuddyError as exc:
        raise bad(str(exc)) from None
    return method, kwargs


def client_paths(method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` with the method's path argument made absolute against this process's cwd (see PATH_ARGS)."""
    name = PATH_ARGS.get(method)
    value = kwargs.get(name) if name else None
    if value is None and method in CWD_DEFAULT:
        value = "."
    if value is None:
        return kwargs
    return {**kwargs, name: str(Path.cwd() / Path(value).expanduser())}


class OwnedStore:
    """A `GraphBuddy` with the owner's locking; also usable where a `GraphBuddy` is expected (MCP tools)."""

    def __init__(self, gb):
        self.gb = gb
        self.path = gb.path
        self._write_lock = threading.Lock()

    def call(self, method: str, kwargs: dict[str, Any]) -> Any:
        if method not in remote_methods():
            raise InvalidArgument(f"'{method}' is not a remote GraphBuddy method")
        fn = getattr(self.gb, method)
        if method in READ_METHODS or method in UNLOCKED_WRITES:
            return fn(**kwargs)
        with self._write_lock:
            return fn(**kwargs)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in remote_methods():
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, bind_kwargs(name, args, kwargs))

    def flush(self) -> None:
        with self._write_lock:
            self.gb.flush()
