"""Find (and optionally fix) drift between memory nodes in Kùzu and their DuckDB `documents` rows.

Writes commit Kùzu first and DuckDB last (store.MemoryStore.write), so the only drift a crash between the two
commits can leave is a node whose row is missing or stale; a row without a node can only come from outside.
Kùzu is the source of truth: repair rebuilds rows from the nodes (the same builder the writers use) and
deletes rows that have no node.
"""
from __future__ import annotations

from .store import MemoryStore, sha256

KINDS = {"reflection": "MATCH (n:Reflection) RETURN n.id", "insight": "MATCH (n:Insight) RETURN n.id",
         "session": "MATCH (n:Session) WHERE n.summary IS NOT NULL AND n.summary <> '' RETURN n.id"}


def check_documents(ms: MemoryStore, *, repair: bool = False) -> dict:
    expected = {}
    for kind, ids in KINDS.items():
        for (item_id,) in ms.graph.rows(ids):
            expected[item_id] = ms.build_document(kind, item_id)
    rows = ms.analytics.rows("SELECT id, content_hash, tags, votes, session_id FROM documents "
                             "WHERE kind IN ('reflection', 'insight', 'session')")
    have = {r[0]: r[1:] for r in rows}
    missing = sorted(set(expected) - set(have))
    orphaned = sorted(set(have) - set(expected))
    stale = sorted(i for i in set(expected) & set(have) if _fingerprint(expected[i]) != _stored(have[i]))
    if repair and (missing or orphaned or stale):
        with ms.write():
            for i in missing + stale:
                ms.upsert_document(expected[i])
            for i in orphaned:
                ms.delete_document(i)
    return {"missing": missing, "stale": stale, "orphaned": orphaned, "repaired": bool(repair)}


# Compared: what search reads and ranks by. Not title/attrs: other writers (analytics correlations) keep their
# own there, and a repair must not overwrite them.
def _fingerprint(doc) -> tuple:
    return sha256(doc.content), list(doc.tags), doc.votes, doc.session_id


def _stored(row) -> tuple:
    content_hash, tags, votes, session_id = row
    return content_hash, list(tags or []), votes, session_id
