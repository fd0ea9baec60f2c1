"""`graphbuddy serve`: the store owner process.

It is the only opener of the store's files. One ASGI app serves the MCP tools (streamable HTTP, stateless,
JSON responses, at /mcp) and the library RPC (POST /rpc {method, kwargs}) behind one bearer token; /health
answers who it is. It listens on a Unix socket in the store folder by default (0600), or on loopback TCP.
SIGTERM/SIGINT: stop accepting, finish calls, checkpoint both databases, close them, remove owner.json.
"""
from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import socket
import time
from pathlib import Path

from ..errors import GraphbuddyError, StoreLocked
from . import discovery, wire

log = logging.getLogger(__name__)
RPC_THREADS = 16      # concurrent calls in flight (reads run in parallel; writes queue on the write lock)


def open_store_waiting(folder: Path, lock_wait_s: float):
    """Open the store, waiting while another process (a direct CLI run) holds its files."""
    from ..api import GraphBuddy

    deadline = time.monotonic() + lock_wait_s
    while True:
        gb = None
        try:
            gb = GraphBuddy(folder)
            gb.graph.open()          # the owner holds both files from the start (GraphBuddy opens the graph lazily)
            return gb
        except StoreLocked:
            if gb is not None:
                gb.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        except BaseException:
            if gb is not None:
                gb.close()
            raise


def bind_socket(folder: Path, host: str | None, port: int | None) -> tuple[socket.socket, dict]:
    """A listening socket and the address clients use: the Unix socket unless a host/port was given (or the
    socket path would be too long)."""
    sock_path = folder / discovery.SOCKET_FILE
    if host is None and port is None and len(str(sock_path)) <= discovery.MAX_UNIX_PATH:
        sock_path.unlink(missing_ok=True)          # a dead owner's socket (we hold the database lock)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)                      # created 0600: only the user can connect
        try:
            sock.bind(str(sock_path))
        finally:
            os.umask(old)
        sock.listen(128)
        return sock, {"transport": "unix", "socket": str(sock_path)}
    host = host or "127.0.0.1"
    if not _is_loopback(host):
        log.warning("listening on %s: reachable from other machines (bearer token required)", host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except (OSError, OverflowError) as exc:     # a port in use or out of range, an unknown host: one line
        sock.close()
        reason = getattr(exc, "strerror", None) or exc
        raise GraphbuddyError(f"cannot listen on {host}:{port or 0}: {reason}") from None
    sock.listen(128)
    return sock, {"transport": "tcp", "host": host, "port": sock.getsockname()[1]}


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def build_app(svc, token: str, *, allowed_roots: list[str] | None = None):
    """The owner's ASGI app: MCP at /mcp, RPC at /rpc, /health; every path needs the bearer token."""
    import anyio
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response

    from ..mcp.server import build_server
    from .service import read_request

    mcp = build_server(svc, allowed_roots=allowed_roots)
    limiter = anyio.CapacityLimiter(RPC_THREADS)

    @mcp.custom_route("/health", methods=["GET"])
    async def health(request: Request) -> Response:
        return JSONResponse({"pid": os.getpid(), "store": str(svc.path)})

    @mcp.custom_route("/rpc", methods=["POST"])
    async def rpc(request: Request) -> Response:
        # 200: the result, or the library's error; 400: not a well-formed call (bad JSON, keys, method or
        # arguments); 500: a bug. Every failure goes back as {"error": ...}, and the owner keeps serving.
        try:
            method, kwargs = read_request(await request.body())
        except GraphbuddyError as exc:
            return _error_response(exc, 400)
        try:
            result = await anyio.to_thread.run_sync(svc.call, method, kwargs, limiter=limiter)
            return Response(wire.dumps({"result": wire.encode(result)}), media_type="application/json")
        except Exception as exc:
            if not isinstance(exc, GraphbuddyError):
                log.exception("rpc call failed")
            return _error_response(exc, 200 if isinstance(exc, GraphbuddyError) else 500)

    def _error_response(exc: BaseException, status: int) -> Response:
        return Response(wire.dumps({"error": wire.error_payload(exc)}), status_code=status,
                        media_type="application/json")

    app = mcp.http_app(path="/mcp", stateless_http=True, json_response=True)
    return BearerAuth(MessageCheck(app), token)


class MessageCheck:
    """ASGI middleware: a POST to /mcp whose JSON is not one JSON-RPC message (an array, a string, params
    that are not an object) gets a one-line error; the MCP SDK answers with pydantic's text for every member
    of its message union, with a link per error."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/mcp":
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            event = await receive()
            if event["type"] != "http.request":          # the client went away
                return
            body, more = body + event.get("body", b""), event.get("more_body", False)
        refused = message_refused(body)
        if refused is not None:
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps(refused).encode()})
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def message_refused(body: bytes) -> dict | None:
    """The JSON-RPC error (one line) for a body that is JSON but not a JSON-RPC message the MCP SDK accepts;
    None when it accepts it (or the body is not JSON: the SDK's "Parse error" is one line already)."""
    from mcp_types import INVALID_PARAMS, jsonrpc_message_adapter
    from pydantic import ValidationError

    from ..mcp.server import one_line

    try:
        raw = json.loads(body)
    except ValueError:
        return None
    try:
        jsonrpc_message_adapter.validate_python(raw, by_name=False)
        return None
    except ValidationError as exc:
        errors = exc.errors()
    if not isinstance(raw, dict):
        what = "invalid message: not a JSON object (one JSON-RPC message per request; batches are not supported)"
    else:                          # the errors of the kind of message it looks like, not of all four kinds
        kind = ("JSONRPCRequest" if "method" in raw and "id" in raw else "JSONRPCNotification" if "method" in raw
                else "JSONRPCError" if "error" in raw else "JSONRPCResponse" if "result" in raw else "JSONRPCRequest")
        mine = [e for e in errors if e["loc"][:1] == (kind,)] or errors
        what = "invalid message: " + one_line(mine, whole="message", under=kind)
    request_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, (str, int)):
        request_id = None
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": INVALID_PARAMS, "message": what}}


class BearerAuth:
    """ASGI middleware: 401 unless `Authorization: Bearer <token>` (constant-time comparison)."""

    def __init__(self, app, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = b'{"error": "unauthorized: bearer token required (see owner.token in the store folder)"}'
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def _stop_when_replaced(folder: Path, server, every_s: float = 2.0) -> None:
    """Stop when owner.json no longer names this process (store folder deleted, file removed by hand):
    clients can no longer find us, so serving on would only keep the files locked."""
    while not server.should_exit:
        await asyncio.sleep(every_s)
        info = discovery.read_owner(folder)
        if not info or info.get("pid") != os.getpid():
            log.warning("owner.json in %s no longer names this owner: stopping", folder)
            server.should_exit = True


def _server_class():
    import signal
    from contextlib import contextmanager

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises SIGTERM after shutdown, which would kill us before the checkpoint: just stop."""

        @contextmanager
        def capture_signals(self):
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGTERM, signal.SIGINT)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


def serve(store: str | Path | None = None, *, host: str | None = None, port: int | None = None,
          lock_wait_s: float = 60.0, allowed_roots: list[str] | None = None) -> int:
    """Run the owner until SIGTERM/SIGINT. Returns the exit code."""
    import uvicorn

    from ..api import _prepare_store_folder
    from .service import OwnedStore

    os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")
    folder = _prepare_store_folder(discovery.store_folder(store))
    existing = discovery.find_owner(folder)
    if existing:
        log.warning("an owner already runs for %s (pid %s)", folder, existing["pid"])
        return 0
    gb = open_store_waiting(folder, lock_wait_s)
    svc = OwnedStore(gb)
    token = discovery.load_token(folder)
    try:
        sock, address = bind_socket(folder, host, port)
    except BaseException:
        gb.close()
        raise
    info = {"pid": os.getpid(), **address, "token": token, "store": str(folder), "started_at": time.time()}
    config = uvicorn.Config(build_app(svc, token, allowed_roots=allowed_roots), log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5, access_log=False)
    server = _server_class()(config)

    async def run():
        discovery.write_private(folder / discovery.OWNER_FILE, json.dumps(info))
        watchdog = asyncio.create_task(_stop_when_replaced(folder, server))
        try:
            await server.serve(sockets=[sock])
        finally:
            watchdog.cancel()

    try:
        asyncio.run(run())
    finally:
        try:
            svc.flush()
        finally:
            gb.close()
            discovery.remove_stale(folder, info)
            if address["transport"] == "unix":
                Path(address["socket"]).unlink(missing_ok=True)
    return 0
