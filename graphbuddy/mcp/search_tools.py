"""MCP declarations for search: memories, insights, code by meaning, by file, and across projects."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .plain import plain

Query = Annotated[str, Field(min_length=1, max_length=2000, description="what to look for, in plain words")]
Projects = Annotated[list[Annotated[str, Field(max_length=200)]] | None,
                     Field(default=None, max_length=100, description="only these projects (default: all)")]
Tags = Annotated[list[Annotated[str, Field(max_length=100)]] | None,
                 Field(default=None, max_length=50, description="only memories with all of these tags")]
Since = Annotated[str | None, Field(default=None, max_length=100,
                                    description="time range start: 'yesterday', 'last week', 'last 3 days', "
                                                "or an ISO date")]
Limit = Annotated[int, Field(ge=1, le=100, description="hits per page (1-100)")]
Cursor = Annotated[str | None, Field(default=None, max_length=4000,
                                     description="next_cursor of the previous page, for the next page")]
Mode = Annotated[Literal["hybrid", "vector", "keyword"],
                 Field(description="hybrid (meaning + words, default), vector (meaning) or keyword (BM25)")]


def register(mcp, gb) -> None:
    def page(kinds, query, projects, tags, since, limit, cursor, mode) -> dict:
        return plain(gb.search(query, kinds=kinds, projects=projects, tags=tags, since=since, limit=limit,
                               cursor=cursor, mode=mode))

    @mcp.tool(annotations={"readOnlyHint": True})
    def search_reflections(query: Query, projects: Projects = None, tags: Tags = None, since: Since = None,
                           limit: Limit = 10, cursor: Cursor = None, mode: Mode = "hybrid") -> dict:
        """Search stored reflections, insights and session summaries by meaning and words; each hit explains
        its rank. Page with next_cursor."""
        return page(None, query, projects, tags, since, limit, cursor, mode)

    @mcp.tool(annotations={"readOnlyHint": True})
    def search_insights(query: Query, projects: Projects = None, since: Since = None, limit: Limit = 10,
                        cursor: Cursor = None, mode: Mode = "hybrid") -> dict:
        """Search captured insights only (the '★ Insight' blocks of past sessions)."""
        return page(("insight",), query, projects, None, since, limit, cursor, mode)

    @mcp.tool(annotations={"readOnlyHint": True})
    def quick_search(query: Query, projects: Projects = None,
                     limit: Annotated[int, Field(ge=1, le=20, description="best hits to return (1-20)")] = 3
                     ) -> dict:
        """How many memories match, and the best few: a cheap first look."""
        return plain(gb.quick_search(query, limit=limit, projects=projects))

    @mcp.tool(annotations={"readOnlyHint": True})
    def search_summary(query: Query, projects: Projects = None) -> dict:
        """Counts of matching memories by project, kind and tag (where the knowledge is)."""
        return plain(gb.search_summary(query, projects=projects))

    @mcp.tool(annotations={"readOnlyHint": True})
    def search_by_file(
        target: Annotated[str, Field(min_length=1, max_length=1000,
                                     description="a file path, qualified name or unique short name")],
        project: Annotated[str | None, Field(default=None, max_length=200, description="project of the target")
                           ] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="at most this many memories (1-200)")] = 50,
    ) -> dict:
        """Memories about a file, function or class, its members, or the code calling it / called by it."""
        return plain(gb.search_by_file(target, project=project, limit=limit))

    @mcp.tool(annotations={"readOnlyHint": True})
    def search_code(query: Query, projects: Projects = None, limit: Limit = 10, cursor: Cursor = None,
                    mode: Mode = "hybrid") -> dict:
        """Find functions and classes by meaning (name, signature, docstring), e.g. 'parse a JWT token'."""
        return plain(gb.search_code(query, projects=projects, limit=limit, cursor=cursor, mode=mode))

    @mcp.tool(annotations={"readOnlyHint": True})
    def search_across_projects(
        query: Query,
        project: Annotated[str, Field(min_length=1, max_length=200, description="the project you work in")],
        scope: Annotated[Literal["project", "deps", "group", "all"],
                         Field(description="project only, its dependency closure (default), its group, or all")
                         ] = "deps",
        kinds: Annotated[list[Literal["reflection", "insight", "session", "code"]] | None,
                         Field(default=None, max_length=4, description="kinds to search (default: memories)")
                         ] = None,
        limit: Limit = 10,
    ) -> dict:
        """Dependency-aware search: knowledge from what the project depends on ranks above knowledge from
        what depends on it; each hit says why (e.g. 'auth-service: direct dependency (uses), 1 hop')."""
        hits = gb.search_across_projects(query, project=project, scope=scope, kinds=kinds, limit=limit)
        return {"hits": [plain(h) for h in hits]}
