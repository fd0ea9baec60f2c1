"""Index a project: discover -> parse/extract -> resolve -> load, full or delta.

Delta algorithm (docs/architecture.md has the picture):
1. discover; files whose mtime+size match the manifest are unchanged without being read;
2. extract the rest (a matching content hash still means unchanged);
3. rebuild the symbol index from stored symbols + new facts; the keys whose lookup result changed are the
   changed files themselves (f:), module keys whose winner changed (m:) and names they define (n:);
4. re-resolve the changed files plus every unchanged file that recorded one of those keys;
5. in one graph transaction: drop changed/deleted files' subgraphs and the re-resolved files' outgoing
   edges, COPY the new nodes and edges. A dirty flag around the two databases makes an interrupted run
   fall back to a full rebuild next time.
"""
from __future__ import annotations

import gc
import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..errors import IndexingError
from ..search.documents import sync_code_documents
from .discover import discover
from .facts import FileFacts
from .parse import Skipped, Task, Unchanged, extract_all
from .resolve import SymbolIndex, base_key, build_module_map, package_key
from .state import IndexState, sql_literal

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    project: str
    root: str
    mode: str                         # full | delta | unchanged
    files_total: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_deleted: int = 0
    files_reresolved: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    functions: int = 0
    classes: int = 0
    calls: int = 0
    imports: int = 0
    inherits: int = 0
    unresolved_calls: int = 0
    syntax_error_files: int = 0
    seconds: float = 0.0
    head: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ProjectCache:
    """What a process keeps between index runs of one project, so a delta reads nothing it already has."""

    symbols: dict[str, FileFacts]
    keys: dict[str, frozenset[str]]
    config: dict[str, str]


Progress = Callable[[str, int, int], None]      # (stage, done, total)


def index_project(graph, analytics, root: Path, *, project: str, cache: dict, full: bool = False,
                  progress: Progress | None = None, workers: int | None = None) -> IndexReport:
    # The cyclic GC is paused while indexing: the facts, symbol index and process cache are millions of
    # acyclic objects, and each generation-2 pass over them cost 0.1-1 s (stdlib: ~200 ms of a one-file
    # delta, measured); reference counting still frees everything the run drops.
    enabled = gc.isenabled()
    gc.disable()
    try:
        report = _index_project(graph, analytics, root, project=project, cache=cache, full=full,
                                progress=progress, workers=workers)
        if _recorded_root(analytics, project) != report.root:
            _record_root(analytics, project, report.root)
        return report
    finally:
        if enabled:
            gc.enable()


def _index_project(graph, analytics, root: Path, *, project: str, cache: dict, full: bool,
                   progress: Progress | None, workers: int | None) -> IndexReport:
    started = time.perf_counter()
    root = root.resolve() if root.exists() else root
    state = IndexState(analytics)
    found = discover(root)
    report = IndexReport(project=project, root=str(root), mode="delta", skipped=dict(found.skipped),
                         head=found.git_head)

    existing_root = _project_root(graph, analytics, project, str(root))
    if existing_root is not None and existing_root != str(root):
        raise IndexingError(f"project '{project}' is already indexed from {existing_root}; "
                            f"pass another --project name", path=str(root))
    fresh = full or existing_root is None or state.is_dirty(project)
    if fresh:
        cache.pop(project, None)
        manifest = {}
    else:
        manifest = state.manifest(project)

    deleted = sorted(p for p in set(manifest) - set(found.files) if not manifest[p].language.startswith("!"))
    forgotten = sorted(p for p in set(manifest) - set(found.files) if manifest[p].language.startswith("!"))
    todo = []
    skipped = Counter(found.skipped)
    for path, cand in found.files.items():
        old = manifest.get(path)
        if old is not None and old.language.startswith("!"):      # screened out before
            if (old.mtime_ns, old.size) == (cand.mtime_ns, cand.size):
                skipped[old.language[1:]] += 1
            else:
                todo.append(Task(path, cand.language, None))
        elif old is None or old.language != cand.language:
            todo.append(Task(path, cand.language, None))
        elif (old.mtime_ns, old.size) != (cand.mtime_ns, cand.size):
            todo.append(Task(path, cand.language, old.hash))
    config_changed = not fresh and _config_changed(cache.get(project), found.config, state, project)
    report.skipped = dict(skipped)
    if not fresh and not todo and not deleted and not forgotten and not config_changed:
        report.mode = "unchanged"
        report.files_total = report.files_unchanged = sum(1 for m in manifest.values() if not m.language.startswith("!"))
        report.seconds = time.perf_counter() - started
        return report
    if fresh and not found.files:
        raise IndexingError(f"no supported source files in {root}" + _skips(found.skipped), path=str(root))

    from . import load      # pyarrow and the writers: only once there is something to write
    from .resolve_pool import resolve_to_edges

    # -- parse + extract ---------------------------------------------------------------------------------
    new_facts: dict[str, FileFacts] = {}
    touched: dict[str, tuple[int, int]] = {}
    screened: dict[str, tuple[str, int, int]] = {}
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("parse", done, len(todo))

    for rec in extract_all(root, todo, workers=workers, progress=tick):
        if isinstance(rec, Unchanged):
            c = found.files[rec.path]
            touched[rec.path] = (c.mtime_ns, c.size)
        elif isinstance(rec, Skipped):
            skipped[rec.reason] += 1
            if rec.path in found.files and rec.reason not in ("vanished", "unreadable"):
                c = found.files[rec.path]
                screened[rec.path] = (rec.reason, c.mtime_ns, c.size)
            if rec.path in manifest and not manifest[rec.path].language.startswith("!"):
                deleted.append(rec.path)          # it was indexed before; now it is not parseable source
        else:
            new_facts[rec.path] = rec
    deleted = sorted(set(deleted))
    report.skipped = dict(skipped)
    if fresh and not new_facts:
        raise IndexingError(f"no parseable source files in {root}" + _skips(skipped), path=str(root))

    # -- symbol index before/after, changed keys, affected files ------------------------------------------
    proj_cache: ProjectCache | None = None if fresh else cache.get(project)
    if proj_cache is None:
        old_symbols = {} if fresh else state.load_symbols(project)
        old_keys = {} if fresh else state.all_keys(project)
    else:
        old_symbols, old_keys = proj_cache.symbols, proj_cache.keys
    changed = sorted(new_facts)
    symbols = dict(old_symbols)
    for p in deleted:
        symbols.pop(p, None)
    for p, f in new_facts.items():
        symbols[p] = replace(f, calls=(), bindings=())
    config = _parse_config(found.config)

    if fresh or config_changed:
        affected = set(symbols)
    else:
        changed_keys = _changed_keys(old_symbols, symbols, changed + deleted)
        affected = set(changed)
        for path, keys in old_keys.items():
            if path in symbols and not keys.isdisjoint(changed_keys):
                affected.add(path)
    need_body = sorted(p for p in affected if p not in new_facts)
    full_facts = dict(symbols)
    full_facts.update(state.load_bodies(project, need_body, old_symbols) if need_body else {})
    full_facts.update(new_facts)
    index = SymbolIndex(full_facts, config)
    resolved = resolve_to_edges(index, project, affected, full_facts, workers=workers)
    if progress:
        progress("resolve", len(affected), len(affected))

    # -- write: dirty flag, one graph transaction, state -----------------------------------------------------
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    state.set_dirty(project, True)
    with graph.transaction():
        if fresh and existing_root is not None:
            _drop_project_graph(graph, project)
        _upsert_project(graph, project, str(root), found.git_head, now,
                        sorted({f.language for f in symbols.values()}))
        stale = sorted(set(deleted) | (set(changed) & set(manifest)))
        modules = load.imported_modules(graph, project, stale + sorted(affected - set(changed)))
        load.delete_files(graph, project, stale)
        load.delete_outgoing(graph, project, sorted(affected - set(changed)))
        report.functions, report.classes = load.insert_files(graph, project, [new_facts[p] for p in changed], now)
        edges = load.insert_edges(graph, resolved.edges)
        load.remove_orphan_modules(graph, modules)
    new_keys = dict(old_keys)
    for p in deleted:
        new_keys.pop(p, None)
    new_keys.update(resolved.keys)
    with analytics.transaction():
        if fresh:
            state.drop_project(project)
        state.write(project, facts=[new_facts[p] for p in changed],
                    mtimes={p: (found.files[p].mtime_ns, found.files[p].size) for p in changed},
                    keys=resolved.keys, deleted=deleted + forgotten,
                    touched=touched, screened=screened)
        _store_config(analytics, project, found.config)
        state.set_dirty(project, False)
        analytics.execute("INSERT INTO events VALUES (?, ?, 'index', NULL, ?, ?, ?)",
                          [now, project, "full" if fresh else "delta", len(changed),
                           json.dumps({"deleted": len(deleted), "reresolved": len(affected)})])
    cache[project] = ProjectCache(symbols=symbols, keys=new_keys, config=dict(found.config))
    sync_code_documents(graph, analytics, project, paths=None if fresh else changed + deleted)  # docs/search.md

    report.mode = "full" if fresh else "delta"
    report.files_total = len(symbols)
    report.files_parsed = len(changed)
    report.files_unchanged = len(symbols) - len(changed)
    report.files_deleted = len(deleted)
    report.files_reresolved = len(affected)
    report.calls, report.imports, report.inherits = edges["calls"], edges["imports"], edges["inherits"]
    report.unresolved_calls = resolved.unresolved
    report.syntax_error_files = sum(1 for f in new_facts.values() if f.syntax_errors)
    report.seconds = time.perf_counter() - started
    return report


def _changed_keys(old: dict[str, FileFacts], new: dict[str, FileFacts], paths: list[str]) -> set[str]:
    keys = {"f:" + p for p in paths}
    for side in (old, new):
        for p in paths:
            f = side.get(p)
            if f is not None:
                keys.update("n:" + d.name for d in f.definitions if d.parent is None)
                keys.update("b:" + base_key(b) for d in f.definitions for b in d.bases)   # subclass sets
                pkg = package_key(f)             # package-scoped languages: the package's namespace changed
                if pkg is not None:
                    keys.add("p:" + pkg)
    # module keys: only files added or removed can change who wins a key, but a new __init__.py changes
    # the keys of its whole package, so compare the two maps (cheap: one entry per file and key).
    if set(old) != set(new):
        before, after = build_module_map(old), build_module_map(new)
        keys.update("m:" + k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return keys


def _project_root(graph, analytics, project: str, root: str) -> str | None:
    """The root `project` is indexed from. DuckDB keeps a copy so a no-change run never opens the graph
    (~0.13 s of a cold CLI run); it is trusted only when it names this very root and the graph file is there.
    The copy is written after a run commits, removed and renamed with the project's other `meta` rows, and
    dropped when a new graph file is created (`forget_recorded_roots`); the root of a Project node changes
    only when the node is created, so the copy is either missing or right."""
    if (graph.path is None or Path(graph.path).exists()) and _recorded_root(analytics, project) == root:
        return root
    rows = graph.rows("MATCH (p:Project {id: $id}) RETURN p.root", {"id": project})
    return rows[0][0] if rows else None


def _recorded_root(analytics, project: str) -> str | None:
    rows = analytics.rows("SELECT value FROM meta WHERE key = " + sql_literal(f"root:{project}"))
    return rows[0][0] if rows else None


def _record_root(analytics, project: str, root: str) -> None:
    analytics.execute(f"INSERT OR REPLACE INTO meta VALUES ({sql_literal(f'root:{project}')}, {sql_literal(root)})")


def forget_recorded_roots(analytics) -> None:
    """For a graph file created beside existing index state (the old one deleted): without the copies, the
    next run of each project asks the graph, finds no project there and rebuilds it in full."""
    analytics.execute("DELETE FROM meta WHERE key LIKE 'root:%'")


def _upsert_project(graph, project: str, root: str, head: str | None, now, languages: list[str]) -> None:
    graph.execute(
        "MERGE (p:Project {id: $id}) ON CREATE SET p.created_at = $now "
        "SET p.root = $root, p.head = $head, p.indexed_at = $now, p.languages = $langs",
        {"id": project, "root": root, "head": head, "now": now, "langs": languages})


def _drop_project_graph(graph, project: str) -> None:
    graph.execute("MATCH (f:File {project: $p})-[:DEFINES]->(d) DETACH DELETE d", {"p": project})
    graph.execute("MATCH (f:File {project: $p}) DETACH DELETE f", {"p": project})


_JSONC_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _parse_config(files: dict[str, str]) -> dict:
    """tsconfig-style JSON with comments and trailing commas; unreadable ones are ignored (logged)."""
    out = {}
    for path, text in files.items():
        if not path.endswith(".json"):           # go.mod and other plain-text configs: the adapter reads them
            out[path] = text
            continue
        cleaned = _TRAILING_COMMA.sub(r"\1", _JSONC_COMMENT.sub(lambda m: m.group(1) or "", text))
        try:
            out[path] = json.loads(cleaned)
        except ValueError:
            log.warning("ignoring unparseable config file %s", path)
    return out


def _config_changed(proj_cache: ProjectCache | None, config: dict[str, str], state: IndexState, project: str) -> bool:
    old = proj_cache.config if proj_cache is not None else _load_config(state.db, project)
    return old != config


def _load_config(analytics, project: str) -> dict[str, str]:
    rows = analytics.rows("SELECT value FROM meta WHERE key = " + sql_literal(f"config:{project}"))
    return json.loads(rows[0][0]) if rows else {}


def _store_config(analytics, project: str, config: dict[str, str]) -> None:
    analytics.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [f"config:{project}", json.dumps(config)])


def _skips(skipped) -> str:
    return f" (skipped: {', '.join(f'{k}={v}' for k, v in sorted(skipped.items()))})" if skipped else ""
