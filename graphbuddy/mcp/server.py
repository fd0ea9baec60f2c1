"""MCP declarations only: every tool is one short call into the library (`gb` is a `GraphBuddy`, or the
owner's `OwnedStore`, which adds locking). Validation bounds live in the parameter types; library errors
become MCP tool errors with their one-line message (`ToolFacing`, `LibraryErrors` at the bottom).

Adding a tool for a new `GraphBuddy` method: one function below, `@mcp.tool`, described parameters, a
structured (dict) result; add the method name to `owner/service.py` READ_METHODS when it only reads.
"""
from __future__ import annotations

import json
import os
import time
from typing import Annotated, Any, Literal

os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")

from fastmcp import FastMCP  # noqa: E402
from fastmcp.exceptions import ToolError  # noqa: E402
from fastmcp.exceptions import ValidationError as ArgumentsRefused  # noqa: E402
from fastmcp.server.middleware import Middleware  # noqa: E402
from pydantic import Field  # noqa: E402

from ..errors import GraphbuddyError  # noqa: E402
from ..paths import allowed_index_roots, check_index_path  # noqa: E402

Relation = Literal["imports", "imported_by", "calls", "called_by", "inherits", "inherited_by", "all"]
Target = Annotated[str, Field(min_length=1, max_length=1000,
                              description="a file path (relative to its project), a qualified name "
                                          "(pkg.mod.Class.method), a node id, or a short name if unique")]
Project = Annotated[str | None, Field(default=None, max_length=200,
                                      description="project name to search in (default: all projects)")]
Limit = Annotated[int, Field(ge=1, le=500, description="at most this many results (1-500)")]

INSTRUCTIONS = """graphbuddy: a code graph of the user's indexed projects (files, functions, classes; imports,
calls, inheritance). Start with list_projects; index_project a folder if it is missing. Use find_related_code
before editing a symbol (who calls it, what it imports), get_symbol to read a definition, query_graph for
anything else (read-only Cypher or a named query from list_queries)."""


def build_server(gb, *, allowed_roots: list[str] | None = None) -> FastMCP:
    mcp = FastMCP("graphbuddy", instructions=INSTRUCTIONS, middleware=[LibraryErrors(gb)])
    mcp._mcp_server.middleware.append(OneLineParams())     # the SDK's own layer: fastmcp has no hook for it
    roots = allowed_index_roots(allowed_roots)
    gb = ToolFacing(gb)

    @mcp.tool(annotations={"readOnlyHint": False, "idempotentHint": True})
    def index_project(
        path: Annotated[str, Field(min_length=1, max_length=4096,
                                   description="absolute path of the project folder (inside a registered project or an "
                                               "allowed root)")],
        project: Annotated[str | None, Field(default=None, max_length=200, pattern=r"^[^:/\s][^:/]*$",
                                             description="project name (default: the folder name)")] = None,
        full: Annotated[bool, Field(description="rebuild from scratch instead of a delta")] = False,
    ) -> dict:
        """Index a project's code into the graph: a delta (only changed files) when indexed before."""
        registered = [p["root"] for p in gb.projects()]
        root = as_tool_error(check_index_path, path, allowed=roots, registered=registered, store=gb.path)
        return gb.index(str(root), project=project, full=full).as_dict()

    @mcp.tool(annotations={"readOnlyHint": True})
    def find_related_code(
        target: Target,
        project: Project = None,
        relations: Annotated[list[Relation], Field(min_length=1, max_length=7,
                                                   description="which relations to follow; 'all' for every one")
                             ] = ["all"],  # noqa: B006 - pydantic copies defaults
        depth: Annotated[int, Field(ge=1, le=5, description="hops to follow (1-5)")] = 1,
        limit: Limit = 100,
    ) -> dict:
        """Files, functions and classes related to a target by imports, calls and inheritance, each with why."""
        t, hits = gb.find_related_code(target, project=project, relations=tuple(relations), depth=depth)
        return {"target": vars(t), "related": [h.as_dict() for h in hits[:limit]], "truncated": len(hits) > limit}

    @mcp.tool(annotations={"readOnlyHint": True})
    def get_callers(target: Target, project: Project = None, limit: Limit = 100) -> dict:
        """Functions that call the given function or method (one hop), with line, confidence and reason."""
        return {"callers": gb.find_callers(target, project=project, limit=limit)}

    @mcp.tool(annotations={"readOnlyHint": True})
    def get_callees(target: Target, project: Project = None, limit: Limit = 100) -> dict:
        """Functions the given function or method calls (one hop), with line, confidence and reason."""
        return {"callees": gb.find_callees(target, project=project, limit=limit)}

    @mcp.tool(annotations={"readOnlyHint": True})
    def get_symbol(
        target: Target,
        project: Project = None,
        max_lines: Annotated[int, Field(ge=1, le=400, description="source lines to return (1-400)")] = 80,
    ) -> dict:
        """A function or class definition: signature, docstring, location and its source from disk."""
        return gb.find_symbol(target, project=project, max_lines=max_lines).as_dict()

    @mcp.tool(annotations={"readOnlyHint": True})
    def query_graph(
        cypher: Annotated[str | None, Field(default=None, max_length=20000,
                                            description="read-only Cypher (writes are refused)")] = None,
        name: Annotated[str | None, Field(default=None, max_length=200,
                                          description="a named query from list_queries, e.g. code.hotspots")
                        ] = None,
        params: Annotated[dict[str, Any] | None, Field(default=None, description="query parameters")] = None,
        max_rows: Annotated[int, Field(ge=1, le=5000, description="at most this many rows (1-5000)")] = 200,
        timeout_ms: Annotated[int, Field(ge=100, le=30000, description="time limit in ms (100-30000)")] = 5000,
    ) -> dict:
        """Run read-only Cypher, or a named query with parameters, against the graph (bounded rows and time)."""
        if (cypher is None) == (name is None):
            raise ToolError("give exactly one of 'cypher' or 'name'")
        run = gb.cypher if cypher is not None else gb.query
        result = run(cypher or name, max_rows=max_rows, timeout_ms=timeout_ms, params=params or {})
        return {"columns": result.columns, "rows": result.rows(), "truncated": result.truncated}

    @mcp.tool(annotations={"readOnlyHint": True})
    def list_queries() -> dict:
        """The named query catalogue: name, description and parameters of each."""
        return {"queries": gb.list_queries()}

    @mcp.tool(annotations={"readOnlyHint": True})
    def list_projects() -> dict:
        """Indexed projects with root, languages, HEAD, last index time and file count."""
        return {"projects": gb.projects()}

    from . import memory_tools, project_tools, search_tools

    memory_tools.register(mcp, gb, roots=roots)
    search_tools.register(mcp, gb)
    project_tools.register(mcp, gb)

    @mcp.resource("graphbuddy://schema", mime_type="text/plain",
                  description="The graph schema (Kùzu DDL): node and relationship tables with properties")
    def schema() -> str:
        return gb.describe_schema()

    @mcp.resource("graphbuddy://queries", mime_type="application/json",
                  description="The named query catalogue (what query_graph accepts as 'name')")
    def queries() -> str:
        return json.dumps(gb.list_queries(), default=str)

    @mcp.resource("graphbuddy://projects", mime_type="application/json", description="The indexed projects")
    def projects() -> str:
        return json.dumps(gb.projects(), default=str)

    @mcp.prompt(description="Understand a symbol before changing it: definition, callers, callees, imports")
    def before_changing(target: Annotated[str, Field(description="function, class or file to change")]) -> str:
        return (f"Before changing {target}: call get_symbol(target={target!r}) to read it, then "
                f"find_related_code(target={target!r}, relations=['called_by', 'imported_by', 'inherited_by'], "
                f"depth=2) to see what depends on it. Summarize the impact, then propose the change.")

    @mcp.prompt(description="Orient in an indexed project: hotspots, largest files, external dependencies")
    def orient(project: Annotated[str, Field(description="project name from list_projects")]) -> str:
        return (f"Orient in project {project!r}: run query_graph with name='code.hotspots', "
                f"name='code.largest_files' and name='code.external_modules' (params={{'project': {project!r}}}), "
                f"then describe the architecture in a few lines.")

    return mcp


def as_tool_error(fn, *args, **kwargs):
    """Call `fn`; a GraphbuddyError becomes a ToolError (a clean MCP error, logged without a traceback)."""
    try:
        return fn(*args, **kwargs)
    except GraphbuddyError as exc:
        raise ToolError(str(exc)) from None


class ToolFacing:
    """The library as tools see it: every method call goes through `as_tool_error`."""

    def __init__(self, gb):
        self._gb = gb

    def __getattr__(self, name: str):
        attr = getattr(self._gb, name)
        if not callable(attr):
            return attr
        return lambda *args, **kwargs: as_tool_error(attr, *args, **kwargs)


def _validation_error(exc: Exception) -> str | None:
    """One line for arguments the tool's schema refused (fastmcp passes on pydantic's multi-line text with a
    link per error), e.g. `invalid arguments: depth: Input should be less than or equal to 5`; None when `exc`
    is not about arguments."""
    from pydantic import ValidationError

    cause = exc.__cause__
    if not isinstance(cause, ValidationError):
        return None
    return "invalid arguments: " + one_line(cause.errors(), whole="arguments")


def one_line(errors: list[dict], *, whole: str, under: str | None = None) -> str:
    """pydantic's errors as `where: what; where: what` (a location's first part dropped when it is `under`)."""
    def where(loc: tuple) -> str:
        return ".".join(str(x) for x in (loc[1:] if loc[:1] == (under,) else loc)) or whole
    return "; ".join(f"{where(tuple(e['loc']))}: {e['msg']}" for e in errors)


class OneLineParams:
    """MCP SDK server middleware: a request whose params the SDK refuses (a tools/call whose `arguments` is not
    an object, a tool name that is not a string) got "Invalid request parameters" and nothing more; now one
    line saying what, e.g. `invalid params: arguments: Input should be a valid dictionary`."""

    async def __call__(self, ctx, call_next):
        from mcp.shared.exceptions import MCPError
        from mcp_types import INVALID_PARAMS
        from pydantic import ValidationError

        try:
            return await call_next(ctx)
        except ValidationError as exc:
            raise MCPError(INVALID_PARAMS, "invalid params: " + one_line(exc.errors(), whole="params",
                                                                    under="params")) from None


class LibraryErrors(Middleware):
    """GraphbuddyError -> an MCP tool error carrying the library's one-line message; every tool call becomes
    an `events` row (kind 'tool', name, milliseconds, ok) for the work analytics."""

    def __init__(self, gb):
        self._gb = gb

    async def on_call_tool(self, context, call_next):
        started, ok = time.perf_counter(), False
        try:
            result = await call_next(context)
            ok = not getattr(result, "isError", False)
            return result
        except GraphbuddyError as exc:
            raise ToolError(str(exc)) from None
        except ToolError as exc:       # a library error raised in a tool's own body: fastmcp prefixed its message
            if isinstance(exc.__cause__, GraphbuddyError):
                raise ToolError(str(exc.__cause__)) from None
            raise
        except ArgumentsRefused as exc:
            invalid = _validation_error(exc)
            if invalid is None:
                raise
            raise ToolError(invalid) from None
        finally:
            self._record(getattr(context.message, "name", "?"), (time.perf_counter() - started) * 1000, ok)

    def _record(self, tool: str, ms: float, ok: bool) -> None:
        try:
            self._gb.record_event("tool", tool, value=round(ms, 3), attrs={"ok": ok})
        except GraphbuddyError:        # a measurement must never fail the call it measures
            pass

    async def on_get_prompt(self, context, call_next):
        """A prompt's missing argument: one line (fastmcp logs a traceback and answers "internal error")."""
        from mcp.shared.exceptions import MCPError
        from mcp_types import INVALID_PARAMS

        server = context.fastmcp_context.fastmcp if context.fastmcp_context else None
        prompt = await server.get_prompt(context.message.name) if server else None
        given = context.message.arguments or {}
        missing = [a.name for a in (prompt.arguments or []) if a.required and a.name not in given] if prompt else []
        if missing:
            raise MCPError(INVALID_PARAMS, "invalid arguments: "
                           + "; ".join(f"{name}: Missing required argument" for name in missing))
        return await call_next(context)

    async def on_read_resource(self, context, call_next):
        try:
            return await call_next(context)
        except GraphbuddyError as exc:
            raise ToolError(str(exc)) from None

