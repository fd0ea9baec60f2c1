"""Memories linked through the code graph: ABOUT a file/function/class, its members, or its callers/callees."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidArgument
from .documents import MEMORY_KINDS

# Closer links first: the target itself, what it defines, then one CALLS hop either way.
RELATIONS = ("about", "about_member", "about_caller", "about_callee")
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class LinkedMemory:
    id: str
    kind: str
    project: str | None
    title: str | None
    content: str
    tags: tuple[str, ...]
    created_at: object
    votes: int
    relation: str                 # one of RELATIONS
    via: str                      # the code node the memory is ABOUT

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["tags"] = list(self.tags)
        return d


@dataclass(frozen=True)
class ByFileResult:
    target: object                # related.Target
    memories: list[LinkedMemory]
    missing_documents: int        # linked nodes without a documents row (counted, not shown)

    def as_dict(self) -> dict:
        return {"target": self.target.__dict__, "memories": [m.as_dict() for m in self.memories],
                "missing_documents": self.missing_documents}


def find_memories_about(rows, analytics, target, *, limit: int = 50) -> ByFileResult:
    """`rows(name, **params)` runs a named query. Direct links rank above one-hop ones, newest first within."""
    if not isinstance(limit, int) or limit < 1:     # out[:limit] would drop the last memories, not refuse
        raise InvalidArgument(f"limit must be at least 1, got {limit!r}")
    own = [target.id]
    if target.kind in ("File", "Class"):
        own += [r["member"] for r in rows("code.members", ids=[target.id])]
    if target.kind == "File":           # methods of the file's classes too
        own += [r["member"] for r in rows("code.members", ids=own[1:])]
    functions = [i for i in own if i != target.id or target.kind == "Function"]
    links: dict[str, tuple[str, str]] = {}

    def add(memory: str, relation: str, via: str) -> None:
        if memory not in links or RELATIONS.index(relation) < RELATIONS.index(links[memory][0]):
            links[memory] = (relation, via)

    for r in rows("memory.search_about", ids=own):
        add(r["memory"], "about" if r["about"] == target.id else "about_member", r["about"])
    if functions:
        for r in rows("memory.search_about_callers", ids=functions):
            add(r["memory"], "about_caller", r["about"])
        for r in rows("memory.search_about_callees", ids=functions):
            add(r["memory"], "about_callee", r["about"])
    if not links:
        return ByFileResult(target, [], 0)
    found = analytics.rows(
        "SELECT id, kind, project, title, content, tags, created_at, coalesce(votes, 0) FROM documents "
        "WHERE id IN (SELECT unnest(?::VARCHAR[])) AND kind IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(links), list(MEMORY_KINDS)])
    out = [LinkedMemory(i, k, p, t, c or "", tuple(tags or ()), created, votes, *links[i])
           for i, k, p, t, c, tags, created, votes in found]
    # created_at is naive UTC: `.timestamp()` would read it as local time (out of order around a DST change)
    out.sort(key=lambda m: (RELATIONS.index(m.relation), -((m.created_at - _EPOCH).total_seconds() if m.created_at
                                                            else 0), m.id))
    return ByFileResult(target, out[:limit], len(links) - len(found))
