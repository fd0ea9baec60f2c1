"""Memory commands: session start|checkpoint|end|status|list, reflect, import-transcript, insights."""
from __future__ import annotations

import sys

from .common import emit, open_store, parse_params, store_args


def register(sub) -> dict:
    p = sub.add_parser("session", help="work sessions: start, checkpoint, end, status, list")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("start", help="start a session on the indexed project holding PATH (default: cwd)")
    a.add_argument("path", nargs="?")
    a.add_argument("--project")
    a.add_argument("--agent")
    store_args(a)
    a = actions.add_parser("checkpoint", help="quality score now; insights from a conversation file")
    a.add_argument("--session", help="session id (default: the current session)")
    a.add_argument("--metric", "-m", action="append", default=[], metavar="NAME=SCORE",
                   help="external score 0-100, e.g. ci=92 (repeatable)")
    a.add_argument("--conversation", metavar="FILE", help="text to capture insights from ('-' reads stdin)")
    store_args(a)
    a = actions.add_parser("end", help="end a session: summary, touched files, handoff document")
    a.add_argument("--session")
    a.add_argument("--summary")
    store_args(a)
    a = actions.add_parser("status", help="a session's state, touched files, memories, checkpoints")
    a.add_argument("--session")
    store_args(a)
    a = actions.add_parser("list", help="sessions, newest first")
    a.add_argument("--project")
    a.add_argument("--limit", type=int, default=20)
    store_args(a)

    p = sub.add_parser("reflect", help="store a reflection (or --update/--delete one)")
    p.add_argument("text", nargs="?")
    p.add_argument("--tag", "-t", action="append", default=[])
    p.add_argument("--about", "-a", action="append", default=[], help="file, path:line, path:name, qualified name")
    p.add_argument("--project")
    p.add_argument("--session", help="session id (default: the one active session of the project, if any)")
    p.add_argument("--no-session", action="store_true", help="do not capture it in the active session")
    p.add_argument("--update", metavar="ID", help="replace the tags of reflection ID with --tag values")
    p.add_argument("--delete", metavar="ID", help="delete reflection ID")
    store_args(p)

    p = sub.add_parser("import-transcript", help="import a Claude Code JSONL session file or a markdown transcript")
    p.add_argument("path")
    p.add_argument("--project")
    p.add_argument("--agent")
    store_args(p)

    p = sub.add_parser("insights", help="list captured insights (--stats: counts by type and topic)")
    p.add_argument("--project")
    p.add_argument("--topic")
    p.add_argument("--type")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--stats", action="store_true")
    store_args(p)
    return {"session": cmd_session, "reflect": cmd_reflect, "import-transcript": cmd_import, "insights": cmd_insights}


def cmd_session(args) -> int:
    with open_store(args) as gb:
        _SESSION[args.action](gb, args)
    return 0


def _start(gb, args) -> None:
    s = gb.start_session(args.path, project=args.project, agent=args.agent)
    emit(args, asdict(s), f"started {s.id} on {s.project} ({s.branch or 'no git'}), quality {s.quality_start}")


def _checkpoint(gb, args) -> None:
    metrics = parse_params(args.metric, flag="--metric NAME=SCORE")
    c = gb.checkpoint(args.session, metrics=metrics, conversation=_read(args.conversation))
    parts = ", ".join(f"{k} {v['score']}" for k, v in c.components.items())
    emit(args, asdict(c), f"{c.session_id}: quality {c.score} ({parts}); "
                          f"{c.insights.new if c.insights else 0} new insights")


def _end(gb, args) -> None:
    e = gb.end_session(args.session, summary=args.summary)
    emit(args, asdict(e), f"ended {e.session.id}: {len(e.touched)} files touched, quality "
                          f"{e.session.quality_end}; handoff: {e.handoff_path or '(in-memory store)'}")


def _status(gb, args) -> None:
    st = gb.session_status(args.session)
    s = st["session"]
    emit(args, st, f"{s['id']} [{s['status']}] {s['project']} {s['branch'] or ''}\n"
                   f"  files touched: {len(st['touched'])}, memories: {len(st['memories'])}, "
                   f"checkpoints: {', '.join(str(c['score']) for c in st['checkpoints']) or 'none'}")


def _list(gb, args) -> None:
    rows = [asdict(s) for s in gb.list_sessions(project=args.project, limit=args.limit)]
    emit(args, rows, "\n".join(f"{r['id']:<40} {r['status']:<7} {r['project']:<16} {r['started_at']}  "
                               f"{r['agent'] or ''}" for r in rows) or "no sessions yet")


_SESSION = {"start": _start, "checkpoint": _checkpoint, "end": _end, "status": _status, "list": _list}


def cmd_reflect(args) -> int:
    from ..errors import InvalidArgument

    with open_store(args) as gb:
        if args.delete:
            r = gb.remove_reflection(args.delete)
            emit(args, asdict(r), f"deleted {r.id}")
        elif args.update:
            r = gb.update_reflection(args.update, tags=args.tag)
            emit(args, asdict(r), f"{r.id}: tags {', '.join(r.tags) or '(none)'}")
        elif args.text is None:
            raise InvalidArgument("give the reflection TEXT ('-' reads stdin), or --update ID / --delete ID")
        else:
            r = gb.add_reflection(_read(args.text) if args.text == "-" else args.text, tags=args.tag,
                                  project=args.project, session_id=args.session, about=args.about, path=".",
                                  join_session=not args.no_session)
            emit(args, asdict(r), f"{'stored' if r.created else 'already stored (tags merged)'} {r.id}\n"
                                  f"  tags: {', '.join(r.tags) or '(none)'}; "
                                  f"about: {', '.join(r.about) or '(nothing)'}"
                                  + (f"; session: {', '.join(r.sessions)}" if r.sessions else ""))
    return 0


def cmd_import(args) -> int:
    with open_store(args) as gb:
        r = gb.import_transcript(args.path, project=args.project, agent=args.agent)
    emit(args, asdict(r), f"{'re-imported' if r.already_imported else 'imported'} {r.session.id} ({r.format}, "
                          f"{r.lines} lines, {r.malformed} malformed skipped): {r.insights.new} new insights "
                          f"({r.insights.known} known), {len(r.touched)} files touched, {r.outside_project} "
                          f"edited outside the project")
    return 0


def cmd_insights(args) -> int:
    with open_store(args) as gb:
        if args.stats:
            st = gb.insight_stats(args.project)
            emit(args, st, f"{st['insights']} insights ({st['linked_to_code']} linked to code)\n"
                           f"  types: {_counts(st['types'])}\n  topics: {_counts(st['topics'])}")
            return 0
        rows = [asdict(i) for i in gb.list_insights(project=args.project, topic=args.topic, type=args.type,
                                                    limit=args.limit)]
    emit(args, rows, "\n\n".join(f"[{r['type']}] {r['id'][:12]} {r['project'] or ''} "
                                 f"{', '.join(r['topics'])}\n{r['content']}" for r in rows) or "no insights")
    return 0


def asdict(record) -> dict:
    from dataclasses import asdict as to_dict      # lazily: keeps `graphbuddy --help` free of it

    return to_dict(record)


def _read(source: str | None) -> str | None:
    from ..errors import InvalidArgument

    if source is None:
        return None
    if source == "-":          # like a file below: invalid UTF-8 becomes replacement characters, not an error
        raw = getattr(sys.stdin, "buffer", None)
        return raw.read().decode("utf-8", errors="replace") if raw is not None else sys.stdin.read()
    try:
        with open(source, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        raise InvalidArgument(f"cannot read {source}: {exc.strerror}") from None


def _counts(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items()) or "(none)"
