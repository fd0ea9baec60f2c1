"""Code-graph commands: index, related, query, cypher, stats, projects."""
from __future__ import annotations

import sys

from .common import emit, open_store, parse_params, progress_bar, store_args, table


def register(sub) -> dict:

    p = sub.add_parser("index", help="index a project (delta when it was indexed before)")
    p.add_argument("path")
    p.add_argument("--project", help="project name (default: the folder name)")
    p.add_argument("--full", action="store_true", help="rebuild from scratch instead of a delta")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    store_args(p)

    p = sub.add_parser("watch", help="index a project, then apply delta updates as files change (Ctrl-C stops)")
    p.add_argument("path")
    p.add_argument("--project", help="project name (default: the folder name)")
    p.add_argument("--debounce-ms", type=int, default=1600, help="longest wait to group a burst of changes")
    store_args(p)

    p = sub.add_parser("related", help="code related to a file, function or class")
    p.add_argument("target", help="file path, qualified name or short name")
    p.add_argument("--project")
    p.add_argument("--rel", action="append", default=None,
                   help="imports, imported_by, calls, called_by, inherits, inherited_by, all (repeatable)")
    p.add_argument("--depth", type=int, default=1)
    store_args(p)

    p = sub.add_parser("query", help="run a named query (--list shows the catalogue)")
    p.add_argument("name", nargs="?")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V",
                   help="a parameter value (text); K:=V takes V as JSON: a number, true, null, [1, 2]")
    p.add_argument("--list", action="store_true")
    store_args(p)

    p = sub.add_parser("cypher", help="run read-only Cypher")
    p.add_argument("text")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V",
                   help="a parameter value (text); K:=V takes V as JSON: a number, true, null, [1, 2]")
    store_args(p)

    p = sub.add_parser("stats", help="node and edge counts per project")
    p.add_argument("--project")
    store_args(p)

    p = sub.add_parser("projects", help="list indexed projects")
    store_args(p)
    return {"index": cmd_index, "watch": cmd_watch, "related": cmd_related, "query": cmd_query, "cypher": cmd_cypher,
            "stats": cmd_stats, "projects": cmd_projects}


def cmd_index(args) -> int:
    bar = progress_bar(args)
    with open_store(args) as gb:
        report = gb.index(args.path, project=args.project, full=args.full, progress=bar)
    if bar:
        bar.finish()
    r = report
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(r.skipped.items())) or "none"
    text = (f"{r.project}: {r.mode} index of {r.files_total} files in {r.seconds:.2f}s "
            f"(parsed {r.files_parsed}, deleted {r.files_deleted}, re-resolved {r.files_reresolved})\n"
            f"  +{r.functions} functions, +{r.classes} classes, {r.calls} calls, {r.imports} imports, "
            f"{r.inherits} inherits, {r.unresolved_calls} unresolved call sites\n"
            f"  skipped: {skipped}; files with syntax errors: {r.syntax_error_files} of {r.files_parsed} parsed")
    if r.compaction:
        text += f"\n  {r.compaction.line()} (the file had grown; GRAPHBUDDY_AUTO_COMPACT sets when)"
    emit(args, r.as_dict(), text)
    return 0


def cmd_watch(args) -> int:
    import json

    def show(update) -> None:
        if args.json:
            print(json.dumps({"events": update.events, "paths": list(update.paths), "error": update.error,
                              "index_ms": round(update.index_ms, 1), "head_moved": update.head_moved,
                              "report": update.report.as_dict() if update.report else None}, default=str),
                  flush=True)
        else:
            print(update.line(), flush=True)

    with open_store(args) as gb:
        try:
            gb.watch(args.path, project=args.project, on_update=show, debounce_ms=args.debounce_ms)
        except KeyboardInterrupt:
            print("stopped watching (the graph is at the last applied update)", file=sys.stderr)
    return 0


def cmd_related(args) -> int:
    with open_store(args) as gb:
        target, hits = gb.find_related_code(args.target, project=args.project, relations=args.rel or ["all"],
                                            depth=args.depth)
    lines = [f"{target.kind} {target.id}"]
    for h in hits:
        lines.append(f"  {h.relation:<12} d{h.depth} {h.kind:<8} {h.qualified_name or h.id}  [{h.why}]")
    if not hits:
        lines.append("  (nothing related)")
    emit(args, {"target": target.__dict__, "related": [h.as_dict() for h in hits]}, "\n".join(lines))
    return 0


def cmd_query(args) -> int:
    from ..errors import InvalidArgument

    if args.list or not args.name:
        from .. import queries

        cat = [{"name": q.name, "description": q.description,
                "params": [p.declaration() for p in q.params]}
               for q in queries.catalogue().values()]
        text = "\n".join(f"{q['name']:<24} {q['description']}" + (f"\n{'':<24} params: {', '.join(q['params'])}"
                                                               if q["params"] else "") for q in cat)
        emit(args, cat, text)
        if not args.list and not args.name:
            raise InvalidArgument("give a query name, or --list")
        return 0
    with open_store(args) as gb:
        result = gb.query(args.name, params=parse_params(args.param))
    emit(args, result.rows(), table(result))
    return 0


def cmd_cypher(args) -> int:
    with open_store(args) as gb:
        result = gb.cypher(args.text, params=parse_params(args.param))
    emit(args, result.rows(), table(result))
    return 0


def cmd_stats(args) -> int:
    with open_store(args) as gb:
        rows = gb.stats(args.project)
    text = "\n".join(f"{r['project']}: {r['files']} files, {r['functions']} functions, {r['classes']} classes, "
                     f"{r['calls']} calls, {r['imports']} imports, {r['inherits']} inherits" for r in rows)
    emit(args, rows, text or "no projects indexed yet")
    return 0


def cmd_projects(args) -> int:
    with open_store(args) as gb:
        rows = gb.projects()
    text = "\n".join(f"{r['project']:<24} {r['files']:>6} files  {', '.join(r['languages'] or [])}  {r['root']}"
                     for r in rows)
    emit(args, rows, text or "no projects indexed yet")
    return 0
