"""What git says about a project folder: root, branch, HEAD, changed files. No git (or not a repo): empty."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

# git(cwd, *args): stdout, or None when git is missing, the folder is no repo, or the command fails
from ..index.discover import _git as git  # one git runner for the package

_CHANGE = {"A": "added", "D": "deleted", "M": "modified", "T": "modified", "U": "modified"}


def git_root(path: Path) -> Path | None:
    out = git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    return Path(out.strip()).resolve() if out and out.strip() else None


@dataclass(frozen=True)
class GitState:
    branch: str | None
    head: str | None


def state(root: Path) -> GitState:
    branch = git(root, "rev-parse", "--abbrev-ref", "HEAD")
    head = git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    return GitState(branch.strip() if branch else None, head.strip() if head else None)


def changes_since(root: Path, base: str | None) -> dict[str, str]:
    """Files under `root` (paths relative to it) that differ from commit `base`, working tree included:
    committed, staged, unstaged and untracked. {path: added | modified | deleted}."""
    out: dict[str, str] = {}
    if base:
        diff = git(root, "diff", "--name-status", "--no-renames", "--relative", "-z", base, "--")
        if diff is None:
            return {}
        parts = diff.split("\0")
        for status, path in zip(parts[0::2], parts[1::2]):
            if path:
                out[path] = _CHANGE.get(status[:1], "modified")
    else:      # a repo without commits: everything tracked is new
        tracked = git(root, "ls-files", "-z")
        out.update({p: "added" for p in (tracked or "").split("\0") if p})
    untracked = git(root, "ls-files", "--others", "--exclude-standard", "-z")
    out.update({p: "added" for p in (untracked or "").split("\0") if p})
    return out


def fingerprint(root: Path, path: str) -> str | None:
    try:
        return hashlib.sha256((root / path).read_bytes()).hexdigest()
    except OSError:
        return None
