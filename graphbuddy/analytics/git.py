"""Git history ingestion: one `git log --numstat` subprocess, parsed as a stream, into DuckDB `commits`.

The stored commits of a project are the history of HEAD (one ref: commits only on other branches are not
stored), restricted to the ingested folder: after any re-run they equal what a first ingest of the repository
as it is now would store. Incremental: meta `git_head:<project>` records the HEAD, folder, shallowness and
row count of the last run. HEAD and rows unchanged: nothing is read. The last HEAD an ancestor of HEAD (a
fast-forward; for a sub-folder, without a merge in between): only `last..HEAD` is read. History moved
otherwise (amend, rebase, reset, force-push, another branch checked out, a shallow clone deepened or
unshallowed, rows merged in by a project rename): `git rev-list HEAD` lists the history, stored commits no
longer in it are dropped (counted in `commits_dropped`) and only the commits that joined it are read.
Another folder, or a store from before the folder was recorded: the whole history is read and replaces the
stored rows. Commit texts are decoded as UTF-8 with replacement characters (git re-encodes messages that
declare an encoding; raw bytes in other encodings are kept readable). Timestamps are the author dates,
stored in UTC.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Collection, Iterator

from ..errors import IndexingError

# Record layout: NUL + \x1e starts a commit, NUL + \x1f separates header fields, NUL + \x1d ends the message;
# numstat follows. A message or a name may hold \x1e, \x1f or \x1d (one did: bogus records), not NUL
# (`git commit` refuses it).
_RECORD, _FIELD, _END = b"\x00\x1e", b"\x00\x1f", b"\x00\x1d"
_FORMAT = "%x00%x1e%H%x00%x1f%at%x00%x1f%an%x00%x1f%P%x00%x1f%B%x00%x1d"
_CHUNK = 1 << 16

# Conventional Commits (conventionalcommits.org) with the commitlint config-conventional types.
CONVENTIONAL_TYPES = ("feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci", "chore", "revert")
_HEADER = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: \S")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.M)


@dataclass(frozen=True)
class ConventionalHeader:
    type: str | None            # None: not a conventional commit
    scope: str | None
    breaking: bool


@dataclass(frozen=True)
class Commit:
    sha: str
    ts: dt.datetime | None      # author date, UTC, naive; None: out of Python's range (not stored)
    author: str | None
    type: str | None
    scope: str | None
    breaking: bool
    merge: bool
    subject: str
    files: int | None           # None: stats unknown (the boundary commit of a shallow clone)
    insertions: int | None
    deletions: int | None


@dataclass(frozen=True)
class GitIngestReport:
    project: str
    path: str
    commits_read: int           # read from git in this run
    commits_added: int
    commits_dropped: int        # stored before, no longer in HEAD's history (rewritten, reset, another branch)
    commits_total: int          # stored for the project after this run
    commits_undated: int        # read but not stored: an author date Python cannot hold (after year 9999)
    shallow: bool
    head: str | None
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def parse_conventional(message: str) -> ConventionalHeader:
    """Type, scope and breaking flag of a commit message (`feat(api)!: x`, or a `BREAKING CHANGE:` footer)."""
    first = message.split("\n", 1)[0].strip()
    m = _HEADER.match(first)
    footer = bool(_BREAKING_FOOTER.search(message))
    if not m or m.group("type").lower() not in CONVENTIONAL_TYPES:
        return ConventionalHeader(None, None, footer)
    scope = (m.group("scope") or "").strip() or None
    return ConventionalHeader(m.group("type").lower(), scope, bool(m.group("bang")) or footer)


def _git(path: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, errors="replace")
    except FileNotFoundError:          # no git on PATH: subprocess's own error read as a bug
        raise IndexingError("git is not installed (ingest-git runs it)", path=str(path)) from None


def repository_info(path: Path) -> tuple[Path, bool, str | None]:
    """(top level, shallow, HEAD sha or None for an empty history); a clear error when it is not a repository."""
    if not path.is_dir():
        raise IndexingError(f"not a directory: {path}", path=str(path))
    top = _git(path, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise IndexingError(f"not a git repository (or git is missing): {path}", path=str(path))
    shallow = _git(path, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    head = _git(path, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    return Path(top.stdout.strip()), shallow, (head.stdout.strip() or None) if head.returncode == 0 else None


def _shallow_boundary(path: Path) -> set[str]:
    """The grafted commits of a shallow clone: they look like root commits, their numstat is the whole tree."""
    shallow_file = _git(path, "rev-parse", "--git-path", "shallow").stdout.strip()
    p = Path(shallow_file) if Path(shallow_file).is_absolute() else path / shallow_file
    return set(p.read_text().split()) if p.exists() else set()


def _log(path: Path, *, pathspec: str | None, since_sha: str | None, only: Collection[str] | None,
         boundary: set[str]) -> Iterator[Commit]:
    if only is not None and not only:
        return
    cmd = ["git", "-C", str(path), "-c", "core.quotepath=off", "log", "--numstat", "--no-renames",
           "--no-color", f"--format={_FORMAT}"]
    stdin = None
    if only is not None:                 # given commits, no walk: shas on stdin (thousands do not fit argv)
        stdin = tempfile.TemporaryFile()
        stdin.write("".join(f"{sha}\n" for sha in only).encode())
        stdin.seek(0)
        cmd += ["--no-walk", "--stdin"]
    else:
        cmd.append(f"{since_sha}..HEAD" if since_sha else "HEAD")
    if pathspec:
        cmd += ["--", pathspec]
    try:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if stdin is not None:
            stdin.close()
    try:
        buf = b""
        while True:
            chunk = proc.stdout.read(_CHUNK)
            if not chunk:
                break
            buf += chunk
            *records, buf = buf.split(_RECORD)
            for rec in records:
                if rec.strip():
                    yield _parse_record(rec, boundary)
        if buf.strip():
            yield _parse_record(buf, boundary)
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace")
        code = proc.wait()
    if code != 0:
        raise IndexingError(f"git log failed in {path}: {err.strip().splitlines()[-1] if err.strip() else code}",
                            path=str(path))


def _parse_record(rec: bytes, boundary: set[str]) -> Commit:
    head, _, stats = rec.partition(_END)
    sha, ts, author, parents, message = (f.decode("utf-8", "replace") for f in head.split(_FIELD, 4))
    files = insertions = deletions = 0
    for line in stats.decode("utf-8", "replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        files += 1
        insertions += int(parts[0]) if parts[0].isdigit() else 0      # "-" for binary files
        deletions += int(parts[1]) if parts[1].isdigit() else 0
    header = parse_conventional(message)
    known = sha not in boundary
    try:
        when = dt.datetime.fromtimestamp(int(ts or 0), dt.timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError, OSError):      # git takes `--date=@253402300800` (year 10000)
        when = None
    return Commit(
        sha=sha, ts=when,
        author=author.strip() or None, type=header.type, scope=header.scope, breaking=header.breaking,
        merge=len(parents.split()) > 1, subject=message.split("\n", 1)[0].strip(),
        files=files if known else None, insertions=insertions if known else None,
        deletions=deletions if known else None)


@dataclass(frozen=True)
class _LastRun:
    """What meta `git_head:<project>` records about the last ingestion of a project."""
    head: str
    folder: str                 # the ingested folder relative to the repository's top level, "." for all of it
    shallow: bool
    commits: int                # rows stored for the project after it: other counts mean rows changed since

    def encode(self) -> str:
        return json.dumps({"head": self.head, "folder": self.folder, "shallow": self.shallow,
                           "commits": self.commits})

    @staticmethod
    def decode(value: str | None) -> "_LastRun | None":
        """None when unknown: no run yet, or a bare sha written before the folder was recorded (such stores may
        also hold commits a rewrite left behind)."""
        if not value or not value.startswith("{"):
            return None
        try:
            d = json.loads(value)
            return _LastRun(str(d["head"]), str(d["folder"]), bool(d["shallow"]), int(d["commits"]))
        except (ValueError, KeyError, TypeError):
            return None


def ingest_git(analytics, path: str | Path, *, project: str) -> GitIngestReport:
    """Make the project's stored commits those of HEAD's history at `path` (see the module docstring): add the
    commits not stored yet, drop those no longer in it; one event row per run."""
    import pyarrow as pa

    start = time.perf_counter()
    root = Path(path).expanduser().resolve()
    top, shallow, head = repository_info(root)
    try:
        folder = root.relative_to(top.resolve()).as_posix()
    except ValueError:
        folder = str(root)
    pathspec = None if folder == "." else "."      # a sub-folder project: only its own history
    key = f"git_head:{project}"
    value = analytics.rows("SELECT value FROM meta WHERE key = ?", [key])
    last = _LastRun.decode(value[0][0] if value else None)
    same = last is not None and last.folder == folder and not (shallow or last.shallow)
    read = undated = added = dropped = 0
    new: list[Commit] = []
    gone: set[str] = set()               # stored rows to delete: dropped, or re-read
    replace = False
    # nothing moved, no rows changed since (a project rename can merge rows in): nothing to read
    if same and head == last.head and _count(analytics, project) == last.commits:
        total = last.commits
    else:
        known = {r[0] for r in analytics.rows("SELECT sha FROM commits WHERE project = ?", [project])}
        boundary = _shallow_boundary(root) if shallow else set()
        same = same and len(known) == last.commits      # rows changed since: reconciled, not trusted
        if same and _is_ancestor(root, last.head, head) and not (pathspec and _has_merges(root, last.head, head)):
            commits = _log(root, pathspec=pathspec, since_sha=last.head, only=None, boundary=boundary)
        elif last is not None and last.folder == folder and known and head:
            # moved other than forward: drop what left HEAD's history, read what joined it, and re-read commits
            # whose shallow-boundary status changed (a boundary commit has no line counts)
            reachable = _rev_list(root, pathspec)
            stale: set[str] = set()
            if shallow or last.shallow:
                nulls = {r[0] for r in analytics.rows(
                    "SELECT sha FROM commits WHERE project = ? AND files IS NULL", [project])}
                stale = known & reachable & (nulls ^ boundary)
            gone = (known - reachable) | stale
            dropped = len(known - reachable)
            commits = _log(root, pathspec=pathspec, since_sha=None, only=(reachable - known) | stale,
                           boundary=boundary)
        else:                            # first run, empty history, another folder, or a store from before
            replace, gone = True, known
            commits = _log(root, pathspec=pathspec, since_sha=None, only=None, boundary=boundary) if head else ()
        for c in commits:
            read += 1
            if c.ts is None:
                undated += 1             # counted, not stored: every report and query buckets by date
            elif c.sha not in known or c.sha in gone:
                new.append(c)
                added += c.sha not in known
        if replace:
            dropped = len(known - {c.sha for c in new})
        total = len(known) - dropped + added
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with analytics.transaction():
        if replace and gone:
            analytics.execute("DELETE FROM commits WHERE project = ?", [project])
        elif gone:
            analytics.execute_with("DELETE FROM commits WHERE project = ? AND sha IN (SELECT sha FROM _gone)",
                                   [project], _gone=pa.table({"sha": sorted(gone)}))
        if new:
            cols = {k: [getattr(c, k) for c in new] for k in Commit.__dataclass_fields__}
            analytics.insert_arrow("commits", pa.table({"project": [project] * len(new), **cols}))
        if head:
            analytics.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                              [key, _LastRun(head, folder, shallow, total).encode()])
        elif value:
            analytics.execute("DELETE FROM meta WHERE key = ?", [key])
        analytics.execute("INSERT INTO events VALUES (?, ?, 'git', NULL, 'ingest', ?, ?)",
                          [now, project, added, json.dumps({"read": read, "dropped": dropped, "shallow": shallow})])
    return GitIngestReport(project, str(root), read, added, dropped, total, undated, shallow, head,
                           time.perf_counter() - start)


def _count(analytics, project: str) -> int:
    return analytics.rows("SELECT count(*) FROM commits WHERE project = ?", [project])[0][0]


def _rev_list(path: Path, pathspec: str | None) -> set[str]:
    """The shas of HEAD's history (touching `pathspec`): what a `git log HEAD` lists, without reading diffs."""
    # stdout alone on a pipe (stderr to a file): subprocess reads it in one go, where two pipes cost a select
    # loop of small reads (~30 ms of 60 for 10,000 commits)
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.run(["git", "-C", str(path), "rev-list", "HEAD", *(["--", pathspec] if pathspec else [])],
                                  stdout=subprocess.PIPE, stderr=err)
        except FileNotFoundError:
            raise IndexingError("git is not installed (ingest-git runs it)", path=str(path)) from None
        if proc.returncode != 0:
            err.seek(0)
            raise IndexingError(f"git rev-list failed in {path}: {err.read().decode('utf-8', 'replace').strip()}",
                                path=str(path))
    return set(proc.stdout.decode("ascii", "replace").split())


def _has_merges(path: Path, old: str, head: str) -> bool:
    """Whether `old..head` holds a merge. A folder's history (`git log HEAD -- folder`) prunes a merged branch
    that left the folder as the first parent had it, so with a merge in between it need not be the old one
    plus `old..head`: without one, it is."""
    return bool(_git(path, "rev-list", "--merges", "-n", "1", f"{old}..{head}").stdout.strip())


def _is_ancestor(path: Path, old: str, head: str | None) -> bool:
    return head is not None and _git(path, "merge-base", "--is-ancestor", old, head).returncode == 0
