"""MCP declarations for working memory: reflections, insights, sessions (thin wrappers over `GraphBuddy`)."""
from __future__ import annotations

import os
from typing import Annotated
from urllib.parse import unquote

from fastmcp.exceptions import ToolError
from pydantic import Field

from ..owner.wire import CWD_HEADER
from ..paths import check_index_path
from .plain import plain
from .server import as_tool_error

ProjectName = Annotated[str | None, Field(default=None, max_length=200,
                                          description="project name (default: the project of the folder "
                                                      "you work in, or none)")]
ProjectFilter = Annotated[str | None, Field(default=None, max_length=200,
                                            description="only this project (default: all projects)")]
SessionId = Annotated[str | None, Field(default=None, max_length=200,
                                        description="session id (default: the only active session, else the "
                                                    "active session of the project you work in)")]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]],
                 Field(max_length=50, description="tags, e.g. ['auth', 'gotcha'] (at most 50)")]
Text = Annotated[str, Field(min_length=1, max_length=2_000_000,
                            description="conversation or notes text (up to 2 MB)")]


def client_folder() -> str | None:
    """The folder the MCP client works in when it says so (`graphbuddy mcp` sends its cwd), else None. Never
    the server's own cwd: the store owner's is wherever it was started, not the agent's."""
    from fastmcp.server.dependencies import get_http_headers

    value = unquote(get_http_headers().get(CWD_HEADER.lower(), ""), errors="surrogateescape")
    return value if os.path.isabs(value) else None


def register(mcp, gb, *, roots) -> None:
    @mcp.tool(annotations={"readOnlyHint": False, "idempotentHint": True})
    def store_reflection(
        content: Annotated[str, Field(min_length=1, max_length=65536,
                                      description="what was learned: a fix, a decision, a gotcha (<= 64 KB)")],
        tags: Tags = [],  # noqa: B006 - pydantic copies defaults
        project: ProjectName = None,
        session_id: SessionId = None,
        about: Annotated[list[Annotated[str, Field(max_length=1000)]],
                         Field(max_length=50, description="files, functions or classes it is about (paths or "
                                                          "qualified names); more are recognised in the text")
                         ] = [],  # noqa: B006
    ) -> dict:
        """Store a reflection linked to the code it names; the same text again returns the stored one."""
        return plain(gb.add_reflection(content, tags=tags, project=project, session_id=session_id, about=about,
                                       path=client_folder()))

    @mcp.tool(annotations={"readOnlyHint": False, "idempotentHint": True})
    def capture_insights(text: Text, project: ProjectName = None, session_id: SessionId = None) -> dict:
        """Store the '★ Insight' blocks found in agent output (rule-based, deduplicated, linked to code)."""
        return plain(gb.capture_insights(text, project=project, session_id=session_id, path=client_folder()))

    @mcp.tool(annotations={"readOnlyHint": True})
    def get_project_insights(
        project: ProjectFilter = None,
        topic: Annotated[str | None, Field(default=None, max_length=100, description="only this topic")] = None,
        type: Annotated[str | None, Field(default=None, max_length=50,  # noqa: A002 - the insight field
                                          description="pattern | gotcha | decision | performance | security | "
                                                      "general | correlation")] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="at most this many (1-500)")] = 50,
    ) -> dict:
        """Insights captured for a project (newest first), optionally by topic or type."""
        return {"insights": plain(gb.list_insights(project=project, topic=topic, type=type, limit=limit))}

    @mcp.tool(annotations={"readOnlyHint": True})
    def insights_statistics(project: ProjectFilter = None) -> dict:
        """Counts of captured insights by type and topic."""
        return plain(gb.insight_stats(project))

    @mcp.tool(annotations={"readOnlyHint": True})
    def reflection_stats(project: ProjectFilter = None) -> dict:
        """Counts of stored reflections, by tag."""
        return plain(gb.reflection_stats(project))

    @mcp.tool(annotations={"readOnlyHint": False})
    def start_session(
        path: Annotated[str | None, Field(default=None, max_length=4096,
                                          description="absolute path of a folder inside the indexed project")] = None,
        project: ProjectName = None,
        agent: Annotated[str | None, Field(default=None, max_length=100, description="agent name")] = None,
    ) -> dict:
        """Start a work session: records branch, HEAD and dirty files of the project."""
        if path is None and project is None:
            path = client_folder()
            if path is None:
                raise ToolError("give `path` (an absolute folder inside the project) or `project`: this MCP "
                                "client did not say which folder it works in")
        if path is not None:          # only folders of registered projects (or allowed roots) are looked at
            path = str(as_tool_error(check_index_path, path, allowed=roots,
                                     registered=[p["root"] for p in gb.projects()], store=gb.path))
        return plain(gb.start_session(path, project=project, agent=agent))

    @mcp.tool(annotations={"readOnlyHint": False})
    def checkpoint(
        session_id: SessionId = None,
        metrics: Annotated[dict[str, Annotated[float, Field(ge=0, le=100)]] | None,
                           Field(default=None, description="external scores 0-100, e.g. {'ci': 90}")] = None,
        conversation: Annotated[str | None, Field(default=None, max_length=2_000_000,
                                                  description="recent conversation: its insights are captured")
                                ] = None,
    ) -> dict:
        """Record a quality checkpoint (score 0-100 with components) and capture insights from the conversation."""
        return plain(gb.checkpoint(session_id, metrics=metrics, conversation=conversation, path=_picking()))

    @mcp.tool(annotations={"readOnlyHint": False})
    def end_session(
        session_id: SessionId = None,
        summary: Annotated[str | None, Field(default=None, max_length=65536, description="what was done")] = None,
    ) -> dict:
        """End a session: links the files touched and writes a handoff document (its path is returned)."""
        return plain(gb.end_session(session_id, summary=summary, path=_picking()))

    @mcp.tool(annotations={"readOnlyHint": True})
    def session_status(session_id: SessionId = None) -> dict:
        """The state of a session (default: the active one): project, branch, checkpoints, duration."""
        return plain(gb.session_status(session_id, path=_picking()))


def _picking() -> str:
    """The folder whose project picks the session among several active ones: the client's, else the filesystem
    root (no project holds it: the caller is asked for a session id rather than given another one's)."""
    return client_folder() or os.sep
