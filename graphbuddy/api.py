"""The library API: the product. CLI commands and MCP tools are thin shells over `GraphBuddy`."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from . import queries
from .config import ANALYTICS_FILE, GRAPH_FILE, MARKER_FILE, default_store_path
from .errors import GraphbuddyError, StoreError
from .result import Result

log = logging.getLogger(__name__)


class GraphBuddy:
    """One store: the Kùzu graph plus the DuckDB analytics file. `memory=True` keeps both in RAM."""

    def __init__(self, store: str | Path | None = None, *, memory: bool = False, model=None, auto_compact=None):
        from .embedding import make_embedder
        from .store.analytics import AnalyticsStore
        from .store.compact import AutoCompact
        from .store.graph import GraphStore

        # when an index run compacts the graph file by itself: an `AutoCompact`, a factor (0: never), or None
        # for $GRAPHBUDDY_AUTO_COMPACT / $GRAPHBUDDY_AUTO_COMPACT_MIN_MB (default: at 4x, and 64 MB more)
        self.auto_compact = AutoCompact.of(auto_compact)

        self.memory = memory
        self.path = None if memory else _prepare_store_folder(Path(store) if store else default_store_path())
        # DuckDB first and closed last, so a process holding the graph file always holds the analytics file
        # too: the analytics lock decides who owns the store (StoreLocked here), and the graph, opened on
        # first use (a no-change index never needs it), cannot then be locked by another graphbuddy process.
        self.analytics = AnalyticsStore(None if memory else self.path / ANALYTICS_FILE)
        self.graph = GraphStore(None if memory else self.path / GRAPH_FILE, lazy=True, on_create=self._graph_created)
        self._index_cache: dict = {}
        self._memory = None
        try:
            # `model`: a local folder or model name (default $GRAPHBUDDY_MODEL, else all-MiniLM-L6-v2), or an
            # Embedder instance. Checked now (a missing path fails here), loaded on the first embedding.
            self.embedder = make_embedder(model)
        except GraphbuddyError:
            self.close()
            raise
        self._searcher = None
        # progress(stage, done, total) for long work inside calls that take no progress argument: embedding the
        # texts without a vector before a search (minutes for a big project's code symbols), `embed_pending`
        self.progress = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self.graph.close()
        self.analytics.close()

    def flush(self) -> None:
        """Checkpoint both databases (fold their write-ahead logs into the files): the owner's clean stop."""
        if self.graph.is_open:
            with self.graph.transaction_lock():
                self.graph.execute("CHECKPOINT")
        self.analytics.execute("CHECKPOINT")

    def compact(self, *, progress: Callable[[str, int, int], None] | None = None):
        """Rewrite the graph file without the space Kùzu keeps after re-indexing, and swap it in; every table
        is compared row for row first, and an interruption leaves the old file or the new one. Refused while
        another GraphStore of this process holds the file. Returns a `CompactReport` (sizes before and after,
        seconds). Index runs call it by themselves once the file has grown (`auto_compact`). docs/architecture.md,
        "Store file growth and compaction"."""
        from .errors import InvalidArgument
        from .store.compact import compact_graph

        if self.memory:
            raise InvalidArgument("an in-memory store has no file to compact")
        return compact_graph(self.graph, progress=progress, analytics=self.analytics)

    def _graph_created(self) -> None:
        from .index.pipeline import forget_recorded_roots

        forget_recorded_roots(self.analytics)

    def __enter__(self) -> "GraphBuddy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- indexing --------------------------------------------------------------------------------------------
    def index(self, path: str | Path, *, project: str | None = None, full: bool = False,
              progress: Callable[[str, int, int], None] | None = None, workers: int | None = None):
        """Index (or re-index by delta) the project at `path`. Returns an `IndexReport`."""
        from .index.pipeline import index_project
        from .related import index_run, index_stamp
        from .store.compact import compact_if_grown, graph_bytes

        root = Path(path).expanduser()
        name = _project_name(root, project)
        before = index_stamp(self)
        size_before = None if self.memory else graph_bytes(Path(self.graph.path))
        report = index_project(self.graph, self.analytics, root, project=name, cache=self._index_cache,
                               full=full, progress=progress, workers=workers)
        from .index.crossproject import after_index

        relinked = after_index(self.graph, self.analytics, name, report.mode, root=report.root)   # deps + links
        index_run(self, before, report, relinked)      # find_related_code's edge cache follows the rewrites
        if size_before is not None and report.mode != "unchanged":      # the run wrote: is the file due a compaction?
            report.compaction = compact_if_grown(self.graph, self.analytics, self.auto_compact, progress=progress,
                                                 size_before=size_before)
        return report

    def watch(self, path: str | Path, *, project: str | None = None, on_update: Callable | None = None,
              stop=None, ready=None, debounce_ms: int = 1600, step_ms: int = 10, settle_ms: int = 100) -> int:
        """Index `path`, then keep the graph current as files change until `stop` (a threading.Event) is set
        or Ctrl-C. `on_update` gets a `WatchUpdate` per applied delta. Returns the number of updates."""
        from .watch import watch_project

        root = Path(path).expanduser()
        name = _project_name(root, project)
        return watch_project(lambda: self.index(root, project=name), root, on_update=on_update or _log_update,
                             stop=stop, ready=ready, debounce_ms=debounce_ms, step_ms=step_ms, settle_ms=settle_ms)

    # -- queries ---------------------------------------------------------------------------------------------
    def query(self, name: str, *, max_rows: int | None = None, timeout_ms: int = 0, params: dict | None = None,
              **kwparams: Any) -> Result:
        """Run a named query from `queries/` (read-only). `max_rows` cuts the result (`Result.truncated`).
        Parameters as keywords, or as `params` (a mapping: any name, even `name` or `max_rows`)."""
        params = {**(params or {}), **kwparams}
        q = queries.get(name)
        store = self.analytics if q.language == "sql" else self.graph
        bound = q.bind(params)
        result = Result.bounded(store.read_only(q.text, bound, timeout_ms=timeout_ms, max_rows=max_rows), max_rows)
        if len(result) == 0 and bound.get("project") is not None:
            # a misspelt project gives no rows: say so (checked only then, so answers cost nothing more)
            from .projects.registry import require_project

            require_project(self.graph, bound["project"], self.analytics)
        return result

    def cypher(self, text: str, *, max_rows: int | None = None, timeout_ms: int = 0, params: dict | None = None,
               **kwparams: Any) -> Result:
        """Run user Cypher, read-only: write clauses are refused; `max_rows`/`timeout_ms` bound it. `$name`
        parameters as keywords, or as `params` (a mapping: any name, even `text` or `max_rows`)."""
        params = {**(params or {}), **kwparams}
        queries.check_read_only(text)
        queries.check_parameters(text, params)
        return Result.bounded(self.graph.read_only(text, params, timeout_ms=timeout_ms, max_rows=max_rows),
                              max_rows)

    def list_queries(self) -> list[dict]:
        return [{"name": q.name, "store": q.language, "description": q.description,
                 "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                             "choices": list(p.choices), "min": p.bounds[0], "max": p.bounds[1]}
                            for p in q.params]}
                for q in queries.catalogue().values()]

    def _rows(self, name: str, **params: Any) -> list[dict]:
        return self.query(name, **params).rows()

    # -- code graph ------------------------------------------------------------------------------------------
    def find_related_code(self, target: str, *, project: str | None = None, relations=("all",), depth: int = 1):
        """Files, functions and classes related to `target` by imports, calls and inheritance, with a why."""
        from .related import related_code

        return related_code(self, target, project, list(relations), depth)

    def projects(self) -> list[dict]:
        return self._rows("code.projects")

    def stats(self, project: str | None = None) -> list[dict]:
        indexed = [p["project"] for p in self.projects()]
        names = [project] if project is not None else indexed
        known = set(indexed)
        out = []
        for name in names:
            if name not in known:
                from .errors import NotFound

                raise NotFound(f"no project named '{name}'")
            row = self._rows("code.project_stats", project=name)[0]
            out.append({"project": name, **row})
        return out

    # -- analytics (notebooks, time series, correlations) --------------------------------------------------
    def sql(self, text: str, *, max_rows: int | None = None, timeout_ms: int = 0, params: dict | None = None,
            **kwparams: Any) -> Result:
        """Run user SQL on the DuckDB side (events, commits, checkpoints, documents, ...), read-only:
        one SELECT/EXPLAIN statement; `$name` placeholders take keywords or `params` (a mapping: any name,
        even `text` or `max_rows`); `max_rows`/`timeout_ms` bound it."""
        params = {**(params or {}), **kwparams}
        queries.check_parameters(text, params, "sql")
        return Result.bounded(self.analytics.read_only(text, params or None, timeout_ms=timeout_ms,
                                                       max_rows=max_rows), max_rows)

    def record_event(self, kind: str, name: str, *, value: float | None = None, attrs: dict | None = None,
                     project: str | None = None, session_id: str | None = None) -> None:
        """Append one row to the `events` time series (e.g. kind 'tool': an MCP tool call and its time in ms)."""
        import json
        from datetime import datetime, timezone

        self.analytics.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [datetime.now(timezone.utc).replace(tzinfo=None), project, kind, session_id, name,
                                value, json.dumps(attrs) if attrs is not None else None])

    def ingest_git(self, path: str | Path, *, project: str | None = None):
        """Make the project's rows in `commits` HEAD's history at `path`: commits not stored yet are added, those
        a rewrite (amend, rebase, reset, another branch) left out of it dropped. Returns a GitIngestReport."""
        from .analytics.git import ingest_git

        root = Path(path).expanduser()
        name = project or root.resolve().name
        _check_project_name(name)
        indexed = self.graph.rows("MATCH (p:Project {id: $id}) RETURN p.root", {"id": name})
        if indexed and indexed[0][0] and Path(indexed[0][0]) != root.resolve():
            from .errors import InvalidArgument      # its history would replace the project's: a wrong name

            raise InvalidArgument(f"project '{name}' is indexed from {indexed[0][0]}, not {root.resolve()}: "
                                  f"ingest that folder, or give this one another --project; nothing changed")
        return ingest_git(self.analytics, root, project=name)

    def correlations(self, *, project: str | None = None, since=None, store: bool = True):
        """Quality vs velocity, compliance vs quality, session length vs quality delta (see analytics docs);
        the computed ones are stored as dated `correlation` insights unless `store=False`."""
        from .analytics.correlations import compute_correlations, store_correlations

        result = compute_correlations(self, project=project, since=since)
        if store:
            store_correlations(self, result)
        return result

    def analytics_report(self, *, project: str | None = None, since=None, chart: str | Path | None = None) -> dict:
        """The compact work report (commits, compliance, activity, quality, sessions, correlations)."""
        from .analytics.report import build_report, write_chart

        report = build_report(self, project=project, since=since)
        if chart:
            report["chart"] = str(write_chart(self, chart, project=project, since=since))
        return report

    # -- memory: sessions, reflections, insights, transcripts ------------------------------------------------
    @property
    def memory_store(self):
        """The memory write side (graphbuddy/memory/store.py), built on first use."""
        if self._memory is None:
            from .memory.store import MemoryStore

            self._memory = MemoryStore(self)
        return self._memory

    def detect_project(self, path: str | Path | None = None) -> str:
        """The indexed project holding `path` (default: cwd), or the one inside its git root; else NotFound."""
        from .memory import sessions

        return sessions.detect_project(self.memory_store, path)[0]

    def start_session(self, path: str | Path | None = None, *, project: str | None = None, agent: str | None = None):
        """Start a work session on the indexed project holding `path` (default: cwd). Returns a `Session`."""
        from .memory import sessions

        return sessions.start_session(self.memory_store, path, project=project, agent=agent)

    # Without a session id, checkpoint / end_session / session_status use the only active session, or with
    # several the one of the project holding `path` (default: cwd).
    def checkpoint(self, session_id: str | None = None, *, metrics: dict | None = None,
                   conversation: str | None = None, path: str | Path | None = None):
        """Quality score 0-100 with its components (+ external metrics 0-100); insights from `conversation`."""
        from .memory import sessions

        return sessions.checkpoint(self.memory_store, session_id, metrics=metrics, conversation=conversation,
                                   path=path)

    def end_session(self, session_id: str | None = None, *, summary: str | None = None,
                    path: str | Path | None = None):
        """End a session: summary, TOUCHED files, handoff markdown. Returns a `SessionEnd`."""
        from .memory import sessions

        return sessions.end_session(self.memory_store, session_id, summary=summary, path=path)

    def session_status(self, session_id: str | None = None, *, path: str | Path | None = None) -> dict:
        """A session's state: the session, touched files, memories, checkpoints, changes so far."""
        from .memory import sessions

        return sessions.session_status(self.memory_store, session_id, path=path)

    def list_sessions(self, *, project: str | None = None, limit: int = 20):
        from .memory import sessions

        return sessions.list_sessions(self.memory_store, project=project, limit=limit)

    def add_reflection(self, content: str, *, tags=(), project: str | None = None, session_id: str | None = None,
                       about=(), path: str | Path | None = None, join_session: bool = True):
        """Store a reflection (deduplicated by content; tags merge) linked to the code it names. `path`: the
        folder the caller works in; without `project`/`session_id` it picks both (`sessions.place_memory`)."""
        from .memory import reflections, sessions

        project, session_id = sessions.place_memory(self.memory_store, project=project, session_id=session_id,
                                                    path=path, join_session=join_session)
        return reflections.add_reflection(self.memory_store, content, tags=tags, project=project, session_id=session_id,
                                          about=about)

    def update_reflection(self, reflection_id: str, *, tags):
        from .memory import reflections

        return reflections.update_reflection(self.memory_store, self.memory_store.full_id(reflection_id), tags=tags)

    def remove_reflection(self, reflection_id: str):
        from .memory import reflections

        return reflections.remove_reflection(self.memory_store, self.memory_store.full_id(reflection_id))

    def vote(self, item_id: str, *, up: bool = True, member: str | None = None, withdraw: bool = False) -> dict:
        """Vote on a reflection or insight (votes feed ranking). Anonymous votes add up; a `member` has one
        vote per item, replaced by a new vote or removed by `withdraw`. Returns {id, kind, votes}."""
        from .memory import reflections

        return reflections.vote(self.memory_store, self.memory_store.full_id(item_id), up=up, member=member,
                                withdraw=withdraw)

    def capture_insights(self, text: str, *, project: str | None = None, session_id: str | None = None,
                         path: str | Path | None = None):
        """Store the `★ Insight` blocks found in `text` (rule-based). Returns a `CaptureReport`. `path`: as
        for `add_reflection`."""
        from .memory import capture, sessions

        project, session_id = sessions.place_memory(self.memory_store, project=project, session_id=session_id,
                                                    path=path)
        return capture.capture_insights(self.memory_store, text, project=project, session_id=session_id)

    def import_transcript(self, path: str | Path, *, project: str | None = None, agent: str | None = None):
        """Import a Claude Code JSONL session file or a markdown/text transcript. Returns an `ImportReport`."""
        from .memory import transcripts

        return transcripts.import_transcript(self.memory_store, path, project=project, agent=agent)

    def list_insights(self, *, project: str | None = None, topic: str | None = None,
                      type: str | None = None, limit: int = 50):  # noqa: A002 - `type` is the insight's field name
        from .memory import capture

        return capture.list_insights(self.memory_store, project=project, topic=topic, type=type, limit=limit)

    def insight_stats(self, project: str | None = None) -> dict:
        from .memory import capture

        return capture.insight_stats(self.memory_store, project)

    def reflection_stats(self, project: str | None = None) -> dict:
        from .memory import reflections

        return reflections.reflection_stats(self.memory_store, project)

    def check_memory_documents(self, *, repair: bool = False) -> dict:
        """Memory nodes whose DuckDB `documents` row is missing or stale, and rows without a node; `repair`
        rebuilds them from the graph (the source of truth)."""
        from .memory import verify

        return verify.check_documents(self.memory_store, repair=repair)

    # -- cross-project ------------------------------------------------------------------------------------------
    def rename_project(self, old: str, *, new: str) -> None:
        """Rename a project: every id `<old>:...` becomes `<new>:...` in both stores."""
        from .projects.registry import rename_project

        rename_project(self.graph, self.analytics, old, new=new)
        self._index_cache.pop(old, None)

    def remove_project(self, name: str):
        """Remove a project's graph, memory and DuckDB rows. Returns `RemovedProject` (dependents told)."""
        from .projects.registry import remove_project

        self._index_cache.pop(name, None)
        return remove_project(self.graph, self.analytics, name)

    def create_group(self, name: str, *, description: str | None = None):
        from .projects.registry import create_group

        return create_group(self.graph, name, description=description)

    def add_to_group(self, project: str, *, group: str) -> None:
        from .projects.registry import add_to_group

        add_to_group(self.graph, project, group=group)

    def remove_from_group(self, project: str, *, group: str) -> bool:
        from .projects.registry import remove_from_group

        return remove_from_group(self.graph, project, group=group)

    def list_groups(self):
        from .projects.registry import list_groups

        return list_groups(self.graph)

    def add_dependency(self, project: str, *, on: str, type: str = "uses", description: str | None = None):
        from .index.crossproject import link_projects
        from .projects.dependencies import add_dependency
        from .related import forget_edges

        dep = add_dependency(self.graph, project, on=on, type=type, description=description)
        link_projects(self.graph, self.analytics, around=project)   # its imports of `on`'s top-level packages
        forget_edges(self)
        return dep

    def remove_dependency(self, project: str, *, on: str, type: str | None = None) -> int:
        from .index.crossproject import link_projects
        from .projects.dependencies import remove_dependency
        from .related import forget_edges

        n = remove_dependency(self.graph, project, on=on, type=type)
        if n:
            link_projects(self.graph, self.analytics, around=project)
            forget_edges(self)
        return n

    def list_dependencies(self, project: str, *, transitive: bool = False):
        from .projects.dependencies import list_dependencies

        return list_dependencies(self.graph, project, transitive=transitive)

    def discover_dependencies(self):
        """Re-read every indexed project's manifests; relink cross-project code edges. Returns the report."""
        from .index.crossproject import link_projects
        from .projects.dependencies import discover_dependencies, scan_projects
        from .related import forget_edges

        scans = scan_projects(self.graph, self.analytics, rescan=None)
        report = discover_dependencies(self.graph, scans)
        link_projects(self.graph, self.analytics, scans=scans)
        forget_edges(self)
        return report

    def dependency_closure(self, project: str):
        from .projects.dependencies import all_dependencies, dependency_closure
        from .projects.registry import require_project

        require_project(self.graph, project)
        return dependency_closure(all_dependencies(self.graph), project)

    def search_across_projects(self, query: str, *, project: str, scope: str = "deps", kinds=None,
                               mode: str = "hybrid", search=None, limit: int = 10, weights=None,
                               member: str | None = None):
        """`search` (default: this store's hybrid search over `kinds`, memories by default) within a scope
        (project | deps | group | all), ranked by dependency proximity, recency and votes, explained.
        docs/cross-project.md has the formula."""
        from .projects.ranking import search_across_projects

        if search is None:
            def search(q: str, *, projects, limit: int):
                return self.search(q, kinds=kinds, projects=projects, limit=limit, mode=mode).hits

        return search_across_projects(self, query, project=project, scope=scope, search=search, limit=limit,
                                      weights=weights, member=member)

    def impact(self, target: str, *, project: str | None = None, depth: int = 3):
        """What is affected if a function, file or project changes: transitive callers/importers/dependents."""
        from .projects.impact import impact

        return impact(self, target, project=project, depth=depth)

    def impact_of_diff(self, path: str | Path, *, base: str = "HEAD", depth: int = 3):
        """Changed lines of `git diff base` -> functions overlapping them -> their dependents."""
        from .projects.impact import impact_of_diff

        return impact_of_diff(self, Path(path), base=base, depth=depth)

    # -- teams -----------------------------------------------------------------------------------------------
    def create_team(self, name: str, *, description: str | None = None):
        from .projects.teams import create_team

        return create_team(self.graph, name, description=description)

    def add_member(self, team: str, *, member: str) -> None:
        from .projects.teams import add_member

        add_member(self.graph, team, member=member)

    def list_teams(self):
        from .projects.teams import list_teams

        return list_teams(self.graph)

    def share_reflection(self, reflection_id: str, *, team: str, by: str | None = None) -> None:
        from .projects.teams import share_reflection

        share_reflection(self.graph, self.memory_store.full_id(reflection_id), team=team, by=by)



    # -- agent tools (MCP) ------------------------------------------------------------------------------------
    def find_symbol(self, target: str, *, project: str | None = None, max_lines: int = 80):
        """A function or class definition with its source read from the project root (`SymbolSource`)."""
        from .related import resolve_target
        from .symbols import find_symbol

        return find_symbol(self._rows, resolve_target(self, target, project), max_lines=max_lines)

    def find_callers(self, target: str, *, project: str | None = None, limit: int = 100) -> list[dict]:
        """Functions calling `target` (one hop) with line, confidence and reason."""
        from .related import resolve_target
        from .symbols import find_call_edges

        return find_call_edges(self._rows, resolve_target(self, target, project), direction="in", limit=limit)

    def find_callees(self, target: str, *, project: str | None = None, limit: int = 100) -> list[dict]:
        """Functions `target` calls (one hop) with line, confidence and reason."""
        from .related import resolve_target
        from .symbols import find_call_edges

        return find_call_edges(self._rows, resolve_target(self, target, project), direction="out", limit=limit)

    def describe_schema(self) -> str:
        """The graph schema: the numbered Cypher DDL files, concatenated."""
        from .config import package_data_dir

        return "\n".join(f.read_text() for f in sorted(package_data_dir("schema").glob("[0-9][0-9][0-9]_*.cypher")))

    # -- search ----------------------------------------------------------------------------------------------
    def _search_engine(self):
        if self._searcher is None:
            from .search.engine import Searcher

            self._searcher = Searcher(self.analytics, self.embedder,
                                      known_projects=lambda: [p["project"] for p in self.projects()],
                                      session_members=lambda sid: [r["id"] for r in
                                                                   self._rows("sessions.memories", id=sid)],
                                      progress=lambda: self.progress)
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

        t = resolve_target(self, target, project)
        return find_memories_about(self._rows, self.analytics, t, limit=limit)

    def embed_pending(self, *, kinds=None):
        """Bring code documents in step with the graph, then embed every text without a vector for this model."""
        from .search.documents import code_documents_in_graph, sync_code_documents

        for p in self.projects():
            sync_code_documents(self.analytics, p["project"], code_documents_in_graph(self.graph, p["project"]))
        return self._search_engine().embed_pending(kinds)

    def memory_stats(self) -> dict:
        """Documents by kind and project, embeddings by model, texts still waiting for a vector."""
        from .search.engine import memory_stats

        return memory_stats(self.analytics, self.embedder.name)


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


def _project_name(root: Path, project: str | None) -> str:
    if project is None:
        from .index.discover import check_root

        check_root(root)      # the name is the folder's: a missing or non-UTF-8 one is said as such (exit 5)
    name = project or (root.resolve().name if root.exists() else root.name)
    _check_project_name(name)
    return name


def _log_update(update) -> None:
    log.info("%s", update.line())


def _check_project_name(name: str) -> None:
    from .errors import InvalidArgument
    from .paths import storable

    # control characters: a NUL cuts the SQL literals the no-change check inlines (index/pipeline.py);
    # '.'/'..': a name is also a folder of the store (handoffs/<project>/)
    if not name or ":" in name or "/" in name or name.strip() != name or name in (".", "..") \
            or any(c < " " or "\x7f" <= c <= "\x9f" for c in name) or not storable(name):     # Cc: control
        raise InvalidArgument(f"invalid project name {name!r}: no ':' or '/', not '.' or '..', no control "
                              "characters, no surrounding spaces, valid UTF-8")
