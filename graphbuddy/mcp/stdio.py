"""`graphbuddy mcp`: the stdio entry point MCP hosts start, one per agent session.

It forwards each JSON-RPC message from stdin to the store owner's MCP endpoint (streamable HTTP, stateless,
JSON responses) and writes the answers to stdout, so every session shares the one owner. It imports only
the standard library: ready in well under a second. The owner is started in the background at once (when
none runs) so that it is warm by the first tool call; a crashed owner is restarted and the request repeated
when it is safe (never sent, or not a tool call that writes). An owner that is alive but does not answer
(frozen, suspended) is reported within seconds, as the library client does (owner/client.py).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from ..owner import discovery, wire

# Tools that only read: repeated after an owner crash (the others report the crash instead).
READ_TOOLS = frozenset({"find_related_code", "get_callers", "get_callees", "get_symbol", "query_graph",
                        "list_queries", "list_projects"})


class Forwarder:
    def __init__(self, store: str | None):
        self.folder = discovery.store_folder(store)
        self._info: dict | None = None
        self._owner_lock = threading.Lock()
        self._attempts = 0                 # owner look-ups made; the last one's error, if it failed
        self._error: Exception | None = None
        self._out_lock = threading.Lock()
        self._protocol: str | None = None
        try:
            self._cwd: str | None = urllib.parse.quote(os.fsencode(os.getcwd()))   # any file name: bytes
        except OSError:                    # the folder was deleted: the tools then ask for a path
            self._cwd = None

    def owner(self, *, fresh: bool = False) -> dict:
        seen = self._attempts
        with self._owner_lock:
            if self._attempts != seen and self._error is not None:
                raise self._error          # the look-up this request waited for failed: the same answer at once
            if fresh or self._info is None:
                self._attempts += 1
                try:
                    self._info, self._error = discovery.ensure_owner(self.folder), None
                except Exception as exc:
                    self._error = exc
                    raise
            return self._info

    def handle(self, line: bytes) -> None:
        try:
            msg = json.loads(line)
        except ValueError:
            self.write({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
            return
        try:
            for answer in self.forward(msg, line):
                self.write(answer)
        except Exception as exc:           # the host gets an error for this request, the session lives on
            if isinstance(msg, dict) and "id" in msg:
                self.write({"jsonrpc": "2.0", "id": msg["id"],
                            "error": {"code": -32603, "message": f"graphbuddy: {exc}"}})

    def forward(self, msg, raw: bytes) -> list:
        what = _what(msg)
        repeatable = not (isinstance(msg, dict) and msg.get("method") == "tools/call" and what not in READ_TOOLS)
        fresh = False
        for _ in range(3):
            info = self.owner(fresh=fresh)
            headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                       **discovery.auth_header(info)}
            if self._protocol:
                headers["MCP-Protocol-Version"] = self._protocol
            if self._cwd:
                headers[wire.CWD_HEADER] = self._cwd
            try:
                status, resp_headers, body = discovery.post(info, self.folder, "/mcp", raw, headers=headers,
                                                            during=what)
            except wire.NotSent:
                fresh = True
                continue
            except OSError:                # the owner died during the call
                fresh = True
                if repeatable:
                    continue
                raise ConnectionError("the store owner stopped during this call; it is being restarted, "
                                      "but the call may not have been applied: repeat it") from None
            out = self.answers(resp_headers, body)
            # An error about the whole message (params not an object) comes back with "id": null; it answers
            # this request, and without its id the host would wait for an answer forever.
            if isinstance(msg, dict) and msg.get("id") is not None:
                for m in out:
                    if isinstance(m, dict) and "error" in m and m.get("id") is None:
                        m["id"] = msg["id"]
            return out
        raise ConnectionError(f"the store owner does not answer; see {self.folder / discovery.LOG_FILE}")

    def answers(self, headers: dict, body: bytes) -> list:
        if not body.strip():
            return []                      # a notification: 202 with no body
        if headers.get("content-type", "").startswith("text/event-stream"):
            out = [json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")]
        else:
            out = [json.loads(body)]
        for m in out:
            version = isinstance(m, dict) and (m.get("result") or {}).get("protocolVersion")
            if version:
                self._protocol = version
        return out

    def write(self, message) -> None:
        data = json.dumps(message, separators=(",", ":")) + "\n"
        with self._out_lock:
            sys.stdout.write(data)
            sys.stdout.flush()


def _what(msg) -> str | None:
    """A request's tool name, else its method (for messages about it); any JSON at all."""
    if not isinstance(msg, dict):
        return None
    params = msg.get("params")
    name = params.get("name") if isinstance(params, dict) else None
    return str(name or msg.get("method") or "") or None


def run_stdio(store: str | None = None) -> int:
    fwd = Forwarder(store)
    threading.Thread(target=_warm, args=(fwd,), daemon=True).start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for line in sys.stdin.buffer:
            if line.strip():
                pool.submit(fwd.handle, line)
    return 0


def _warm(fwd: Forwarder) -> None:
    try:
        fwd.owner()
    except Exception:                      # reported on the first request instead
        pass
