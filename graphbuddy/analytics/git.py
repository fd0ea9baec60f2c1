"""Git history ingestion: one `git log --numstat` subprocess, parsed as a stream, into DuckDB `commits`.

Incremental: the HEAD ingested last is remembered per project; when it is still an ancestor of HEAD, only
`last..HEAD` is read, otherwise (rewritten history, shallow clone) the whole history is read and commits
already stored are skipped. Either way a re-run adds nothing. Commit texts are
decoded as UTF-8 with replacement characters (git re-encodes messages that declare an encoding; raw bytes in
other encodings are kept readable). Timestamps are the author dates, stored in UTC.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

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


def read_commits(path: Path, *, pathspec: str | None = None, since_sha: str | None = None) -> Iterator[Commit]:
    """Stream the commits of HEAD's history (after `since_sha` if given), newest first, from one `git log`."""
    top, shallow, head = repository_info(path)
    if head is None:
        return
    boundary = set()
    if shallow:        # grafted commits look like root commits: their numstat is the whole tree, not a change
        shallow_file = _git(path, "rev-parse", "--git-path", "shallow").stdout.strip()
        p = Path(shallow_file) if Path(shallow_file).is_absolute() else path / shallow_file
        boundary = set(p.read_text().split()) if p.exists() else set()
    cmd = ["git", "-C", str(path), "-c", "core.quotepath=off", "log", "--numstat", "--no-renames",
           "--no-color", f"--format={_FORMAT}", f"{since_sha}..HEAD" if since_sha else "HEAD"]
    if pathspec:
        cmd += ["--", pathspec]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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


def ingest_git(analytics, path: str | Path, *, project: str) -> GitIngestReport:
    """Add the commits of the repository at `path` not yet stored for `project`; one event row per run."""
    import pyarrow as pa

    start = time.perf_counter()
    root = Path(path).expanduser().resolve()
    top, shallow, head = repository_info(root)
    pathspec = None if top.resolve() == root else "."      # a sub-folder project: only its own history
    key = f"git_head:{project}"
    last = analytics.rows("SELECT value FROM meta WHERE key = ?", [key])
    last = last[0][0] if last else None
    known = {r[0] for r in analytics.rows("SELECT sha FROM commits WHERE project = ?", [project])}
    if last and (shallow or last not in known or not _is_ancestor(root, last, head)):
        last = None                          # history rewritten or cut: read it all, skip what is stored
    read = undated = 0
    new: list[Commit] = []
    if head != last:
        for c in read_commits(root, pathspec=pathspec, since_sha=last):
            read += 1
            if c.ts is None:
                undated += 1                 # counted, not stored: every report and query buckets by date
            elif c.sha not in known:
                new.append(c)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with analytics.transaction():
        if new:
            cols = {k: [getattr(c, k) for c in new] for k in Commit.__dataclass_fields__}
            analytics.insert_arrow("commits", pa.table({"project": [project] * len(new), **cols}))
        if head:
            analytics.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, head])
        analytics.execute("INSERT INTO events VALUES (?, ?, 'git', NULL, 'ingest', ?, ?)",
                          [now, project, len(new), f'{{"read": {read}, "shallow": {str(shallow).lower()}}}'])
    return GitIngestReport(project, str(root), read, len(new), len(known) + len(new), undated, shallow, head,
                           time.perf_counter() - start)


def _is_ancestor(path: Path, old: str, head: str | None) -> bool:
    return head is not None and _git(path, "merge-base", "--is-ancestor", old, head).returncode == 0
