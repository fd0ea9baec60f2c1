"""Watch mode: apply delta updates as files change.

watchfiles (Rust `notify`) reports file events; its Rust loop wakes every `step_ms` and hands over a batch once a
step passes with no new event. A batch that touches one file (a save) becomes a delta at once: save -> delta
started is ~1.5 steps. A batch of several files (a branch switch, a pull, a formatter) waits until `settle_ms`
pass with no further event, capped at `debounce_ms` from its first event, so the whole burst becomes ONE delta
even when the writer pauses between files. Events arriving while a delta runs queue up and form the next batch.
The delta itself decides what changed by mtime/size and content hash, so an event for a file whose content did
not change costs a stat, and a file that vanishes before the delta reads it is simply a deletion.

In a git work tree, HEAD moving (a commit, amend, reset or checkout, even one that changes no file) is an
event too: git rewrites HEAD or a branch ref, and the run that follows records the new HEAD (`Project.head`).
The refs are watched where git keeps them, also outside the watched folder (a worktree, a sub-folder of the
repository); a repository created after the watch started is seen with the next file change.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import GraphbuddyError, InvalidArgument
from .index.discover import SKIP_DIRS, check_root, git_dirs
from .languages import CONFIG_FILES, language_for_path

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class WatchUpdate:
    """One applied delta: the events that triggered it and the index report (None when it failed)."""

    events: int
    paths: tuple[str, ...]
    report: object | None
    error: str | None
    index_ms: float             # burst handed over -> graph updated
    head_moved: bool = False    # the run recorded another git HEAD than the one before

    def line(self) -> str:
        stamp = time.strftime("%H:%M:%S")
        if self.error:
            return f"{stamp} update failed ({self.events} events): {self.error}"
        r = self.report
        if self.events == 0:        # the catch-up index a watch starts with
            caught = "up to date" if r.mode == "unchanged" else (
                f"caught up, parsed {r.files_parsed}, deleted {r.files_deleted} -> {r.functions} functions, "
                f"{r.calls} calls")
            return f"{stamp} {r.project}: watching {r.files_total} files: {caught} ({self.index_ms:.0f} ms)"
        if r.mode == "unchanged" and self.head_moved:
            return (f"{stamp} {r.project}: HEAD moved to {(r.head or '(none)')[:12]}, no indexed file changed "
                    f"({self.index_ms:.0f} ms)")
        if r.mode == "unchanged":
            return f"{stamp} {r.project}: {self.events} events, nothing changed ({self.index_ms:.0f} ms)"
        compacted = f"; {r.compaction.line()}" if r.compaction else ""
        return (f"{stamp} {r.project}: parsed {r.files_parsed}, deleted {r.files_deleted}, "
                f"re-resolved {r.files_reresolved} -> {r.functions} functions, {r.calls} calls "
                f"({self.index_ms:.0f} ms){compacted}")


def relevant(path: str, root: str, deleted: bool = False) -> bool:
    """Would a change to `path` matter to the graph? Source files, import config files and .gitignore, and
    folders: one moved in or out as a whole reports a single event, for the folder (`deleted`: it is gone, and
    may have been one)."""
    rel = Path(path).relative_to(root).as_posix() if path.startswith(root) else path
    parts = rel.split("/")
    if SKIP_DIRS.intersection(parts):       # what discover never lists
        return False
    name = parts[-1]
    if "." not in name:         # maybe a folder moved or removed as a whole: let the delta look
        return True
    if name == ".gitignore" or name in CONFIG_FILES or language_for_path(name) is not None:
        return True
    # a dotted folder name (`lib.v2`): a removed path cannot be told from a file, an added one costs a stat
    return deleted or os.path.isdir(path)


@dataclass(frozen=True)
class GitRefs:
    """Where a move of HEAD shows: HEAD in the work tree's git dir, branch refs and packed-refs in the common
    dir (both absolute, as strings)."""

    git_dir: str
    common_dir: str

    def moved(self, path: str) -> bool:
        if path.endswith(".lock"):          # git writes a ref's .lock, then renames it over the ref
            return False
        return (path == os.path.join(self.git_dir, "HEAD") or path == os.path.join(self.common_dir, "packed-refs")
                or path.startswith(os.path.join(self.common_dir, "refs", "heads", "")))

    def outside(self, root: str) -> list[str]:
        """The folders to watch besides `root`: the git dirs not inside it."""
        out: list[str] = []
        for d in (self.common_dir, self.git_dir):
            if not _inside(d, root) and not any(_inside(d, o) for o in out):
                out.append(d)
        return out


def wanted(path: str, root: str, refs: GitRefs | None, deleted: bool = False) -> bool:
    """Does an event start an update: a move of HEAD, or a relevant change inside the watched folder (a git
    dir watched outside it, say a bare repository's, holds nothing else of interest)."""
    return refs is not None and refs.moved(path) or _inside(path, root) and relevant(path, root, deleted)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(os.path.join(folder, ""))


def watch_project(index: Callable[[], object], root: Path, *, on_update: Callable[[WatchUpdate], None],
                  stop: threading.Event | None = None, debounce_ms: int = 1600, step_ms: int = 10,
                  settle_ms: int = 100, ready: threading.Event | None = None) -> int:
    """Run `index()` (a delta) once the watcher is armed, then after every burst of changes under `root`.

    Returns the number of updates applied when `stop` is set. Ctrl-C propagates as KeyboardInterrupt
    between updates; an index run in progress completes or rolls back as a whole (one transaction)."""
    import watchfiles

    for what, ms in (("debounce", debounce_ms), ("step", step_ms), ("settle time", settle_ms)):
        if ms < 0:       # watchfiles raised OverflowError (an internal error, exit 70)
            raise InvalidArgument(f"the {what} must be 0 ms or more, got {ms}")
    root = root.expanduser()
    check_root(root)                  # the index's own words and exit code (5) for the same path
    root_str = str(root.resolve())
    dirs = git_dirs(root)
    refs = GitRefs(str(dirs[0]), str(dirs[1])) if dirs else None
    stop = stop or threading.Event()
    updates = 0
    # The first yield comes after the watcher is armed (a timeout tick, or early events): catch up then with
    # edits made while nobody watched, so nothing falls between the catch-up and the first event. Events are
    # filtered here, not by watchfiles: a batch of only irrelevant events (a build writing dist/, .git churn)
    # must still close a pending burst once `settle_ms` passed since its last relevant event.
    changes_iter = watchfiles.watch(root_str, *(refs.outside(root_str) if refs else ()), watch_filter=None,
                                    debounce=debounce_ms, step=step_ms, stop_event=stop, rust_timeout=settle_ms,
                                    yield_on_timeout=True, raise_interrupt=True)
    armed = False
    pending: set = set()
    first_event = last_event = 0.0
    for raw in changes_iter:
        changes = {(c, p) for c, p in raw if wanted(p, root_str, refs, c == watchfiles.Change.deleted)}
        if not armed:
            armed = True
            head = _apply(index, len(changes), _relative(changes, root_str), on_update)
            if ready is not None:
                ready.set()
            continue
        now = time.monotonic()
        if changes:
            if not pending:
                first_event = now
            pending |= changes
            last_event = now
            if len({p for _c, p in pending}) > 1 and (now - first_event) * 1000 < debounce_ms:
                continue                    # several files: a burst may still be going on
        elif not pending or (raw and (now - last_event) * 1000 < settle_ms):
            continue                        # nothing pending, or irrelevant events inside a burst
        batch, pending = pending, set()
        head = _apply(index, len(batch), _relative(batch, root_str), on_update, head)
        updates += 1
    return updates


def _relative(changes, root: str) -> tuple[str, ...]:
    """Paths relative to `root`; a git dir's outside it stay absolute."""
    return tuple(sorted({Path(p).relative_to(root).as_posix() if _inside(p, root) else p for _c, p in changes}))


def _apply(index, events: int, paths: tuple[str, ...], on_update, head: str | None = None) -> str | None:
    """Run `index()` and report it; returns the git HEAD recorded since (`head`: the one before)."""
    started = time.perf_counter()
    try:
        report, error = index(), None
    except GraphbuddyError as exc:       # e.g. the project folder vanished: say so, keep watching
        report, error = None, str(exc)
    moved = report is not None and head is not None and report.head != head
    on_update(WatchUpdate(events, paths, report, error, (time.perf_counter() - started) * 1000, moved))
    return report.head if report is not None else head
