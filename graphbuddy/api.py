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

    def __init__(self, store: str | Path | None = None, *, memory: bool = False, model=None):
        from .embedding import make_embedder
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
        try:
            # `model`: a local folder or model name (default $GRAPHBUDDY_MODEL, else all-MiniLM-L6-v2), or an
            # Embedder instance. Checked now (a missing path fails here), loaded on the first embedding.
            self.embedder = make_embedder(model)
        except GraphbuddyError:
            self.close()
            raise
        self._searcher = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self.analytics.close()
        self.graph.close()

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
    def query(self, name: str, **params: Any) -> Result:
        """Run a named query from `queries/` (read-only)."""
        q = queries.get(name)
        return Result(self.graph.read_only(q.text, q.bind(params)))

    def cypher(self, text: str, **params: Any) -> Result:
        """Run user Cypher, read-only: write clauses are refused."""
        queries.check_read_only(text)
        return Result(self.graph.read_only(text, params))

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

    # -- search ----------------------------------------------------------------------------------------------
    def _search_engine(self):
        if self._searcher is None:
            from .search.engine import Searcher

            self._searcher = Searcher(self.analytics, self.embedder,
                                      known_projects=lambda: [p["project"] for p in self.projects()])
        return self._searcher

    def search(self, query: str, *, kinds=None, projects=None, tags=None, session_id: str | None = None,
               since=None, until=None, limit: int = 10, cursor: str | None = None, mode: str = "hybrid"):
        """Hybrid (vector + BM25, RRF-fused) search over memories (default kinds reflection, insight, session).
        Returns a `Page`: hits with component scores and explanations, total, next_cursor. docs/search.md."""
        return self._search_engine().search(query, kinds=kinds, projects=projects, tags=tags,
                                            session_id=session_id, since=since, until=until, limit=limit,
                                            cursor=cursor, mode=mode)

    def quick_search(self, query: str, *, limit: int = 3, **filters) -> dict:
        """How many memories match, and the best few."""
        page = self.search(query, limit=limit, **filters)
        return {"query": page.query, "count": page.total, "hits": page.hits}

    def search_summary(self, query: str, **filters) -> dict:
        """Counts of matching memories by project, kind and tag."""
        return self._search_engine().summary(query, **filters)

    def search_code(self, query: str, *, projects=None, limit: int = 10, cursor: str | None = None,
                    mode: str = "hybrid"):
        """Semantic code search over functions and classes (name, signature, docstring)."""
        return self.search(query, kinds=("code",), projects=projects, limit=limit, cursor=cursor, mode=mode)

    def search_by_file(self, target: str, *, project: str | None = None, limit: int = 50):
        """Memories ABOUT a file, function or class, its members, or the functions calling / called by it."""
        from .related import resolve_target
        from .search.by_file import find_memories_about

        t = resolve_target(self._rows, target, project)
        return find_memories_about(self._rows, self.analytics, t, limit=limit)

    def embed_pending(self, *, kinds=None):
        """Bring code documents in step with the graph, then embed every text without a vector for this model."""
        from .search.documents import sync_code_documents

        for p in self.projects():
            sync_code_documents(self.graph, self.analytics, p["project"])
        return self._search_engine().embed_pending(tuple(kinds) if kinds else None)

    def memory_stats(self) -> dict:
        """Documents by kind and project, embeddings by model, texts still waiting for a vector."""
        from .search.engine import memory_stats

        return memory_stats(self.analytics, self.embedder.name)


def open(store: str | Path | None = None, *, memory: bool = False, model=None) -> GraphBuddy:  # noqa: A001
    return GraphBuddy(store, memory=memory, model=model)


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
