"""Finding, starting and cleaning up the store owner.

The owner leaves `owner.json` in the store folder (pid, address, token; mode 0600) once it listens. A file
whose pid is dead is stale (kill -9) and removed. Starting is serialized by an flock on `owner.lock`, so two
clients racing to start an owner start one. An owner that is alive but gives no answer to /health within
ANSWER_WAIT_S (frozen, suspended) is reported as `OwnerNotResponding`, one line saying what to do; a busy
owner still answers /health at once (calls run in worker threads, /health on the event loop).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..config import default_store_path
from ..errors import OwnerNotResponding, StoreError
from ..paths import ROOTS_ENV, allowed_index_roots

OWNER_FILE = "owner.json"
TOKEN_FILE = "owner.token"
SOCKET_FILE = "owner.sock"
LOCK_FILE = "owner.lock"
LOG_FILE = "owner.log"
START_TIMEOUT_S = 90.0        # includes waiting for a direct opener (CLI run) to release the files
MAX_UNIX_PATH = 100           # sun_path holds 108 bytes; longer store paths fall back to loopback TCP
ANSWER_WAIT_S = 5.0           # alive, reachable, and no answer to /health for this long: not responding
PROBE_TIMEOUT_S = 2.0         # one /health request
CALL_WAIT_S = 3600.0          # a call (an index of a big project) may take long while the owner answers /health
IO_TIMEOUT_S = 30.0           # connecting, sending a call, and each read of its answer once it comes
CHECK_EVERY_S = 2.0           # silence on a call after which the client checks the owner answers /health


def store_folder(store: str | Path | None) -> Path:
    return (Path(store).expanduser() if store else default_store_path()).resolve()


def write_private(path: Path, text: str) -> None:
    """Write a file only the user can read (created 0600, replaced atomically)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_token(folder: Path) -> str:
    """The bearer token, generated on first start; its file is made 0600 if it was not."""
    path = folder / TOKEN_FILE
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        token = path.read_text().strip()
        if len(token) >= 32:
            return token
    import secrets        # only when a token is generated (~4 ms: hashlib, random)

    token = secrets.token_urlsafe(32)
    write_private(path, token + "\n")
    return token


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child killed with -9, not yet reaped) is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def read_owner(folder: Path) -> dict | None:
    try:
        info = json.loads((folder / OWNER_FILE).read_text())
        return info if isinstance(info, dict) and "pid" in info and "token" in info else None
    except (OSError, ValueError):
        return None


def remove_stale(folder: Path, info: dict | None) -> None:
    """Remove a dead owner's files (its socket and owner.json)."""
    for name in (OWNER_FILE, SOCKET_FILE):
        try:
            if name == OWNER_FILE and read_owner(folder) != info:
                continue          # a new owner replaced it meanwhile
            (folder / name).unlink()
        except FileNotFoundError:
            pass


def healthy(info: dict, timeout: float = 2.0) -> bool:
    return _probe(info, timeout) is True


def _probe(info: dict, timeout: float = 2.0) -> bool | None:
    """True: the owner answers; None: nothing listens at its address; False: no answer (yet)."""
    from .wire import NotSent, http_request

    try:
        status, _, body = http_request(info, "GET", "/health", headers=auth_header(info), timeout=timeout)
        return status == 200 and json.loads(body).get("pid") == info["pid"]
    except NotSent:
        return None
    except (OSError, ValueError):
        return False


def auth_header(info: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {info['token']}"}


def answer_within(info: dict, wait_s: float | None = None) -> bool | None:
    """True: the owner answers /health. None: it is gone (dead pid, or nothing listens at its address).
    False: alive and reachable, but no answer for `wait_s` seconds (default ANSWER_WAIT_S)."""
    pid = int(info["pid"])
    deadline = time.monotonic() + (ANSWER_WAIT_S if wait_s is None else wait_s)
    while pid_alive(pid):
        answer = _probe(info, max(0.1, min(PROBE_TIMEOUT_S, deadline - time.monotonic())))
        if answer is not False:
            return answer
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)
    return None


def check_answering(info: dict, folder: Path, *, during: str | None = None) -> None:
    """Return when the owner answers /health or is gone (the caller's connection says how); raise
    OwnerNotResponding when it is alive but silent (see ANSWER_WAIT_S)."""
    if answer_within(info) is False:
        raise not_responding(folder, info, during=during)


def post(info: dict, folder: Path, path: str, body: bytes, *, headers: dict[str, str], during: str):
    """POST one call to the owner and wait for its answer as long as the owner still answers /health (a busy
    one does: the call may take as long as it needs); `OwnerNotResponding` once it does not. Otherwise what
    `wire.http_request` returns or raises (`NotSent`, or an OSError when the owner died during the call)."""
    from .wire import http_request

    def check() -> None:
        check_answering(info, folder, during=during)

    try:
        return http_request(info, "POST", path, body, headers=headers, timeout=IO_TIMEOUT_S, wait_s=CALL_WAIT_S,
                            still_answering=check, check_every_s=CHECK_EVERY_S)
    except TimeoutError:
        check()
        raise


def not_responding(folder: Path, info: dict, *, during: str | None = None) -> OwnerNotResponding:
    """One line: which process, what it does, and what to do about it."""
    pid = int(info["pid"])
    store = "" if folder == store_folder(None) else f" --store {folder}"
    what = (f"'{during}' got no answer, and /health none within {ANSWER_WAIT_S:g} s (if the owner resumes, the "
            f"call may still be applied)") if during else f"no answer within {ANSWER_WAIT_S:g} s"
    suspended = (f"; it is suspended (SIGSTOP or Ctrl-Z): `kill -CONT {pid}` resumes it"
                 if _process_state(pid) in ("T", "t") else "")
    return OwnerNotResponding(f"the store owner (pid {pid}) is not responding: {what}{suspended}; stop it with "
                              f"`graphbuddy owner stop{store}` (or `kill -9 {pid}`: committed writes are kept), "
                              f"then retry", path=str(folder), pid=pid)


def _process_state(pid: int) -> str | None:
    """The state letter of /proc/<pid>/stat (R, S, T, ...), None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def find_owner(folder: Path) -> dict | None:
    """The running owner of this store, or None (stale files are cleaned). OwnerNotResponding when it is
    alive but does not answer (starting another owner would only wait for its files)."""
    info = read_owner(folder)
    if info is None:
        return None
    answer = answer_within(info)
    if answer:
        return info
    if answer is None:
        # Dead, or nothing listens at its address: the owner writes owner.json only once it listens, so it has
        # stopped listening, or the pid now names another process (pids are reused, e.g. after a reboot: every
        # CLI run waited 5 s here and left the file)
        remove_stale(folder, info)
        return None
    raise not_responding(folder, info)


@contextmanager
def start_lock(folder: Path):
    import fcntl

    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def ensure_owner(store: str | Path | None = None, *, extra_args: list[str] | None = None) -> dict:
    """The owner's address for this store, starting one (detached) when none runs."""
    from ..api import _prepare_store_folder

    folder = _prepare_store_folder(store_folder(store))
    info = find_owner(folder)
    if info:
        return info
    with start_lock(folder):
        info = find_owner(folder)              # another client may have started it while we waited
        if info:
            return info
        proc = spawn_owner(folder, extra_args or [])
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            info = read_owner(folder)
            if info and info["pid"] == proc.pid and healthy(info):
                return info
            if proc.poll() is not None:
                raise StoreError(f"the store owner could not start: {log_tail(folder)}", path=str(folder))
            time.sleep(0.05)
        raise StoreError(f"the store owner did not answer within {START_TIMEOUT_S:.0f}s; see "
                         f"{folder / LOG_FILE}", path=str(folder))


def spawn_owner(folder: Path, extra_args: list[str]) -> subprocess.Popen:
    """`graphbuddy serve` in its own session (outlives the client), logging to owner.log."""
    env = owner_environment()
    pkg_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH")) if p)
    log = os.open(folder / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "serve", "--store", str(folder),
                                 *extra_args], stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                start_new_session=True, close_fds=True)
    finally:
        os.close(log)


def owner_environment() -> dict[str, str]:
    """This client's environment for the owner it starts, with the variables naming paths made absolute
    against the client's cwd: they mean what the user meant where they set them, whatever the owner's cwd
    (and whichever client restarts it later)."""
    from ..embedding import MODEL_ENV, absolute_model_spec

    env = dict(os.environ, FASTMCP_CHECK_FOR_UPDATES="off")
    if env.get(MODEL_ENV):
        env[MODEL_ENV] = absolute_model_spec(env[MODEL_ENV])
    if env.get(ROOTS_ENV):
        env[ROOTS_ENV] = os.pathsep.join(map(str, allowed_index_roots()))
    return env


def log_tail(folder: Path, lines: int = 3) -> str:
    try:
        text = (folder / LOG_FILE).read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return " | ".join(text[-lines:]) or "no log"
