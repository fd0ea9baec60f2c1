"""Library clients of the store owner: `graphbuddy.connect()` and `open_shared()` (used by the CLI).

`RemoteGraphBuddy` has the same methods as `GraphBuddy`; each call is one POST /rpc to the owner. When the
owner is gone (stopped, or killed), the client starts a new one and repeats the call if it never reached the
owner, or if the method is a read or an idempotent write; otherwise it reports that the call may not have
been applied (never a silent loss). While a call runs the client checks that the owner still answers /health
(`discovery.post`): a busy owner does (the call may take as long as it needs), a frozen one does not, and the
client gives up with `OwnerNotResponding` within seconds instead of waiting for an hour.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import StoreError, StoreLocked
from . import discovery

# `service` and `wire` (http.client, ~10-20 ms to import) are imported on the first remote call: a CLI run
# that finds no owner opens the files directly and never needs them.



class RemoteGraphBuddy:
    """A `GraphBuddy` living in the store owner process."""

    memory = False

    def __init__(self, store: str | Path | None = None, info: dict | None = None):
        self.path = discovery.store_folder(store)
        self._info = info or discovery.ensure_owner(self.path)

    @property
    def owner_pid(self) -> int:
        return int(self._info["pid"])

    def call(self, method: str, kwargs: dict[str, Any]) -> Any:
        from . import service, wire

        body = wire.dumps({"method": method, "kwargs": wire.encode(kwargs)})
        for attempt in range(3):
            info = self._info
            try:
                status, _, data = discovery.post(
                    info, self.path, "/rpc", body, during=method,
                    headers={"Content-Type": "application/json", **discovery.auth_header(info)})
            except wire.NotSent:
                self._info = discovery.ensure_owner(self.path)
                continue
            except OSError as exc:       # the owner died during the call
                self._info = discovery.ensure_owner(self.path)
                if method in service.READ_METHODS or method in service.IDEMPOTENT_WRITES:
                    continue
                raise StoreError(f"the store owner stopped during '{method}' ({exc}); it was restarted, but "
                                 f"this call may not have been applied: repeat it", path=str(self.path)) from None
            return self._answer(status, data)
        raise StoreError(f"the store owner for {self.path} keeps failing; see {self.path / discovery.LOG_FILE}",
                         path=str(self.path))

    def _answer(self, status: int, data: bytes) -> Any:
        from . import wire

        try:
            payload = json.loads(data)
        except ValueError:
            raise StoreError(f"store owner answered HTTP {status} without JSON", path=str(self.path)) from None
        if "error" in payload:
            wire.raise_error(payload["error"])
        if status != 200:
            raise StoreError(f"store owner answered HTTP {status}", path=str(self.path))
        return wire.decode(payload["result"])

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        from . import service

        if name not in service.remote_methods():
            raise AttributeError(name)

        def method(*args, **kwargs):
            kwargs = {k: v for k, v in kwargs.items() if not callable(v)}   # progress callbacks stay local
            return self.call(name, service.client_paths(name, service.bind_kwargs(name, args, kwargs)))

        method.__name__ = name
        return method

    def watch(self, path: str | Path, *, project: str | None = None, on_update=None, stop=None, ready=None,
              debounce_ms: int = 1600, step_ms: int = 10, settle_ms: int = 100) -> int:
        """`GraphBuddy.watch`, with the watching done here and each update one `index` call to the owner (a
        watch inside the owner would hold its write lock until stopped)."""
        from ..api import _log_update, _project_name
        from ..watch import watch_project

        root = Path.cwd() / Path(path).expanduser()
        name = _project_name(root, project)
        return watch_project(lambda: self.index(str(root), project=name), root, on_update=on_update or _log_update,
                             stop=stop, ready=ready, debounce_ms=debounce_ms, step_ms=step_ms, settle_ms=settle_ms)

    def close(self) -> None:
        """Nothing to close: the owner keeps the store open for every client."""

    def __enter__(self) -> "RemoteGraphBuddy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(store: str | Path | None = None) -> RemoteGraphBuddy:
    """A client of the store owner, starting the owner when none runs."""
    return RemoteGraphBuddy(store)


def _store_and_owner(store: str | Path | None) -> tuple[Path, dict | None]:
    """The store folder (prepared as `GraphBuddy` would: refused when it is not a store) and the running
    owner's discovery record, None when no owner runs for it."""
    from ..api import _prepare_store_folder

    folder = _prepare_store_folder(discovery.store_folder(store))
    return folder, discovery.find_owner(folder)


def open_shared(store: str | Path | None = None):
    """The owner's client when an owner runs; else the files directly; else (locked) start an owner."""
    from ..api import GraphBuddy

    folder, info = _store_and_owner(store)
    if info:
        return RemoteGraphBuddy(folder, info)
    try:
        return GraphBuddy(folder)
    except StoreLocked:
        return RemoteGraphBuddy(folder)


def open_exclusive(store: str | Path | None = None):
    """The store's files opened by this process, never through the owner (maintenance that replaces a file:
    `compact`). `StoreLocked`, one line, while the owner or another process holds the store."""
    from ..api import GraphBuddy

    folder, info = _store_and_owner(store)
    if info:
        raise StoreLocked(f"the store owner (pid {info['pid']}) holds {folder}: stop it first "
                          f"(`graphbuddy owner stop`), then run this again", path=str(folder))
    try:
        return GraphBuddy(folder)
    except StoreLocked:
        raise StoreLocked(f"store is in use by another process: {folder} (a notebook, `graphbuddy watch`, an "
                          "owner starting); close it, then run this again", path=str(folder)) from None
