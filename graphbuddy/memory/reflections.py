"""Reflections: text a user or agent chose to keep, linked by ABOUT edges to the code it names."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument, NotFound
from .insights import content_id
from .store import MemoryStore, check_text, clean_tags, iso, now

MAX_REFLECTION_BYTES = 64 * 1024


@dataclass(frozen=True)
class Reflection:
    id: str
    project: str | None
    content: str
    tags: tuple[str, ...]
    votes: int
    created_at: str | None
    updated_at: str | None
    sessions: tuple[str, ...]
    about: tuple[str, ...]
    created: bool = False           # False when the same text was stored before (tags merged)


def add_reflection(ms: MemoryStore, content: str, *, tags=(), project: str | None = None,
                   session_id: str | None = None, about=()) -> Reflection:
    text = check_text(content, what="reflection text", limit=MAX_REFLECTION_BYTES)
    tags = clean_tags(tags)
    if session_id is not None:
        project = ms.session_project(session_id, project)
    if isinstance(about, str):
        about = [about]
    if project is not None:
        ms.require_project(project)
    rid = content_id(text)
    ts = now()
    # Read "stored before?" inside the write: read before it, two writers of one text both CREATEd (the second
    # failed on the primary key) and a tag merge could overwrite another one's.
    with ms.write():
        existing = ms.rows_in_write("memory.reflection", id=rid)
        # One node per text: stored before, it keeps its project, and code links are looked up only in that
        # project (the project given now may be another one: its files are not what the reflection is about).
        if existing:
            project = existing[0]["project"]
        mentions = _mentions(ms, project, about, text, rid, stored=bool(existing))
        if existing:
            merged = tuple(sorted(set(existing[0]["tags"] or ()) | set(tags)))
            ms.run("set_reflection_tags", {"id": rid, "tags": list(merged), "now": ts})
        else:
            ms.run("create_reflection", {"id": rid, "project": project, "content": text, "tags": list(tags),
                                         "now": ts})
        ms.link_about("Reflection", rid, mentions, project)
        if session_id is not None:
            ms.run("captured_in", {"id": rid, "session": session_id}, source="Reflection")
        ms.sync_document("reflection", rid)
    return _record(_fetch(ms, rid), created=not existing)


def _mentions(ms: MemoryStore, project: str | None, about, text: str, rid: str, *, stored: bool) -> list:
    """The explicit `about` targets (each must resolve) and the code named in the text, in `project`."""
    if project is None:
        if about and stored:
            raise InvalidArgument(f"this text is stored already, as reflection {rid[:12]} of no project: --about "
                                  f"cannot link it to code")
        if about:
            raise InvalidArgument("linking a reflection to code (about) needs a project: give one, or a session of one")
        return []
    table = ms.symbols(project)
    mentions = []
    for target in about:
        m = table.resolve(target)
        if m is None:
            raise NotFound(f"--about {target!r}: no file, function or class of project '{project}' matches it "
                           f"uniquely")
        mentions.append(m)
    seen = {m.id for m in mentions}
    return mentions + [m for m in table.find_mentions(text) if m.id not in seen]


def update_reflection(ms: MemoryStore, reflection_id: str, *, tags) -> Reflection:
    tags = clean_tags(tags)
    _fetch(ms, reflection_id)
    ts = now()
    with ms.write():
        ms.run("set_reflection_tags", {"id": reflection_id, "tags": list(tags), "now": ts})
        ms.sync_document("reflection", reflection_id)
    return _record(_fetch(ms, reflection_id))


def remove_reflection(ms: MemoryStore, reflection_id: str) -> Reflection:
    gone = _record(_fetch(ms, reflection_id))
    with ms.write():
        ms.run("delete", {"id": reflection_id}, source="Reflection")
        ms.sync_document("reflection", reflection_id)
    return gone


def vote(ms: MemoryStore, item_id: str, *, up: bool = True, member: str | None = None,
         withdraw: bool = False) -> dict:
    """Anonymous votes add up; a member has one vote per item (re-voting replaces it, `withdraw` removes it)."""
    label = ms.label_of(item_id)
    with ms.write():
        if member is None:
            if withdraw:
                raise InvalidArgument("only a member's vote can be withdrawn (give member=...)")
            delta = 1 if up else -1
        else:
            from ..projects.teams import record_member_vote

            delta = record_member_vote(ms.graph, label, item_id, member=member, value=0 if withdraw else 1 if up else -1)
        votes = ms.run("vote", {"id": item_id, "delta": delta}, source=label)[0][0]
        ms.sync_document(label.lower(), item_id)
    return {"id": item_id, "kind": label.lower(), "votes": votes}


def reflection_stats(ms: MemoryStore, project: str | None = None) -> dict:
    return {**ms.totals("Reflection", project),
            "tags": {t["tag"]: t["n"] for t in ms.rows("memory.reflection_tags", project=project)}}


def _fetch(ms: MemoryStore, reflection_id: str) -> dict:
    rows = ms.rows("memory.reflection", id=reflection_id)
    if not rows:
        raise NotFound(f"unknown reflection '{reflection_id}'")
    return rows[0]


def _record(row: dict, *, created: bool = False) -> Reflection:
    return Reflection(id=row["id"], project=row["project"], content=row["content"], tags=tuple(row["tags"] or ()),
                      votes=row["votes"] or 0, created_at=iso(row["created_at"]), updated_at=iso(row["updated_at"]),
                      sessions=tuple(sorted(row["sessions"] or ())), about=tuple(sorted(row["about"] or ())),
                      created=created)
