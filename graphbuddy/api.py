"""The library API: the product. CLI commands and MCP tools are thin shells over `GraphBuddy`."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable

from . import queries
from .config import ANALYTICS_FILE, GRAPH_FILE, MARKER_FILE, default_store_path
from .errors import GraphbuddyError, StoreError
from .result import Result

log = logging.getLogger(__name__)


class GraphBuddy:
    """One store: the Kùzu graph plus the DuckDB analytics file. `memory=True` keeps both in RAM."""

    def __init__(self, store: str | Path | None = None, *, memory: bool = False):
        from .store.analytics import AnalyticsStore
        from .store.graph import GraphStore

        self.memory = memory
        self.path = None if memory else _prepare_store_folder(Path(store) if store else default_store_path())
        self.graph = GraphStore(None if memory else self.path / GRAPH_FILE)
        try:
            self.analytics = AnalyticsStore(None if memory else self.path / ANALYTICS_FILE)
        except GraphbuddyError:
            self.graph.close()
            raise
        self._index_cache: dict = {}

    # -- lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self.analytics.close()
        self.graph.close()

    def flush(self) -> None:
        """Checkpoint both databases (fold their write-ahead logs into the files): the owner's clean stop."""
        with self.graph.transaction_lock():
            self.graph.execute("CHECKPOINT")
        self.analytics.execute("CHECKPOINT")

    def __enter__(self) -> "GraphBuddy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- indexing --------------------------------------------------------------------------------------------
    def index(self, path: str | Path, *, project: str | None = None, full: bool = False,
              progress: Callable[[str, int, int], None] | None = None, workers: int | None = None):
        """Index (or re-index by delta) the project at `path`. Returns an `IndexReport`."""
        from .index.pipeline import index_project

        root = Path(path).expanduser()
        name = project or (root.resolve().name if root.exists() else root.name)
        _check_project_name(name)
        return index_project(self.graph, self.analytics, root, project=name, cache=self._index_cache,
                             full=full, progress=progress, workers=workers)

    # -- queries ---------------------------------------------------------------------------------------------
    def query(self, name: str, *, max_rows: int | None = None, timeout_ms: int = 0, **params: Any) -> Result:
        """Run a named query from `queries/` (read-only). `max_rows` cuts the result (`Result.truncated`)."""
        q = queries.get(name)
        return Result.bounded(self.graph.read_only(q.text, q.bind(params), timeout_ms=timeout_ms,
                                                   max_rows=max_rows), max_rows)

    def cypher(self, text: str, *, max_rows: int | None = None, timeout_ms: int = 0, **params: Any) -> Result:
        """Run user Cypher, read-only: write clauses are refused; `max_rows`/`timeout_ms` bound it."""
        queries.check_read_only(text)
        return Result.bounded(self.graph.read_only(text, params, timeout_ms=timeout_ms, max_rows=max_rows),
                              max_rows)

    def list_queries(self) -> list[dict]:
        return [{"name": q.name, "description": q.description,
                 "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default}
                            for p in q.params]}
                for q in queries.catalogue().values()]

    def _rows(self, name: str, **params: Any) -> list[dict]:
        return self.query(name, **params).rows()

    # -- code graph ------------------------------------------------------------------------------------------
    def find_related_code(self, target: str, *, project: str | None = None, relations=("all",), depth: int = 1):
        """Files, functions and classes related to `target` by imports, calls and inheritance, with a why."""
        from .related import find_related, resolve_target

        t = resolve_target(self._rows, target, project)
        return t, find_related(self._rows, t, list(relations), depth)

    def projects(self) -> list[dict]:
        return self._rows("code.projects")

    def stats(self, project: str | None = None) -> list[dict]:
        names = [project] if project else [p["project"] for p in self.projects()]
        known = {p["project"] for p in self.projects()}
        out = []
        for name in names:
            if name not in known:
                from .errors import NotFound

                raise NotFound(f"no project named '{name}'")
            row = self._rows("code.project_stats", project=name)[0]
            out.append({"project": name, **row})
        return out


    # -- agent tools (MCP) ------------------------------------------------------------------------------------
    def find_symbol(self, target: str, *, project: str | None = None, max_lines: int = 80):
        """A function or class definition with its source read from the project root (`SymbolSource`)."""
        from .related import resolve_target
        from .symbols import find_symbol

        return find_symbol(self._rows, resolve_target(self._rows, target, project), max_lines=max_lines)

    def find_callers(self, target: str, *, project: str | None = None, limit: int = 100) -> list[dict]:
        """Functions calling `target` (one hop) with line, confidence and reason."""
        from .related import resolve_target
        from .symbols import find_call_edges

        return find_call_edges(self._rows, resolve_target(self._rows, target, project), direction="in", limit=limit)

    def find_callees(self, target: str, *, project: str | None = None, limit: int = 100) -> list[dict]:
        """Functions `target` calls (one hop) with line, confidence and reason."""
        from .related import resolve_target
        from .symbols import find_call_edges

        return find_call_edges(self._rows, resolve_target(self._rows, target, project), direction="out", limit=limit)

    def describe_schema(self) -> str:
        """The graph schema: the numbered Cypher DDL files, concatenated."""
        from .config import package_data_dir

        return "\n".join(f.read_text() for f in sorted(package_data_dir("schema").glob("[0-9][0-9][0-9]_*.cypher")))


def open(store: str | Path | None = None, *, memory: bool = False) -> GraphBuddy:  # noqa: A001 - the API name
    return GraphBuddy(store, memory=memory)


def _prepare_store_folder(path: Path) -> Path:
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise StoreError(f"store path is a file, not a folder: {path}", path=str(path))
    if path.is_dir() and not (path / MARKER_FILE).exists() and any(path.iterdir()):
        raise StoreError(f"not a graphbuddy store (folder not empty and no {MARKER_FILE}): {path}", path=str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
        marker = path / MARKER_FILE
        if not marker.exists():
            marker.write_text("graphbuddy store v1\n")
    except OSError as exc:
        raise StoreError(f"cannot create store folder {path}: {exc.strerror}", path=str(path)) from None
    return path


def _check_project_name(name: str) -> None:
    from .errors import InvalidArgument

    if not name or ":" in name or "/" in name or name.strip() != name:
        raise InvalidArgument(f"invalid project name {name!r}: no ':' or '/', no surrounding spaces")
