"""Index a project: discover -> parse/extract -> resolve -> load, full or delta.

Delta algorithm (docs/architecture.md has the picture):
1. discover; files whose mtime+size match the manifest are unchanged without being read;
2. extract the rest (a matching content hash still means unchanged);
3. patch the last run's symbol index (or build one from stored symbols) with the new facts; the changed
   lookup keys come from comparing each changed file's old and new symbols (`resolve.changed_keys`, as fine
   as one class's members or one top-level name) and from rebuilt files (`_moved_nodes`: e:);
4. re-resolve the changed files plus every unchanged file that recorded one of those keys (in forked
   workers for a big batch, while the nodes are written);
5. in one graph transaction: drop changed/deleted files' subgraphs, and the outgoing edges of re-resolved
   files whose edge digest changed ("rewired"); write the new nodes and edges: all of changed and rewired
   files, and of the other re-resolved files only the edges into rebuilt files. An interrupted run falls back to a
   full rebuild next time: the graph transaction stamps the Project node (`indexed_at`) and the state
   transaction, committed after it, records that stamp, so a graph ahead of its state shows; a run the stamp
   cannot cover (a new project, a rebuild, a big run) marks the project dirty before writing the graph.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import IndexingError
from ..gc_pause import gc_paused
from ..store.graph import new_database_file
from ..store.malloc import return_free_memory
from .discover import Candidate, discover
from .state import IndexState, Manifest, next_manifest, state_rows, unpack_keys

if TYPE_CHECKING:
    from .facts import FileFacts
    from .parse import Task
    from .resolve import SymbolIndex

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
    compaction: object | None = None  # a `CompactReport` when the run compacted the graph file (`GraphBuddy.index`)
    # files whose nodes or outgoing edges the run rewrote (None: all of the project's, a full run), for the
    # in-process caches that follow the graph (related.py); not part of the report users see
    rewritten: list[str] | None = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        del out["rewritten"]
        out["compaction"] = self.compaction.as_dict() if self.compaction else None
        return out


@dataclass
class ProjectCache:
    """What a process keeps between index runs of one project, so a delta reads nothing it already has."""

    symbols: dict[str, FileFacts]
    keys: dict[str, frozenset[str]]       # see `lookup_keys`
    digests: dict[str, str]
    config: dict[str, str]
    index: SymbolIndex | None = None      # the last run's, so memoised lookups carry over
    bodies: dict[str, FileFacts] = field(default_factory=dict)     # full facts of recently re-resolved files
    walked: bool = False                  # git listed nothing last time: walk the folder without asking it
    manifest: dict[str, Manifest] | None = None   # what the state's manifest holds after the last run
    files: dict[str, Candidate] | None = None      # the last run's discovered source files
    root: str = ""                        # the root it was indexed from (recorded in the state's meta)
    stamp: datetime | None = None         # the graph stamp it recorded (IndexState.finish)
    packed: dict[str, bytes] = field(default_factory=dict)     # keys of files still as resolve workers packed them

    def lookup_keys(self) -> dict[str, frozenset[str]]:
        """Each file's lookup keys. A full run leaves its workers' keys packed (unpacking is ~0.3 CPU-s on the
        stdlib, most often for nothing: a CLI run exits): the first delta of this process unpacks them."""
        if self.packed:
            self.keys.update((p, unpack_keys(b)) for p, b in self.packed.items())
            self.packed = {}
        return self.keys


Progress = Callable[[str, int, int], None]      # (stage, done, total)
BACKGROUND_FROM = 64    # changed files from which the documents and state rows run in a thread (memory is trimmed)
BODY_CACHE = 256    # files whose call bodies stay in memory between runs
PATCH_FILES = 8     # changed files patched in place (load.patch_file); a bigger edit rebuilds them in bulk


def index_project(graph, analytics, root: Path, *, project: str, cache: dict, full: bool = False,
                  progress: Progress | None = None, workers: int | None = None) -> IndexReport:
    # The cyclic GC is paused while indexing: the facts, symbol index and process cache are millions of
    # acyclic objects, and each generation-2 pass over them cost 0.1-1 s (stdlib: ~200 ms of a one-file
    # delta, measured); reference counting still frees everything the run drops.
    with gc_paused():
        try:
            return _index_project(graph, analytics, root, project=project, cache=cache, full=full,
                                  progress=progress, workers=workers)
        except BaseException:
            cache.pop(project, None)      # a run that failed may have taken over parts of the cached index
            raise


def _index_project(graph, analytics, root: Path, *, project: str, cache: dict, full: bool,
                   progress: Progress | None, workers: int | None) -> IndexReport:
    started = time.perf_counter()
    root = root.resolve() if root.exists() else root
    state = IndexState(analytics)
    last = cache.get(project)
    found = discover(root, use_git=not (last is not None and last.walked and not full),
                     known=last.files if last is not None and not full else None)
    report = IndexReport(project=project, root=str(root), mode="delta", skipped=dict(found.skipped),
                         head=found.git_head)

    if last is not None and last.root == str(root) and not full:
        # this process's last run of the project completed: its root, flag, format and stamp are known
        existing_root, fresh, stamp = last.root, False, last.stamp
    else:
        existing_root = _project_root(graph, analytics, project, str(root))
        if existing_root is not None and existing_root != str(root):
            raise IndexingError(f"project '{project}' is already indexed from {existing_root}; "
                                f"pass another --project name", path=str(root))
        if existing_root is None and not graph.unborn:   # a new name: not for a folder indexed under another one
            other = [r[0] for r in graph.rows("MATCH (p:Project {root: $r}) RETURN p.id", {"r": str(root)})]
            if other:
                raise IndexingError(f"{root} is already indexed as project '{other[0]}'; index it under that "
                                    f"name, or rename it first (`graphbuddy project rename {other[0]} "
                                    f"{project}`)", path=str(root))
        status = state.status(project)
        fresh = full or existing_root is None or status.rebuild
        stamp = status.graph_stamp
    if fresh:
        cache.pop(project, None)
        manifest = {}
    else:
        manifest = last.manifest if last is not None and last.manifest is not None else state.manifest(project)
    todo, deleted, forgotten, skipped = _plan(manifest, found)
    config_changed = not fresh and _config_changed(cache.get(project), found.config, state, project)
    if not fresh and not todo and not deleted and not forgotten and not config_changed:
        report.skipped = dict(skipped)
        return _unchanged(graph, analytics, report, manifest, root=root, head=found.git_head, record_root=last is None,
                          started=started)
    if not fresh and last is None and stamp is not None and _graph_stamp(graph, project) != stamp:
        log.warning("project %s: the graph holds a run whose index state was never written (interrupted "
                    "between the two commits): rebuilding it", project)
        fresh, manifest = True, {}
        todo, deleted, forgotten, skipped = _plan(manifest, found)
    report.skipped = dict(skipped)
    if fresh and not found.files:
        raise IndexingError(f"no supported source files in {root}" + _skips(found.skipped), path=str(root))

    # only once there is something to read or write (a no-change run imports none of them: docs/architecture.md)
    from ..search.documents import code_documents, sync_code_documents
    from . import load
    from .facts import symbol_part
    from .parse import Prepared, Skipped, Unchanged, extract_all
    from .resolve import SymbolIndex, changed_keys as lookup_keys_changed
    from .resolve_pool import resolve_to_edges

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    prepared = Prepared(project, now)

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

    converted = False
    for rec in extract_all(root, todo, workers=workers, progress=tick, prepared=prepared):
        if not converted:           # the parse workers run: pyarrow's import of pandas overlaps them, and so
            load.first_conversion()     # does creating the graph file of a new store (`_project_root`)
            graph.open()
            converted = True
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
    if not fresh and not new_facts and not deleted and not config_changed:
        # only mtimes moved (a touch, a checkout there and back), files were screened out or forgotten: the
        # graph is as it was; the index state records them so the next run does not read those files again
        changes = dict(facts=[], mtimes={}, deleted=forgotten, touched=touched, screened=screened)
        with analytics.transaction():
            state.write(state_rows(project, keys={}, digests={}, **changes))
        manifest = next_manifest(manifest, **changes)
        if last is not None:
            last.manifest, last.files = manifest, found.files
        return _unchanged(graph, analytics, report, manifest, root=root, head=found.git_head,
                          record_root=last is None, started=started)
    if fresh and not new_facts:
        raise IndexingError(f"no parseable source files in {root}" + _skips(skipped), path=str(root))

    # -- symbol index before/after, changed keys, affected files ------------------------------------------
    proj_cache: ProjectCache | None = None if fresh else cache.get(project)
    if proj_cache is None:
        old_symbols = {} if fresh else state.load_symbols(project)
        old_keys, old_digests = ({}, {}) if fresh else state.resolutions(project)
    else:
        old_symbols, old_keys, old_digests = proj_cache.symbols, proj_cache.lookup_keys(), proj_cache.digests
    changed = sorted(new_facts)
    symbols = dict(old_symbols)
    for p in deleted:
        symbols.pop(p, None)
    for p, f in new_facts.items():
        symbols[p] = symbol_part(f)
    config = _parse_config(found.config)

    # A changed file is patched in place when few of its definitions changed (its unchanged nodes keep every
    # edge); decided now, since a rebuilt file's dependants must be re-resolved ("e:" keys, `_moved_nodes`).
    modified = [] if fresh or len(changed) > PATCH_FILES else [p for p in changed if p in manifest and p in old_symbols]
    plans = {p: plan for p in modified if (plan := load.plan_patch(project, old_symbols[p], new_facts[p], now))}
    changed_keys: frozenset[str] = frozenset()
    if fresh or config_changed:
        affected = set(symbols)
        proj_cache = None                       # every lookup may differ: nothing memoised carries over
    else:
        changed_keys = frozenset(lookup_keys_changed(old_symbols, symbols, changed + deleted)
                                 | _moved_nodes(project, old_symbols, new_facts, deleted, plans))
        affected = set(changed)
        for path, keys in old_keys.items():
            if path in symbols and not keys.isdisjoint(changed_keys):
                affected.add(path)
    bodies = {} if proj_cache is None else proj_cache.bodies
    full_facts = dict(symbols)
    full_facts.update((p, bodies[p]) for p in affected if p in bodies and p not in new_facts
                      and bodies[p].definitions is symbols[p].definitions)
    need_body = sorted(p for p in affected if p not in new_facts and full_facts[p] is symbols[p])
    full_facts.update(state.load_bodies(project, need_body, old_symbols) if need_body else {})
    full_facts.update(new_facts)
    index = SymbolIndex(full_facts, config, previous=proj_cache.index if proj_cache is not None else None,
                        changed_keys=changed_keys, changed_paths=frozenset(changed + deleted))

    # -- resolve and write: dirty flag, one graph transaction, state -----------------------------------------
    # A big run resolves in worker processes while the nodes and code documents are written.
    # Re-resolved files whose edges came out the same ("same") keep them in the graph. A changed file not
    # patched is rebuilt, which drops the edges into it: the rows of "same" files that point into rebuilt
    # files are written again.
    written_files = dict(facts=[new_facts[p] for p in changed],
                         mtimes={p: (found.files[p].mtime_ns, found.files[p].size) for p in changed},
                         deleted=deleted + forgotten, touched=touched, screened=screened)
    stale = sorted(set(deleted) | (set(changed) & set(manifest)))
    big = len(changed) >= BACKGROUND_FROM
    if fresh or big or stamp is None:
        # a crash between the graph's COMMIT and the state's is caught by the stamp, except for a new project
        # (no state row yet), a rebuild, and a big run (its documents commit on their own): those go dirty first
        state.set_dirty(project)
    with _background(big) as syncer, resolve_to_edges(index, project, affected, full_facts, workers=workers,
                                                       bodies={p: b for p, (_, b) in prepared.blobs.items()},
                                                       unpack=not fresh) as resolving, graph.transaction():
        links = []                       # memory edges into nodes this run deletes and writes again
        if fresh and existing_root is not None:
            links = load.memory_links(graph, project)
            load.drop_project_graph(graph, project)
        _upsert_project(graph, project, str(root), found.git_head, now,
                        sorted({f.language for f in symbols.values()}))
        # external modules that may lose their last importer (removed at the end if so); a patched file's
        # import rows are only at risk when its edges are rewritten (below)
        modules = set(load.imported_modules(graph, project, sorted(set(stale) - set(plans))))
        written, patched = [], set()
        for p in sorted(plans):
            written.append(load.patch_file(graph, project, plans[p]))
            patched.add(p)
        rebuilt = sorted(set(stale) - patched)
        if rebuilt and not fresh:
            links = load.memory_links(graph, project, rebuilt)
        load.delete_files(graph, project, rebuilt)
        # the parse workers' tables hold every changed file: usable when none was patched
        bulk_from = None if fresh else load.DELTA_BULK_FROM      # a delta's COPY is a checkpoint: see there
        nodes = load.insert_files(graph, project, [new_facts[p] for p in changed if p not in patched], now,
                                  built=None if patched else prepared.nodes, bulk_from=bulk_from)
        written += [nodes] if nodes is not None else []
        if big:
            return_free_memory()
        # code documents (DuckDB, docs/search.md) follow the nodes just written
        docs = load.merge_node_tables(written).docs if written else code_documents([])
        # the node tables are written: only their counts are needed now (stdlib x3: 110 MB of Arrow)
        functions, classes = sum(n.functions for n in written), sum(n.classes for n in written)
        written = nodes = None
        prepared.nodes.clear()
        doc_paths = None if fresh else changed + deleted
        old_doc_ids = sorted({i for p in doc_paths if p in old_symbols
                              for i in load.definition_ids(project, old_symbols[p]).values()}) \
            if doc_paths is not None and len(doc_paths) <= PATCH_FILES else None

        resolved = resolving.result()
        if progress:
            progress("resolve", len(affected), len(affected))
        digests = resolved.edges.digests
        rewired = sorted(p for p in affected - set(changed) if digests[p] != old_digests.get(p))
        same = affected - set(changed) - set(rewired)
        rekeyed = {p: k for p, k in resolved.keys.items() if p in new_facts or k != old_keys.get(p) or p in rewired}
        # a big run's state rows (keys packed, blobs copied: ~0.3 s on the stdlib) are built while Kùzu writes
        # the edges and commits, which releases the GIL; they are written after that COMMIT (the stamp's order)
        state_rows_for = functools.partial(state_rows, project, keys=rekeyed, digests=digests, blobs=prepared.blobs,
                                           packed=resolved.packed, **written_files)
        building = syncer.submit(state_rows_for) if syncer else None
        # A big run syncs its documents in that thread too, after the resolve workers are done (while they run,
        # both cores are busy: stdlib ~0.9 CPU-s of DuckDB insert would only slow them down) and while this
        # thread's Kùzu COPY and COMMIT leave a core idle (an interrupted run is dirty: the next one re-syncs)
        syncing = syncer.submit(sync_code_documents, analytics, project, docs, paths=doc_paths,
                                old_ids=old_doc_ids) if syncer else None
        modules.update(load.imported_modules(graph, project, rewired))
        load.delete_outgoing(graph, project, rewired)
        unpatched = set()
        for p in sorted(patched):
            if digests[p] != old_digests.get(p):
                dropped = load.patch_outgoing(graph, project, p, resolved.edges.select({p}))
                if dropped is None:
                    unpatched.add(p)
                else:
                    modules.update(dropped)
        modules.update(load.imported_modules(graph, project, sorted(unpatched)))    # before their rows go
        load.delete_outgoing(graph, project, sorted(unpatched))
        # Kùzu 0.11.3 can segfault at the COMMIT of a transaction that patched a file's nodes and then COPYs
        # into a rel table (reproduced on the stdlib: delete one added function, rewrite two files' 274 calls;
        # docs/architecture.md): after a patch, edges are created row by row
        load.insert_edges(graph, resolved.edges if fresh else resolved.edges.select(
            (set(changed) - patched) | set(rewired) | unpatched, into=set(rebuilt), sources_into=same),
            bulk_from=math.inf if patched else bulk_from)
        # the edges are written: only their counts are needed now (stdlib x3: 130 MB of Arrow)
        counts, unresolved, resolved_keys = resolved.edges.rows(), resolved.unresolved, resolved.keys
        still_packed = {p: b for p, b in (resolved.packed or {}).items() if p not in resolved_keys}
        resolved = None
        load.remove_orphan_modules(graph, sorted(modules))
        load.restore_memory_links(graph, links)
    if fresh and existing_root is not None:
        # the dropped graph's imports are gone: Module nodes only it imported are orphans now, found in a
        # transaction of their own (the one that just COPYed File->Module rows does not see them all)
        from .crossproject import remove_orphan_modules

        with graph.transaction():
            remove_orphan_modules(graph)
    if syncer is not None:
        syncing.result()
        rows = building.result()
    else:
        rows = state_rows_for()
    # before DuckDB's write adds its own copies: the blobs (copied into `rows`) and a big run's synced documents
    state_rows_for = None
    prepared.blobs.clear()
    if syncing is not None:
        docs = None
    if big:
        return_free_memory()
    new_keys, new_digests = dict(old_keys), dict(old_digests)
    for p in deleted:
        new_keys.pop(p, None)
        new_digests.pop(p, None)
    new_keys.update(resolved_keys)
    new_digests.update(digests)
    with analytics.transaction():
        if syncing is None:              # a small run's documents commit with its state
            sync_code_documents(analytics, project, docs, paths=doc_paths, old_ids=old_doc_ids)
        if fresh:
            state.drop_project(project)
        state.write(rows)
        if fresh or config_changed:
            _set_meta(analytics, "config", project, json.dumps(found.config))
        if existing_root != str(root) or last is None and _meta(analytics, "root", project) != str(root):
            _set_meta(analytics, "root", project, str(root))      # here, not in a transaction of its own
        _set_meta(analytics, "head", project, found.git_head)
        state.finish(project, now, rebuilt=fresh)
        analytics.execute("INSERT INTO events VALUES (?, ?, 'index', NULL, ?, ?, ?)",
                          [now, project, "full" if fresh else "delta", len(changed),
                           json.dumps({"deleted": len(deleted), "reresolved": len(affected),
                                       "rewired": len(rewired), "patched": len(patched)})])
    rows = building = None
    if big:
        return_free_memory()
    # the files re-resolved last keep their call bodies: the same few (a hierarchy's base files) come back often
    # (not after resolving in workers: this process never decoded the changed files' bodies)
    recent = {} if fresh or len(affected) > BODY_CACHE or resolving.in_workers else \
        {p: full_facts[p] for p in affected}
    recent.update((p, f) for p, f in bodies.items() if p not in recent and p in symbols
                  and f.definitions is symbols[p].definitions and len(recent) < BODY_CACHE)
    cache[project] = ProjectCache(symbols=symbols, keys=new_keys, digests=new_digests, config=dict(found.config),
                                  index=index.keep_for_next_run(symbols), bodies=recent, walked=found.walked,
                                  manifest=next_manifest(manifest, **written_files), files=found.files,
                                  root=str(root), stamp=now, packed=still_packed)
    report.classes, report.functions = classes, functions

    report.mode = "full" if fresh else "delta"
    report.rewritten = None if fresh else sorted(set(changed) | set(deleted) | set(rewired))
    report.files_total = len(symbols)
    report.files_parsed = len(changed)
    report.files_unchanged = len(symbols) - len(changed)
    report.files_deleted = len(deleted)
    report.files_reresolved = len(affected)
    report.calls, report.imports, report.inherits = counts["calls"], counts["imports"], counts["inherits"]
    report.unresolved_calls = unresolved
    report.syntax_error_files = sum(1 for f in new_facts.values() if f.syntax_errors)
    report.seconds = time.perf_counter() - started
    return report



@contextmanager
def _background(wanted: bool):
    """A big run's thread for its DuckDB writes (None when not `wanted`), done before the run returns or
    raises: on Ctrl-C or an error its queued work is dropped and its running write awaited (further Ctrl-C
    included), or the caller would close the store under it (a SIGABRT, "corrupted double-linked list")."""
    if not wanted:
        yield None
        return
    pool = ThreadPoolExecutor(1)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        while True:
            try:
                pool.shutdown(wait=True)
                break
            except KeyboardInterrupt:
                continue
        raise
    pool.shutdown(wait=True)


def _moved_nodes(project: str, old: dict[str, FileFacts], new: dict[str, FileFacts], deleted: list[str],
                 plans: dict) -> set[str]:
    """"e:" keys of the files whose nodes the edges of unchanged files may no longer reach: deleted and
    rebuilt files, and patched ones where a name that was defined now maps to another node id."""
    from .load import definition_ids

    keys = {"e:" + p for p in deleted}
    for p, f in new.items():
        if p not in plans or p not in old:
            keys.add("e:" + p)
            continue
        before, after = definition_ids(project, old[p]), definition_ids(project, f)
        if any(before.get((name, c)) != after.get((name, c))
               for d in old[p].definitions for name in (d.qualified_name, d.key) for c in (False, True)):
            keys.add("e:" + p)
    return keys


def _plan(manifest: dict[str, Manifest], found) -> tuple[list[Task], list[str], list[str], Counter]:
    """What a run must read: changed and new files (tasks), deleted files, forgotten screened-out files, and
    the skip counts (unchanged screened-out files count again)."""
    gone = set(manifest).difference(found.files)
    deleted = sorted(p for p in gone if not manifest[p].language.startswith("!"))
    forgotten = sorted(p for p in gone if manifest[p].language.startswith("!"))
    todo = []
    skipped = Counter(found.skipped)
    for path, cand in found.files.items():          # most files: indexed before, same language, same stat
        old = manifest.get(path)
        if old is not None and old.language == cand.language:
            if old.mtime_ns != cand.mtime_ns or old.size != cand.size:
                todo.append((path, cand.language, old.hash, cand.size))
        elif old is not None and old.language.startswith("!"):      # screened out before
            if old.mtime_ns == cand.mtime_ns and old.size == cand.size:
                skipped[old.language[1:]] += 1
            else:
                todo.append((path, cand.language, None, cand.size))
        else:
            todo.append((path, cand.language, None, cand.size))
    if todo:
        from .parse import Task       # here: a no-change run never loads the parse stage

        todo = [Task(*t) for t in todo]
    return todo, deleted, forgotten, skipped


def _unchanged(graph, analytics, report: IndexReport, manifest: dict[str, Manifest], *, root: Path, head: str | None,
               record_root: bool, started: float) -> IndexReport:
    """The report of a run that left the graph as it was; the project's recorded root and HEAD follow."""
    project = report.project
    report.mode = "unchanged"
    report.files_total = report.files_unchanged = sum(1 for m in manifest.values() if not m.language.startswith("!"))
    report.seconds = time.perf_counter() - started
    if record_root and _meta(analytics, "root", project) != str(root):
        _set_meta(analytics, "root", project, str(root))      # a run that wrote recorded it with its state
    if _meta(analytics, "head", project) != head:
        # a commit (or checkout) that changed no indexed file: the graph's Project.head follows it
        with graph.transaction():
            graph.execute("MATCH (p:Project {id: $id}) SET p.head = $head", {"id": project, "head": head})
        _set_meta(analytics, "head", project, head)
    return report


def _graph_stamp(graph, project: str):
    rows = graph.rows("MATCH (p:Project {id: $id}) RETURN p.indexed_at", {"id": project})
    return rows[0][0] if rows else None


def _project_root(graph, analytics, project: str, root: str) -> str | None:
    """The root `project` is indexed from. DuckDB keeps a copy so a no-change run never opens the graph
    (~0.13 s of a cold CLI run); it is trusted only when it names this very root and the graph file is there
    (not empty either: what a crash while creating it leaves, and Kùzu starts a new database in it).
    The copy is written after a run commits, removed and renamed with the project's other `meta` rows, and
    dropped when a new graph file is created (`forget_recorded_roots`); the root of a Project node changes
    only when the node is created, so the copy is either missing or right."""
    if (graph.path is None or not new_database_file(Path(graph.path))) and _meta(analytics, "root", project) == root:
        return root
    if graph.unborn:            # no graph file yet: no project in it (opened once the parse workers run)
        return None
    rows = graph.rows("MATCH (p:Project {id: $id}) RETURN p.root", {"id": project})
    return rows[0][0] if rows else None


def _meta(analytics, kind: str, project: str) -> str | None:
    """The project's `<kind>:<project>` row of DuckDB `meta` (its recorded root, head, config): a copy the
    no-change path reads without opening the graph."""
    return analytics.meta(f"{kind}:{project}")


def _set_meta(analytics, kind: str, project: str, value: str | None) -> None:
    analytics.set_meta(f"{kind}:{project}", value)


def forget_recorded_roots(analytics) -> None:
    """For a graph file created beside existing index state (the old one deleted): without the copies, the
    next run of each project asks the graph, finds no project there and rebuilds it in full."""
    analytics.execute("DELETE FROM meta WHERE key LIKE 'root:%'")


def _upsert_project(graph, project: str, root: str, head: str | None, now, languages: list[str]) -> None:
    graph.execute(
        "MERGE (p:Project {id: $id}) ON CREATE SET p.created_at = $now "
        "SET p.root = $root, p.head = $head, p.indexed_at = $now, p.languages = $langs",
        {"id": project, "root": root, "head": head, "now": now, "langs": languages})


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
    old = proj_cache.config if proj_cache is not None else json.loads(_meta(state.db, "config", project) or "{}")
    return old != config


def _skips(skipped) -> str:
    return f" (skipped: {', '.join(f'{k}={v}' for k, v in sorted(skipped.items()))})" if skipped else ""
