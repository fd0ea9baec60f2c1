"""Memory fixtures: the sample project as a real git repository, indexed into a fresh in-memory store."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import graphbuddy


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(project_copy) -> Path:
    git(project_copy, "init", "-q", "-b", "main")
    git(project_copy, "add", "-A")
    git(project_copy, "commit", "-qm", "initial")
    return project_copy


@pytest.fixture
def gb(repo):
    with graphbuddy.open(memory=True) as store:
        store.index(repo, project="sample")
        yield store


def run_together(work, *, threads: int = 4, rounds: int = 1) -> list[Exception]:
    """Call `work(thread, round)` in `threads` threads, `rounds` times each, all threads starting each round
    together; returns the exceptions raised (the tests assert there are none)."""
    import threading

    errors, barrier = [], threading.Barrier(threads)

    def run(i):
        for k in range(rounds):
            barrier.wait()
            try:
                work(i, k)
            except Exception as exc:       # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors


def count(gb, cypher: str, **params) -> int:
    return gb.cypher(cypher, **params).rows()[0]["n"]


def documents(gb) -> dict[str, dict]:
    """Memory rows of `documents` (code symbols, written at index time, are the search side's business)."""
    cols = ["id", "kind", "project", "session_id", "tags", "title", "content", "content_hash", "votes", "attrs"]
    rows = gb.analytics.rows(f"SELECT {', '.join(cols)} FROM documents WHERE kind <> 'code' ORDER BY id")
    return {r[0]: dict(zip(cols, r)) for r in rows}


def snapshot(gb) -> dict:
    """Everything memory writes, for 'nothing changed' assertions."""
    q = {
        "sessions": "MATCH (s:Session) RETURN s.id AS id, s.status AS status, s.ended_at AS e, s.summary AS summary",
        "reflections": "MATCH (r:Reflection) RETURN r.id AS id, r.tags AS tags, r.votes AS votes",
        "insights": "MATCH (i:Insight) RETURN i.id AS id, i.votes AS votes",
        "edges": "MATCH (a)-[r]->(b) WHERE label(r) IN ['ABOUT', 'CAPTURED_IN', 'TOUCHED', 'OF_PROJECT'] "
                 "RETURN a.id AS a, label(r) AS r, b.id AS b",
    }
    out = {k: sorted(map(str, gb.cypher(v).rows())) for k, v in q.items()}
    out["documents"] = sorted(map(str, documents(gb).values()))
    out["checkpoints"] = gb.analytics.rows("SELECT count(*) FROM checkpoints")[0][0]
    return out
