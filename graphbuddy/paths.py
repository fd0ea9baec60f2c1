"""Path guards for arguments that come from agents: files must lie inside a registered project root.

Paths are resolved (symlinks followed, `..` removed) before the check, so neither traversal nor a link
pointing out of the project escapes.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import InvalidArgument


def storable(name: str) -> bool:
    """False for a name holding a surrogate: an undecodable byte of a file name or argument (Python's
    surrogateescape), which neither Kùzu nor DuckDB takes (they store UTF-8 text)."""
    try:
        name.encode()
    except UnicodeEncodeError:
        return False
    return True


def is_inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve_inside(root: str | Path, relative: str) -> Path:
    """`root/relative`, resolved; refused when it leaves `root` (absolute paths, `..`, symlinks)."""
    base = Path(root).resolve()
    target = (base / relative).resolve()
    if not is_inside(target, base):
        raise InvalidArgument(f"path {relative!r} leaves the project root {base}")
    return target


ROOTS_ENV = "GRAPHBUDDY_ALLOWED_ROOTS"


def allowed_index_roots(extra: list[str] | None = None) -> list[Path]:
    """Where agents may index new projects: $GRAPHBUDDY_ALLOWED_ROOTS (os.pathsep list) and `extra`, else HOME."""
    raw = [p for p in os.environ.get(ROOTS_ENV, "").split(os.pathsep) if p] + list(extra or [])
    return [Path(p).expanduser().resolve() for p in raw] or [Path.home().resolve()]


def check_index_path(path: str, *, allowed: list[Path], registered: list[str], store: Path | None) -> Path:
    """A directory an agent may index: inside a registered project root, or inside an allowed root with no
    hidden folder (`.ssh`, `.config`, ...) on the way; never the store itself."""
    if not Path(path).expanduser().is_absolute():     # relative to what? the server's cwd is not the agent's
        raise InvalidArgument(f"give an absolute path (or ~/...), not {path!r}")
    target = Path(path).expanduser().resolve()
    if not target.is_dir():
        raise InvalidArgument(f"not a directory: {path}")
    if store is not None and (is_inside(target, store.resolve()) or is_inside(store.resolve(), target)):
        raise InvalidArgument(f"refusing to index the graphbuddy store itself: {target}")
    if any(is_inside(target, Path(r).resolve()) for r in registered if r):
        return target
    for root in allowed:
        if is_inside(target, root):
            hidden = [p for p in target.relative_to(root).parts if p.startswith(".")]
            if hidden:
                raise InvalidArgument(f"refusing to index inside hidden folder {hidden[0]!r}: {target}")
            return target
    shown = ", ".join(str(r) for r in allowed)
    raise InvalidArgument(f"{target} is outside the allowed roots ({shown}); start the server with "
                          f"--allow-root or set GRAPHBUDDY_ALLOWED_ROOTS")
