"""MCP declarations for cross-project work: groups, typed dependencies, impact analysis."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..errors import NotFound
from .plain import plain

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^:/\s][^:/]*$",
                            description="a project name from list_projects")]


def register(mcp, gb) -> None:
    @mcp.tool(annotations={"readOnlyHint": False, "idempotentHint": True})
    def create_project_group(
        name: Annotated[str, Field(min_length=1, max_length=200, description="group name")],
        projects: Annotated[list[Name], Field(max_length=200, description="projects to put in the group")
                            ] = [],  # noqa: B006 - pydantic copies defaults
        description: Annotated[str | None, Field(default=None, max_length=2000, description="what ties them")
                               ] = None,
    ) -> dict:
        """Create a group of related projects (microservices, a monorepo's packages) and add members to it."""
        unknown = sorted(set(projects) - {p["project"] for p in gb.projects()})
        if unknown:                 # before any change: an error leaves no half-made group behind
            raise NotFound(f"no project named {', '.join(map(repr, unknown))}; nothing changed")
        if name not in {g.name for g in gb.list_groups()}:
            gb.create_group(name, description=description)
        for project in projects:
            gb.add_to_group(project, group=name)
        return plain([g for g in gb.list_groups() if g.name == name][0])

    @mcp.tool(annotations={"readOnlyHint": False, "idempotentHint": True})
    def add_project_dependency(
        project: Name,
        on: Name,
        type: Annotated[Literal["uses", "extends", "references", "shares_code"],  # noqa: A002 - the edge field
                        Field(description="kind of dependency")] = "uses",
        description: Annotated[str | None, Field(default=None, max_length=2000, description="why")] = None,
    ) -> dict:
        """Declare that `project` depends on `on` (search and impact analysis follow these edges)."""
        gb.add_dependency(project, on=on, type=type, description=description)
        return {"project": project, "dependencies": plain(gb.list_dependencies(project))}

    @mcp.tool(annotations={"readOnlyHint": True})
    def impact_analysis(
        target: Annotated[str, Field(min_length=1, max_length=1000,
                                     description="a function/class (qualified or unique short name), a file "
                                                 "path, or a project name")],
        project: Annotated[str | None, Field(default=None, max_length=200, description="project of the target")
                           ] = None,
        depth: Annotated[int, Field(ge=1, le=6, description="hops to follow (1-6)")] = 3,
        limit: Annotated[int, Field(ge=1, le=1000, description="at most this many affected items")] = 200,
    ) -> dict:
        """What is affected if the target changes: transitive callers, importers and dependent projects,
        across projects, each with its depth and the path that leads there."""
        report = plain(gb.impact(target, project=project, depth=depth))
        hits = report.get("hits", [])
        return {**report, "hits": hits[:limit], "truncated": len(hits) > limit}
