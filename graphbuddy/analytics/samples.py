"""Constructed work histories with known numbers: git repositories (built with one `git fast-import`), quality
checkpoints and sessions. Used by the notebooks, the tests and the benchmark, so their expected figures are
computable by hand.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CommitSpec:
    when: dt.datetime                      # UTC
    message: str | bytes                   # bytes: written as-is (odd encodings)
    files: dict[str, str] = field(default_factory=dict)
    author: str | None = "Ada Lovelace"    # None: an author line with an empty name


def build_repo(path: str | Path, commits: list[CommitSpec], *, branch: str = "main") -> Path:
    """A git repository at `path` whose history is exactly `commits` (oldest first), in one fast-import."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    _run(path, "init", "-q", "-b", branch)
    stream = bytearray()
    for i, c in enumerate(commits, 1):
        stamp = f"{int(c.when.replace(tzinfo=dt.timezone.utc).timestamp())} +0000"
        who = f"{c.author} <{(c.author or 'x').split()[0].lower()}@example.com>" if c.author else "<nobody@example.com>"
        msg = c.message if isinstance(c.message, bytes) else c.message.encode()
        stream += f"commit refs/heads/{branch}\nmark :{i}\nauthor {who} {stamp}\n".encode()
        stream += f"committer Bot <bot@example.com> {stamp}\ndata {len(msg)}\n".encode() + msg + b"\n"
        for name, content in c.files.items():
            data = content.encode()
            stream += f"M 644 inline {name}\ndata {len(data)}\n".encode() + data + b"\n"
        stream += b"\n"
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=bytes(stream), check=True,
                   capture_output=True)
    if commits:
        _run(path, "reset", "-q", "--hard", branch)
    return path


def _run(path: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True)


# -- a small team's month: the numbers the notebooks and tests expect ----------------------------------------
START = dt.datetime(2026, 10, 5)           # a Monday

# Per day: (commits, conventional commits among them, quality score of that day's checkpoint).
# Quality falls as the daily commit count rises, and rises with compliance.
DAYS = [(1, 1, 0.91), (2, 2, 0.90), (4, 2, 0.78), (3, 3, 0.86), (6, 3, 0.70),
        (2, 1, 0.80), (5, 5, 0.82), (8, 4, 0.64), (3, 2, 0.79), (1, 1, 0.93)]

# Sessions: (day index, start hour, minutes, quality at start, quality at end). Longer sessions gain more.
SESSIONS = [(0, 9, 30, 0.80, 0.82), (1, 10, 90, 0.78, 0.86), (2, 14, 45, 0.75, 0.77), (3, 9, 120, 0.70, 0.82),
            (5, 13, 60, 0.72, 0.76), (6, 9, 150, 0.68, 0.83), (8, 16, 20, 0.81, 0.80)]


def team_month_commits() -> list[CommitSpec]:
    """The commits of `DAYS`: one per hour from 09:00 UTC; the first of day 4 is a breaking `feat(api)!:`."""
    out = []
    for d, (n, conventional, _) in enumerate(DAYS):
        for k in range(n):
            when = START + dt.timedelta(days=d, hours=9 + k)
            if k < conventional:
                msg = "feat(api)!: drop v1 endpoints" if (d, k) == (4, 0) else f"fix(core): issue {d}-{k}"
            else:
                msg = f"tweak things {d}-{k}"
            out.append(CommitSpec(when, msg, {f"src/f{d}_{k}.py": f"x = {d * 10 + k}\n"}))
    return out


def add_team_month_work(gb, project: str) -> None:
    """Checkpoints (one per day of `DAYS`) and sessions (`SESSIONS`) for `project`.

    Written straight into the stores in the shape of the data-model contract; the memory capture writes the
    same rows for real sessions.
    """
    import json

    import pyarrow as pa

    days = [START + dt.timedelta(days=d, hours=18) for d in range(len(DAYS))]
    gb.analytics.insert_arrow("checkpoints", pa.table({
        "session_id": [f"{project}-day{d}" for d in range(len(DAYS))], "project": [project] * len(DAYS),
        "ts": days, "score": [q for _, _, q in DAYS],
        "components": [json.dumps({"tests": q}) for _, _, q in DAYS]}))
    with gb.graph.transaction():
        for i, (d, hour, minutes, q0, q1) in enumerate(SESSIONS):
            begin = START + dt.timedelta(days=d, hours=hour)
            gb.graph.execute(
                "CREATE (:Session {id: $id, project: $p, agent: 'sample', started_at: $s, ended_at: $e, "
                "status: 'ended', quality_start: $q0, quality_end: $q1, summary: $sum})",
                {"id": f"{project}-s{i}", "p": project, "s": begin, "e": begin + dt.timedelta(minutes=minutes),
                 "q0": q0, "q1": q1, "sum": f"sample session {i}"})
