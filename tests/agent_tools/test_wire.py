"""The owner's RPC encoding on its own (no process): what a peer may make the other side rebuild."""
from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from graphbuddy.errors import GraphbuddyError
from graphbuddy.owner import wire


def test_decoding_never_imports_a_module_that_runs_on_import():
    """`{"$dc": "graphbuddy.cli.__main__:..."}` imported the CLI's __main__, which runs the CLI and exits
    (SystemExit in the owner's worker thread, or in a client)."""
    with pytest.raises(GraphbuddyError, match="unexpected type"):
        wire.decode({"$dc": "graphbuddy.cli.__main__:main", "f": {}})


def _listener(tmp_path, backlog: int = 8) -> tuple[socket.socket, dict]:
    path = str(tmp_path / "s.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(backlog)
    return srv, {"transport": "unix", "socket": path}


def test_a_full_accept_queue_is_not_taken_for_nothing_listening(tmp_path):
    """A frozen owner's accept queue fills up (each probe leaves a connection in it): connect() then fails
    with EAGAIN on a Unix socket (times out on TCP). That was NotSent ("nothing listens"), so discovery removed
    the owner.json of a live owner as stale and started a second one, which could not get the files."""
    srv, address = _listener(tmp_path, backlog=0)
    queued = []
    try:
        while len(queued) < 64:                       # fill the accept queue (nobody accepts)
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(address["socket"])
            except BlockingIOError:
                c.close()
                break
            queued.append(c)
        with pytest.raises(TimeoutError):
            wire.http_request(address, "GET", "/health", timeout=0.3)
    finally:
        for c in queued:
            c.close()
        srv.close()
    with pytest.raises(wire.NotSent):                 # nothing listens any more: NotSent, as before
        wire.http_request(address, "GET", "/health", timeout=0.3)


def _answer_after(srv: socket.socket, delay_s: float | None) -> threading.Thread:
    def run():
        conn, _ = srv.accept()
        conn.recv(65536)
        if delay_s is not None:
            time.sleep(delay_s)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        else:
            time.sleep(2)
        conn.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_a_slow_answer_is_waited_for_while_the_peer_is_still_answering(tmp_path):
    srv, address = _listener(tmp_path)
    checks = []
    _answer_after(srv, 0.6)
    status, _, body = wire.http_request(address, "POST", "/rpc", b"{}", timeout=0.1, wait_s=30,
                                        still_answering=lambda: checks.append(1), check_every_s=0.1)
    assert (status, body) == (200, b"ok") and len(checks) >= 2     # beyond `timeout`, checked on the way
    srv.close()


def test_waiting_for_an_answer_stops_when_the_peer_is_not_answering(tmp_path):
    class Frozen(Exception):
        pass

    def frozen():
        raise Frozen

    srv, address = _listener(tmp_path)
    _answer_after(srv, None)                         # reads the request, never answers
    with pytest.raises(Frozen):
        wire.http_request(address, "POST", "/rpc", b"{}", timeout=30, wait_s=3600, still_answering=frozen,
                          check_every_s=0.1)
    srv.close()


def test_the_stdio_servers_folder_travels_whatever_its_name(tmp_path, monkeypatch):
    """`graphbuddy mcp` sends its cwd in a header; a folder name that is not UTF-8 made quote() raise."""
    from urllib.parse import unquote

    from graphbuddy.mcp.stdio import Forwarder

    folder = tmp_path / os.fsdecode(b"caf\xe9 \xc3\xa9")
    folder.mkdir()
    monkeypatch.chdir(folder)
    sent = Forwarder(str(tmp_path / "store"))._cwd
    assert sent.isascii() and unquote(sent, errors="surrogateescape") == str(folder)
