"""Teams: members, authorship, sharing memory items with a team, votes, and what a member may see.

Visibility rule: a member sees (1) items they authored, (2) items shared with a team they belong to,
(3) items with no author (project knowledge captured without one, code symbols, anything not a memory
node). An authored item that is not shared is private to its author.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument, NotFound
from .registry import now

MEMORY_LABELS = ("Reflection", "Insight")


@dataclass(frozen=True)
class Team:
    name: str
    description: str | None
    members: tuple[str, ...]


def create_team(graph, name: str, *, description: str | None = None) -> Team:
    if not name or name.strip() != name:
        raise InvalidArgument(f"invalid team name {name!r}")
    with graph.transaction():
        if graph.rows("MATCH (t:Team {id: $id}) RETURN t.id", {"id": name}):
            raise InvalidArgument(f"team '{name}' already exists")
        graph.execute("CREATE (:Team {id: $id, description: $d, created_at: $t})", {"id": name, "d": description, "t": now()})
    return Team(name, description, ())


def _require_team(graph, team: str) -> None:
    if not graph.rows("MATCH (t:Team {id: $id}) RETURN t.id", {"id": team}):
        raise NotFound(f"no team named '{team}'")


def _ensure_member(graph, member: str) -> None:
    if not member or member.strip() != member:
        raise InvalidArgument(f"invalid member name {member!r}")
    graph.execute("MERGE (m:Member {id: $id}) ON CREATE SET m.created_at = $t", {"id": member, "t": now()})


def add_member(graph, team: str, *, member: str) -> None:
    with graph.transaction():
        _require_team(graph, team)
        _ensure_member(graph, member)
        graph.execute("MATCH (m:Member {id: $m}), (t:Team {id: $t}) WHERE NOT EXISTS { MATCH (m)-[:MEMBER_OF]->(t) } "
                      "CREATE (m)-[:MEMBER_OF {joined_at: $now}]->(t)", {"m": member, "t": team, "now": now()})


def list_teams(graph) -> list[Team]:
    # coalesce: Kùzu's collect() over an OPTIONAL MATCH that found nothing is NULL, not []
    rows = graph.rows("MATCH (t:Team) OPTIONAL MATCH (m:Member)-[:MEMBER_OF]->(t) "
                      "RETURN t.id, t.description, coalesce(collect(m.id), []) ORDER BY t.id")
    return [Team(r[0], r[1], tuple(sorted(x for x in r[2] if x))) for r in rows]


def _memory_label(graph, item_id: str) -> str:
    for label in MEMORY_LABELS:
        if graph.rows(f"MATCH (n:{label} {{id: $id}}) RETURN n.id", {"id": item_id}):
            return label
    raise NotFound(f"no reflection or insight with id '{item_id}'")


def set_author(graph, item_id: str, *, member: str) -> None:
    """Record who wrote a memory item (makes it private until shared)."""
    with graph.transaction():
        label = _memory_label(graph, item_id)
        _ensure_member(graph, member)
        graph.execute(f"MATCH (m:Member {{id: $m}}), (n:{label} {{id: $i}}) WHERE NOT EXISTS {{ MATCH (:Member)-[:AUTHORED]->(n) }} "
                      "CREATE (m)-[:AUTHORED {created_at: $now}]->(n)", {"m": member, "i": item_id, "now": now()})


def share_reflection(graph, reflection_id: str, *, team: str, by: str | None = None) -> None:
    """Share a reflection (or insight) with a team; sharing twice is a no-op."""
    with graph.transaction():
        label = _memory_label(graph, reflection_id)
        _require_team(graph, team)
        graph.execute(f"MATCH (n:{label} {{id: $i}}), (t:Team {{id: $t}}) WHERE NOT EXISTS {{ MATCH (n)-[:SHARED_WITH]->(t) }} "
                      "CREATE (n)-[:SHARED_WITH {shared_by: $by, shared_at: $now}]->(t)",
                      {"i": reflection_id, "t": team, "by": by, "now": now()})


def record_member_vote(graph, label: str, item_id: str, *, member: str, value: int) -> int:
    """Set `member`'s vote on an item to +1, -1 or 0 (withdrawn); one vote per member and item. Call inside a
    write transaction. Returns the change to the item's vote count (new value minus the member's old one)."""
    if value not in (-1, 0, 1):
        raise InvalidArgument("a vote is +1, -1 or 0 (withdraw)")
    _ensure_member(graph, member)
    p = {"m": member, "i": item_id}
    old = graph.rows(f"MATCH (:Member {{id: $m}})-[v:VOTED]->(:{label} {{id: $i}}) RETURN v.value", p)
    graph.execute(f"MATCH (:Member {{id: $m}})-[v:VOTED]->(n:{label} {{id: $i}}) DELETE v", p)
    if value:
        graph.execute(f"MATCH (m:Member {{id: $m}}), (n:{label} {{id: $i}}) "
                      "CREATE (m)-[:VOTED {value: $v, voted_at: $now}]->(n)", {**p, "v": value, "now": now()})
    return value - (old[0][0] if old else 0)


def visible_ids(graph, member: str, ids: list[str]) -> set[str]:
    """The subset of `ids` that `member` may see (rule in the module docstring)."""
    if not ids:
        return set()
    hidden: set[str] = set()
    for label in MEMORY_LABELS:
        rows = graph.rows(
            f"MATCH (a:Member)-[:AUTHORED]->(n:{label}) WHERE n.id IN $ids AND a.id <> $m "
            f"AND NOT EXISTS {{ MATCH (n)-[:SHARED_WITH]->(:Team)<-[:MEMBER_OF]-(:Member {{id: $m}}) }} RETURN n.id",
            {"ids": ids, "m": member})
        hidden.update(r[0] for r in rows)
    return set(ids) - hidden
