"""Analytics commands: analytics (work report), ingest-git, sql (read-only DuckDB)."""
from __future__ import annotations

from .common import emit, open_store, parse_params, store_args, table


def register(sub) -> dict:
    p = sub.add_parser("analytics", help="work report: commits, compliance, activity, quality, correlations")
    p.add_argument("--project")
    p.add_argument("--since", help="only data from this date on (ISO, e.g. 2026-11-01)")
    p.add_argument("--chart", metavar="FILE", help="also write a chart: .png, .svg or .html")
    store_args(p)

    p = sub.add_parser("ingest-git", help="add a repository's git history to the commits table (incremental)")
    p.add_argument("path")
    p.add_argument("--project", help="project name (default: the folder name)")
    store_args(p)

    p = sub.add_parser("sql", help="run read-only SQL on the analytics tables (events, commits, ...)")
    p.add_argument("text")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V",
                   help="value for $K (text); K:=V takes V as JSON: a number, true, null, [1, 2]")
    store_args(p)
    return {"analytics": cmd_analytics, "ingest-git": cmd_ingest_git, "sql": cmd_sql}


def cmd_analytics(args) -> int:
    from ..analytics.report import format_report
    from ..queries import Param, convert

    since = convert(Param("since", "TIMESTAMP"), args.since)
    with open_store(args) as gb:
        report = gb.analytics_report(project=args.project, since=since, chart=args.chart)
    text = format_report(report) + (f"\n  chart       {report['chart']}" if args.chart else "")
    emit(args, report, text)
    return 0


def cmd_ingest_git(args) -> int:
    with open_store(args) as gb:
        r = gb.ingest_git(args.path, project=args.project)
    note = " (shallow clone: history is cut, its boundary commit has no line counts)" if r.shallow else ""
    if r.commits_undated:
        note += f"; {r.commits_undated} commits skipped: dated after year 9999"
    dropped = (f", {r.commits_dropped} dropped (no longer in HEAD's history: rewritten, reset or another branch)"
               if r.commits_dropped else "")
    text = (f"{r.project}: {r.commits_added} new commits{dropped} ({r.commits_total} stored, {r.commits_read} read "
            f"from git) in {r.seconds:.2f}s{note}"
            if r.head else f"{r.project}: empty history, nothing to ingest{dropped}")
    emit(args, r.as_dict(), text)
    return 0


def cmd_sql(args) -> int:
    with open_store(args) as gb:
        result = gb.sql(args.text, params=parse_params(args.param))
    emit(args, result.rows(), table(result))
    return 0
