"""Discover stage: which files of a project are source we parse, with a counted reason for the rest.

Only `stat` happens here (cheap); reading, hashing and the binary/minified checks happen in the parse
workers, on the files whose mtime or size changed.
"""
from __future__ import annotations

import fnmatch
import logging
import os
import re
import stat as stat_mod
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..errors import IndexingError
from ..languages import CONFIG_FILES, language_for_path
from ..paths import storable

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2_000_000
# Folders nobody wants in a code graph, skipped in git's listing and in the walk alike (watch mode ignores
# their events too). `.graphbuddy`: a store kept inside the project.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache",
                       ".pytest_cache", ".ruff_cache", "dist", "build", ".next", ".nuxt", "coverage", ".idea",
                       ".vscode", ".graphbuddy"})
GENERATED_SUFFIXES = (".min.js", ".min.mjs", ".bundle.js", "_pb2.py", "_pb2_grpc.py", ".pb.ts", ".generated.ts",
                      ".generated.js", ".g.ts")


class Candidate(NamedTuple):          # a tuple: a frozen dataclass cost ~1 µs more per file of every run
    path: str          # relative, POSIX
    language: str
    mtime_ns: int
    size: int


@dataclass
class Discovery:
    root: Path
    files: dict[str, Candidate] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    config: dict[str, str] = field(default_factory=dict)      # resolver config files: path -> text
    git_head: str | None = None
    walked: bool = False          # listed by walking the folder, not by git


def check_root(root: Path) -> None:
    """A project folder the index can take, else IndexingError (exit 5) saying why."""
    if not root.exists():
        raise IndexingError(f"path does not exist: {root}", path=str(root))
    if not root.is_dir():
        raise IndexingError(f"not a directory: {root}", path=str(root))
    if not storable(str(root)):          # the graph and DuckDB take UTF-8 text only (Project.root)
        raise IndexingError(f"path is not valid UTF-8: {str(root)!r}", path=repr(str(root)))


def discover(root: Path, *, max_bytes: int = MAX_FILE_BYTES, use_git: bool = True,
             known: dict[str, Candidate] | None = None) -> Discovery:
    """`use_git=False`: walk without asking git first (the caller knows git listed nothing here last time:
    outside a work tree or in a folder it ignores; each git process costs 5-10 ms of a delta), unless the walk
    finds a `.git` at the top. `known`: the last run's `files`, whose language and name checks are not redone
    (only their stat)."""
    check_root(root)
    result = Discovery(root=root)
    listed = _git_files(root) if use_git else None
    stats: dict[str, os.stat_result] = {}      # the walk's lstat of each file it lists
    if listed is None:
        walk_skips: Counter = Counter()
        stats, has_git = _walk(root, walk_skips)
        if has_git and not use_git:     # `git init` here since the last run: git's rules hold now (the walk saw it)
            listed = _git_files(root)
    if listed is not None:
        result.git_head = _git_head(root)
        paths, stats = listed, {}
    else:
        result.skipped.update(walk_skips)
        result.walked = True
        paths = sorted(stats)
    root_s = str(root) + os.sep
    known = known or {}
    for rel in paths:
        seen = known.get(rel)
        if seen is not None:               # a source file last time: the same name gives the same answers
            language = seen.language
        else:
            if not rel.isascii() and not storable(rel):     # a surrogate from a non-UTF-8 byte: no store takes it
                result.skipped["undecodable_name"] += 1
                continue
            name = rel.rsplit("/", 1)[-1]
            if name in CONFIG_FILES:
                try:
                    result.config[rel] = (root / rel).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    result.skipped["unreadable"] += 1
                continue
            language = language_for_path(rel)
            if language is None:
                result.skipped["unsupported_language"] += 1
                continue
            if name.endswith(GENERATED_SUFFIXES):
                result.skipped["generated"] += 1
                continue
        full = root_s + rel
        try:
            st = stats.get(rel) or os.lstat(full)     # one syscall for most files: a link also needs its target's
            mtime = st.st_mtime_ns
            if stat_mod.S_ISLNK(st.st_mode):
                st = os.stat(full)
                if not _link_inside(full, root):
                    result.skipped["not_a_regular_file"] += 1
                    continue
                # the later of the link's and its target's: a retargeted link is new, even when its new
                # target has the old one's mtime and size
                mtime = max(mtime, st.st_mtime_ns)
        except FileNotFoundError:
            result.skipped["vanished_or_broken_link"] += 1
            continue
        except OSError:
            result.skipped["unreadable"] += 1
            continue
        if not stat_mod.S_ISREG(st.st_mode):
            result.skipped["not_a_regular_file"] += 1
            continue
        if st.st_size > max_bytes:
            result.skipped["too_large"] += 1
            continue
        if seen is not None and seen.mtime_ns == mtime and seen.size == st.st_size:
            result.files[rel] = seen       # unchanged: no new tuple for the collector to scan after the run
        else:
            result.files[rel] = Candidate(rel, language, mtime, st.st_size)
    return result


def _link_inside(full: str, root: Path) -> bool:
    """A link pointing outside the project is not the project's code."""
    try:
        Path(full).resolve(strict=True).relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.decode("utf-8", "surrogateescape") if out.returncode == 0 else None


def _git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files, when `root` lies in a git work tree (outside one,
    ls-files fails: no separate `rev-parse` call, each git process costs 5-20 ms of a no-change run)."""
    out = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if out is None:
        return None
    files = sorted({p for p in out.split("\0") if p})
    if not files:      # a folder the enclosing repository ignores, indexed on purpose: walk it instead
        return None
    return [p for p in files if not any(part in SKIP_DIRS for part in p.split("/")[:-1])]


def git_dirs(root: Path) -> tuple[Path, Path] | None:
    """The git dir of the work tree holding `root` (where its HEAD is) and the common dir (branch refs,
    packed-refs; another folder for a `git worktree`), absolute; None outside a work tree."""
    out = _git(root, "rev-parse", "--absolute-git-dir", "--git-common-dir")
    lines = out.splitlines() if out else []
    if len(lines) != 2:
        return None
    return Path(lines[0]), (root / lines[1]).resolve()      # the common dir may be given relative to `root`


def _git_head(root: Path) -> str | None:
    """The commit HEAD names, read from the repository's files (a `git rev-parse HEAD` process costs 3-5 ms of
    every run); git itself answers whatever the files do not say plainly (a reftable, an odd ref)."""
    head = _head_from_files(root)
    if head is None:
        head = _git(root, "rev-parse", "HEAD")
        head = head.strip() if head else None
    return head or None


_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _head_from_files(root: Path) -> str | None:
    """HEAD's commit from `.git/HEAD` and the ref it names (loose or packed), "" for a branch with no commit
    yet; None when the files do not say it plainly."""
    if "GIT_DIR" in os.environ:                 # git is told where the repository is: ask it
        return None
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.exists():
            break
    else:
        return None
    try:
        if dot_git.is_file():                   # a worktree or submodule: "gitdir: <path>"
            text = dot_git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            git_dir = (folder / text[7:].strip()).resolve()
        else:
            git_dir = dot_git
        common = git_dir
        if (git_dir / "commondir").exists():
            common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        if (common / "reftable").exists():
            return None
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if _SHA.fullmatch(head):                # detached
            return head
        if not head.startswith("ref: refs/"):
            return None
        ref = head[5:].strip()
        for base in (git_dir, common):          # a worktree's own refs, then the shared ones
            try:
                sha = (base / ref).read_text(encoding="utf-8").strip()
            except (FileNotFoundError, NotADirectoryError):
                continue
            return sha if _SHA.fullmatch(sha) else None
        try:
            packed = (common / "packed-refs").read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""                           # no commit on this branch yet
        for line in packed.splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha if _SHA.fullmatch(sha) else None
        return ""
    except (OSError, UnicodeDecodeError):
        return None


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


def _walk(root: Path, skipped: Counter) -> tuple[dict[str, os.stat_result], bool]:
    """Outside git: walk without following directory links (no loops), honouring simple .gitignore rules.
    Each file listed (a link: the link itself) comes with its lstat, taken relative to the open folder while it
    is listed (`scandir` of a descriptor: no second pass over full paths; stdlib, alternating runs: 10.3-18.1 ms
    against 10.6-20.3 for os.walk and an lstat per path, the host's own swings being larger). Also says
    whether the top holds a `.git` (a folder or a worktree's file)."""
    ignore = _load_gitignore(root)
    out: dict[str, os.stat_result] = {}
    has_git = False
    todo = [("", str(root))]          # folders to list: opened when listed, so only one is open at a time
    while todo:
        rel_dir, folder = todo.pop()
        try:
            # the top may be a link; a folder below it is opened only as what the listing saw (not a link)
            fd = os.open(folder, _DIR_FLAGS if rel_dir else _DIR_FLAGS & ~getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            skipped["unreadable"] += 1
            continue
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    name = entry.name
                    if not rel_dir and name == ".git":
                        has_git = True
                    rel = rel_dir + name
                    try:
                        if entry.is_dir():           # a link to a folder too (listed by nobody, walked never)
                            if not entry.is_symlink() and name not in SKIP_DIRS and not _ignored(rel, name, ignore,
                                                                                                   True):
                                todo.append((rel + "/", os.path.join(folder, name)))
                        elif not _ignored(rel, name, ignore, False):
                            out[rel] = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:        # gone since the folder was listed
                        skipped["vanished_or_broken_link"] += 1
                    except OSError:
                        skipped["unreadable"] += 1
        except OSError:
            skipped["unreadable"] += 1
        finally:
            os.close(fd)
    return out, has_git


def _load_gitignore(root: Path) -> list[tuple[str, bool]]:
    try:
        lines = (root / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    rules = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            rules.append((line.rstrip("/").lstrip("/"), line.endswith("/")))
    return rules


def _ignored(rel: str, name: str, rules, is_dir: bool) -> bool:
    for pattern, dir_only in rules:
        if dir_only and not is_dir:
            continue
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(rel, pattern):
            return True
    return False
