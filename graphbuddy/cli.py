"""`graphbuddy` command line: parse arguments, call the library, print. `--json` on every command.

Errors become one line on stderr and a non-zero exit code; nothing heavy is imported before a command runs.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from .errors import GraphbuddyError


def _store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="store folder (default: $GRAPHBUDDY_HOME or ~/.graphbuddy)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphbuddy", description="Local code graph and memory for coding agents.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", help="index a project (delta when it was indexed before)")
    p.add_argument("path")
    p.add_argument("--project", help="project name (default: the folder name)")
    p.add_argument("--full", action="store_true", help="rebuild from scratch instead of a delta")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _store_args(p)

    p = sub.add_parser("related", help="code related to a file, function or class")
    p.add_argument("target", help="file path, qualified name or short name")
    p.add_argument("--project")
    p.add_argument("--rel", action="append", default=None,
                   help="imports, imported_by, calls, called_by, inherits, inherited_by, all (repeatable)")
    p.add_argument("--depth", type=int, default=1)
    _store_args(p)

    p = sub.add_parser("query", help="run a named query (--list shows the catalogue)")
    p.add_argument("name", nargs="?")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V")
    p.add_argument("--list", action="store_true")
    _store_args(p)

    p = sub.add_parser("cypher", help="run read-only Cypher")
    p.add_argument("text")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V")
    _store_args(p)

    p = sub.add_parser("stats", help="node and edge counts per project")
    p.add_argument("--project")
    _store_args(p)

    p = sub.add_parser("projects", help="list indexed projects")
    _store_args(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s",
                        stream=sys.stderr)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except GraphbuddyError as exc:
        print(f"graphbuddy: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("graphbuddy: interrupted (the store keeps its last committed state)", file=sys.stderr)
        return 130


def _open(args):
    from .api import GraphBuddy

    return GraphBuddy(args.store)


def _emit(args, data, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def _params(pairs: list[str]) -> dict[str, str]:
    from .errors import InvalidArgument

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise InvalidArgument(f"--param expects K=V, got {pair!r}")
        k, v = pair.split("=", 1)
        out[k.strip()] = v
    return out


def cmd_index(args) -> int:
    bar = None if (args.no_progress or args.json or not sys.stderr.isatty()) else _ProgressBar()
    with _open(args) as gb:
        report = gb.index(args.path, project=args.project, full=args.full, progress=bar)
    if bar:
        bar.finish()
    r = report
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(r.skipped.items())) or "none"
    text = (f"{r.project}: {r.mode} index of {r.files_total} files in {r.seconds:.2f}s "
            f"(parsed {r.files_parsed}, deleted {r.files_deleted}, re-resolved {r.files_reresolved})\n"
            f"  +{r.functions} functions, +{r.classes} classes, {r.calls} calls, {r.imports} imports, "
            f"{r.inherits} inherits, {r.unresolved_calls} unresolved call sites\n"
            f"  skipped: {skipped}; files with syntax errors: {r.syntax_error_files}")
    _emit(args, r.as_dict(), text)
    return 0


def cmd_related(args) -> int:
    with _open(args) as gb:
        target, hits = gb.find_related_code(args.target, project=args.project, relations=args.rel or ["all"],
                                            depth=args.depth)
    lines = [f"{target.kind} {target.id}"]
    for h in hits:
        lines.append(f"  {h.relation:<12} d{h.depth} {h.kind:<8} {h.qualified_name or h.id}  [{h.why}]")
    if not hits:
        lines.append("  (nothing related)")
    _emit(args, {"target": target.__dict__, "related": [h.as_dict() for h in hits]}, "\n".join(lines))
    return 0


def cmd_query(args) -> int:
    from .errors import InvalidArgument

    if args.list or not args.name:
        from . import queries

        cat = [{"name": q.name, "description": q.description,
                "params": [f"{p.name} {p.type}" + ("" if p.required else f" = {p.default}") for p in q.params]}
               for q in queries.catalogue().values()]
        text = "\n".join(f"{q['name']:<24} {q['description']}" + (f"\n{'':<24} params: {', '.join(q['params'])}"
                                                               if q["params"] else "") for q in cat)
        _emit(args, cat, text)
        if not args.list and not args.name:
            raise InvalidArgument("give a query name, or --list")
        return 0
    with _open(args) as gb:
        result = gb.query(args.name, **_params(args.param))
    _emit(args, result.rows(), _table(result))
    return 0


def cmd_cypher(args) -> int:
    with _open(args) as gb:
        result = gb.cypher(args.text, **_params(args.param))
    _emit(args, result.rows(), _table(result))
    return 0


def cmd_stats(args) -> int:
    with _open(args) as gb:
        rows = gb.stats(args.project)
    text = "\n".join(f"{r['project']}: {r['files']} files, {r['functions']} functions, {r['classes']} classes, "
                     f"{r['calls']} calls, {r['imports']} imports, {r['inherits']} inherits" for r in rows)
    _emit(args, rows, text or "no projects indexed yet")
    return 0


def cmd_projects(args) -> int:
    with _open(args) as gb:
        rows = gb.projects()
    text = "\n".join(f"{r['project']:<24} {r['files']:>6} files  {', '.join(r['languages'] or [])}  {r['root']}"
                     for r in rows)
    _emit(args, rows, text or "no projects indexed yet")
    return 0


def _table(result, limit: int = 200) -> str:
    rows = result.rows()
    if not rows:
        return "(no rows)"
    cols = result.columns
    shown = [[_cell(r[c]) for c in cols] for r in rows[:limit]]
    widths = [min(60, max(len(c), *(len(row[i]) for row in shown))) for i, c in enumerate(cols)]
    out = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    out += ["  ".join(v[:w].ljust(w) for v, w in zip(row, widths)) for row in shown]
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more rows (use --json for all)")
    return "\n".join(out)


def _cell(v) -> str:
    return "" if v is None else str(v)


class _ProgressBar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self):
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{stage:<8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\r" + " " * 60 + "\r")
        sys.stderr.flush()


COMMANDS = {"index": cmd_index, "related": cmd_related, "query": cmd_query, "cypher": cmd_cypher,
            "stats": cmd_stats, "projects": cmd_projects}


if __name__ == "__main__":
    sys.exit(main())
