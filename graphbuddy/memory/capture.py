"""Store the insight blocks found in text: dedup across the store, session and code links, document rows."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument
from .insights import InsightBlock, extract_insights
from .store import MemoryStore, iso, now, valid_unicode


@dataclass(frozen=True)
class Insight:
    id: str
    project: str | None
    content: str
    type: str
    topics: tuple[str, ...]
    confidence: float
    votes: int
    created_at: str | None
    sessions: tuple[str, ...]
    about: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptureReport:
    found: int                       # well-formed blocks in the text (duplicates within it counted once)
    new: int                         # stored now
    known: int                       # already in the store (linked to this session if one was given)
    insights: tuple[Insight, ...]    # the new ones


def capture_insights(ms: MemoryStore, text: str, *, project: str | None = None, session_id: str | None = None,
                     created_at=None) -> CaptureReport:
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument("text to capture insights from is empty")
    if session_id is not None:
        project = ms.session_project(session_id, project)
    elif project is not None:
        ms.require_project(project)
    return store_blocks(ms, extract_insights(valid_unicode(text)), project=project, session_id=session_id,
                        created_at=created_at)


def store_blocks(ms: MemoryStore, blocks: list[InsightBlock], *, project: str | None, session_id: str | None,
                 created_at=None) -> CaptureReport:
    """Write already-extracted blocks (the caller opened no transaction; one is opened here)."""
    if not blocks:
        return CaptureReport(0, 0, 0, ())
    ids = [b.id for b in blocks]
    table = ms.symbols(project) if project is not None else None
    ts = created_at or now()
    new: list[Insight] = []
    with ms.write():
        # read inside the write: read before it, two writers of one insight both CREATEd it (the second failed)
        known = {r[0] for r in ms.graph.rows("MATCH (i:Insight) WHERE i.id IN $ids RETURN i.id", {"ids": ids})}
        for b in blocks:
            if b.id in known:
                if session_id is not None:
                    ms.run("captured_in", {"id": b.id, "session": session_id}, source="Insight")
                continue
            mentions = table.find_mentions(b.content) if table is not None else []
            ms.run("create_insight", {"id": b.id, "project": project, "content": b.content, "type": b.type,
                                      "topics": list(b.topics), "confidence": b.confidence, "now": ts})
            ms.link_about("Insight", b.id, mentions, project)
            if session_id is not None:
                ms.run("captured_in", {"id": b.id, "session": session_id}, source="Insight")
            about = tuple(sorted({m.id for m in mentions}))
            ms.sync_document("insight", b.id)
            new.append(Insight(b.id, project, b.content, b.type, b.topics, b.confidence, 0, iso(ts),
                               (session_id,) if session_id else (), about))
            known.add(b.id)
    return CaptureReport(found=len(blocks), new=len(new), known=len(blocks) - len(new), insights=tuple(new))


def list_insights(ms: MemoryStore, *, project=None, topic=None, type=None, limit: int = 50) -> list[Insight]:
    if limit < 1:
        raise InvalidArgument("limit must be at least 1")
    if project is not None:         # a misspelt name is an error, as in insight_stats, not an empty list
        ms.require_project(project)
    rows = ms.rows("memory.insights", project=project, topic=topic, type=type, limit=limit)
    return [Insight(r["id"], r["project"], r["content"], r["type"], tuple(r["topics"] or ()), r["confidence"],
                    r["votes"] or 0, iso(r["created_at"]), tuple(sorted(r["sessions"] or ())),
                    tuple(sorted(r["about"] or ()))) for r in rows]


def insight_stats(ms: MemoryStore, project: str | None = None) -> dict:
    return {**ms.totals("Insight", project),
            "types": {r["type"]: r["n"] for r in ms.rows("memory.insight_types", project=project)},
            "topics": {r["topic"]: r["n"] for r in ms.rows("memory.insight_topics", project=project)}}

