"""Dependency-aware search over real DuckDB `documents` rows and Kùzu Reflection nodes: ranking prefers
what the project depends on, explains why, respects scope, weights, recency, votes and team visibility."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from graphbuddy.errors import InvalidArgument
from graphbuddy.projects.dependencies import Dependency, dependency_closure
from graphbuddy.projects.ranking import Candidate, RankingWeights, rank_with_dependencies

NOW = datetime(2026, 11, 20, 12, 0)
TEXT = "auth token expiry fix: verify_token accepted expired tokens when the clock skewed"


def add_reflection(gb, rid: str, project: str, content: str = TEXT, *, days_old: float = 1, votes: int = 0) -> str:
    """The tiny internal helper: a Reflection node and its `documents` row, as mem-capture writes them."""
    created = NOW - timedelta(days=days_old)
    gb.graph.execute("CREATE (:Reflection {id: $id, project: $p, content: $c, tags: [], created_at: $t, votes: $v})",
                     {"id": rid, "p": project, "c": content, "t": created, "v": votes})
    gb.analytics.execute("INSERT INTO documents (id, kind, project, title, content, content_hash, created_at, votes) "
                         "VALUES (?, 'reflection', ?, NULL, ?, sha256(?), ?, ?)",
                         [rid, project, content, content, created, votes])
    return rid


@pytest.fixture
def knowledge(multi_gb):
    gb = multi_gb
    gb.add_dependency("web-client", on="user-service", type="references")      # web-client is downstream
    for p in ("user-service", "auth-service", "common-lib", "web-client", "legacy-tool", "api-types"):
        add_reflection(gb, f"r-{p}", p)
    add_reflection(gb, "r-unrelated", "auth-service", "how to rotate the database password")
    return gb


def test_dependencies_rank_above_dependents_with_explanations(knowledge):
    hits = knowledge.search_across_projects("token expiry", project="user-service", scope="deps")
    order = [h.project for h in hits]
    assert order[:2] == ["user-service", "auth-service"]
    assert order.index("auth-service") < order.index("web-client")      # upstream before downstream
    assert "legacy-tool" not in order and "api-types" not in order       # outside the closure
    why = {h.project: h.explanation for h in hits}
    assert why["auth-service"] == "auth-service: direct dependency (uses), 1 hop"
    assert why["web-client"] == "web-client: depends on this project (references), 1 hop"
    assert why["user-service"] == "user-service: this project"
    assert "r-unrelated" not in {h.id for h in hits}


def test_scopes(knowledge):
    gb = knowledge
    assert {h.project for h in gb.search_across_projects("token", project="user-service", scope="project")} == {"user-service"}
    everything = gb.search_across_projects("token expiry", project="user-service", scope="all")
    assert {h.project for h in everything} >= {"legacy-tool", "api-types"}
    assert everything[-1].explanation.endswith("outside the dependency closure")
    gb.create_group("frontend", description="browser code")
    gb.add_to_group("user-service", group="frontend")
    gb.add_to_group("api-types", group="frontend")
    grouped = gb.search_across_projects("token expiry", project="user-service", scope="group")
    assert {h.project for h in grouped} == {"user-service", "api-types"}
    with pytest.raises(InvalidArgument, match="unknown scope"):
        gb.search_across_projects("token", project="user-service", scope="galaxy")


def test_weights_are_configurable(knowledge):
    w = RankingWeights(upstream=0.2, downstream=1.0)
    hits = knowledge.search_across_projects("token expiry", project="user-service", weights=w)
    order = [h.project for h in hits]
    assert order.index("web-client") < order.index("auth-service")


def test_transitive_and_cyclic_closure_in_ranking():
    edges = [Dependency("a", "b", "uses", "manual"), Dependency("b", "c", "extends", "manual"),
             Dependency("c", "a", "uses", "manual"), Dependency("d", "a", "uses", "manual")]
    closure = dependency_closure(edges, "a")
    cands = [Candidate(f"x-{p}", p, 1.0, NOW) for p in "abcde"]
    hits = rank_with_dependencies(cands, closure, now=NOW)
    assert [h.project for h in hits] == ["a", "b", "c", "d", "e"]
    assert hits[2].explanation == "c: transitive dependency via b (uses > extends), 2 hops"


def test_a_transitive_dependent_is_explained_through_the_projects_between():
    """Downstream explanations named the project itself as the one it goes through ('d: ... via d')."""
    edges = [Dependency("b", "a", "uses", "manual"), Dependency("c", "b", "extends", "manual"),
             Dependency("d", "c", "references", "manual")]
    closure = dependency_closure(edges, "a")
    hits = {h.project: h.explanation for h in rank_with_dependencies(
        [Candidate(f"x-{p}", p, 1.0, NOW) for p in "bcd"], closure, now=NOW)}
    assert hits["b"] == "b: depends on this project (uses), 1 hop"
    assert hits["c"] == "c: depends on it via b (uses > extends), 2 hops"
    assert hits["d"] == "d: depends on it via b > c (uses > extends > references), 3 hops"


def test_relevance_recency_and_votes_fuse():
    closure = dependency_closure([], "a")
    hits = rank_with_dependencies([Candidate("weak", "a", 0.2, NOW), Candidate("strong", "a", 0.9, NOW)], closure, now=NOW)
    assert hits[0].id == "strong"                      # relevance still leads within one project
    old_new = rank_with_dependencies([Candidate("old", "a", 1.0, NOW - timedelta(days=365)),
                                      Candidate("new", "a", 1.0, NOW - timedelta(days=1))], closure, now=NOW)
    assert old_new[0].id == "new"
    voted = rank_with_dependencies([Candidate("down", "a", 1.0, NOW, -2), Candidate("up", "a", 1.0, NOW, 3)],
                                   closure, now=NOW)
    assert [h.id for h in voted] == ["up", "down"] and voted[0].explanation.endswith("+3 votes")


def test_votes_and_visibility_through_teams(knowledge):
    gb = knowledge
    from graphbuddy.projects.teams import set_author

    gb.create_team("identity", description="auth people")
    gb.add_member("identity", member="ana")
    gb.add_member("identity", member="bo")
    private = add_reflection(gb, "r-private", "auth-service", TEXT + " (draft)")
    set_author(gb.graph, private, member="ana")
    seen_by_bo = {h.id for h in gb.search_across_projects("token expiry", project="user-service", member="bo")}
    assert "r-private" not in seen_by_bo and "r-auth-service" in seen_by_bo   # unauthored knowledge stays visible
    assert "r-private" in {h.id for h in gb.search_across_projects("token expiry", project="user-service", member="ana")}
    gb.share_reflection(private, team="identity", by="ana")
    assert "r-private" in {h.id for h in gb.search_across_projects("token expiry", project="user-service", member="bo")}
    assert "r-private" not in {h.id for h in gb.search_across_projects("token expiry", project="user-service",
                                                                          member="stranger")}
    assert gb.vote("r-auth-service", member="bo")["votes"] == 1
    assert gb.vote("r-auth-service", member="ana")["votes"] == 2
    assert gb.vote("r-auth-service", member="ana")["votes"] == 2           # one vote per member
    assert gb.vote("r-auth-service", member="ana", up=False)["votes"] == 0  # replaced
    assert gb.vote("r-auth-service", member="bo", withdraw=True)["votes"] == -1
    assert gb.analytics.rows("SELECT votes FROM documents WHERE id = 'r-auth-service'")[0][0] == -1
    gb.vote("r-common-lib", member="bo")
    gb.vote("r-common-lib", member="ana")
    [hit] = [h for h in gb.search_across_projects("token expiry", project="user-service") if h.id == "r-common-lib"]
    assert hit.votes == 2 and "+2 votes" in hit.explanation
    with pytest.raises(InvalidArgument):
        gb.vote("r-common-lib", member=" bo")
    from graphbuddy.errors import NotFound
    with pytest.raises(NotFound):
        gb.share_reflection("missing", team="identity")
    with pytest.raises(NotFound):
        gb.share_reflection("r-common-lib", team="nope")


def test_fetch_candidates_reads_project_recency_and_votes(knowledge):
    from graphbuddy.projects.ranking import fetch_candidates

    got = {c.id: c for c in fetch_candidates(knowledge.analytics, {"r-auth-service": 0.7, "r-missing": 0.9})}
    assert set(got) == {"r-auth-service"}
    c = got["r-auth-service"]
    assert (c.project, c.relevance, c.kind, c.created_at) == ("auth-service", 0.7, "reflection", NOW - timedelta(days=1))


def test_any_search_callable_plugs_in(knowledge):
    """A retrieval returning its own hit objects (as gb.search will): id, project, score, created_at, votes."""
    from dataclasses import dataclass

    @dataclass
    class Hit:
        id: str
        project: str
        score: float
        created_at: datetime
        votes: int
        components: dict

    seen = {}

    def search(query, *, projects, limit):
        seen["projects"] = projects
        rows = knowledge.analytics.rows("SELECT id, project, created_at, votes FROM documents ORDER BY id")
        return [Hit(r[0], r[1], 0.5, r[2], r[3], {"vector": 0.5}) for r in rows]

    hits = knowledge.search_across_projects("anything", project="auth-service", scope="deps", search=search)
    assert seen["projects"] == ["auth-service", "common-lib", "legacy-tool", "user-service", "web-client"]
    assert [h.project for h in hits][:2] == ["auth-service", "auth-service"]
    assert hits[0].hit.components == {"vector": 0.5}                       # the retrieval's own hit rides along
    assert {h.project for h in hits} <= set(seen["projects"])              # out-of-scope rows are dropped
