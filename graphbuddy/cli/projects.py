"""Cross-project commands: project, group, depend, impact, hotspots, team."""
from __future__ import annotations

from .common import emit, open_store, store_args


def _leaf(parent, name: str, help: str, *args: tuple):
    p = parent.add_parser(name, help=help)
    for flags, kw in args:
        p.add_argument(*flags, **kw)
    store_args(p)
    return p


def _a(*flags, **kw):
    return flags, kw


def register(sub) -> dict:
    ps = sub.add_parser("project", help="list, rename, remove projects").add_subparsers(dest="action", required=True)
    _leaf(ps, "list", "projects with stats")
    _leaf(ps, "rename", "rename a project (ids follow)", _a("old"), _a("new"))
    _leaf(ps, "remove", "remove a project, its graph, memory and index state", _a("name"))

    gs = sub.add_parser("group", help="project groups").add_subparsers(dest="action", required=True)
    _leaf(gs, "create", "create a group", _a("name"), _a("--description"))
    _leaf(gs, "add", "add a project to a group", _a("group"), _a("project"))
    _leaf(gs, "remove", "remove a project from a group", _a("group"), _a("project"))
    _leaf(gs, "list", "groups and their projects")

    ds = sub.add_parser("depend", help="typed dependencies between projects").add_subparsers(dest="action", required=True)
    _leaf(ds, "add", "declare PROJECT depends on ON", _a("project"), _a("on"),
          _a("--type", default="uses", choices=["uses", "extends", "references", "shares_code"]), _a("--description"))
    _leaf(ds, "remove", "remove dependencies of PROJECT on ON", _a("project"), _a("on"), _a("--type"))
    _leaf(ds, "list", "dependencies of a project", _a("project"), _a("--transitive", action="store_true"))
    _leaf(ds, "discover", "re-read manifests of indexed projects; relink cross-project code")

    p = sub.add_parser("impact", help="what a change to a function, file or project affects (or --diff PATH)")
    p.add_argument("target", help="symbol, file, project; with --diff: a folder inside a git repository")
    p.add_argument("--project")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--diff", action="store_true", help="TARGET is a git work tree: impact of its diff")
    p.add_argument("--base", default="HEAD")
    store_args(p)

    p = sub.add_parser("hotspots", help="PageRank over calls and imports")
    p.add_argument("--project")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--seed", action="append", help="personalise on these node ids (repeatable)")
    store_args(p)

    ts = sub.add_parser("team", help="teams, sharing and votes").add_subparsers(dest="action", required=True)
    _leaf(ts, "create", "create a team", _a("name"), _a("--description"))
    _leaf(ts, "add-member", "add a member to a team", _a("team"), _a("member"))
    _leaf(ts, "share", "share a reflection with a team", _a("reflection"), _a("team"), _a("--by"))
    _leaf(ts, "vote", "vote on a reflection or insight", _a("item"), _a("member"),
          _a("--down", action="store_true", help="vote down"),
          _a("--withdraw", action="store_true", help="remove this member's vote"))
    _leaf(ts, "list", "teams and members")
    return {"project": cmd_project, "group": cmd_group, "depend": cmd_depend, "impact": cmd_impact,
            "hotspots": cmd_hotspots, "team": cmd_team}


def cmd_project(args) -> int:
    with open_store(args) as gb:
        if args.action == "list":
            rows = [{**p, **gb.stats(p["project"])[0]} for p in gb.projects()]
            text = "\n".join(f"{r['project']:<24} {r['files']:>6} files {r['functions']:>7} functions  "
                             f"{', '.join(r['languages'] or [])}  {r['root']}" for r in rows) or "no projects indexed yet"
            emit(args, rows, text)
        elif args.action == "rename":
            gb.rename_project(args.old, new=args.new)
            emit(args, {"renamed": args.old, "to": args.new}, f"renamed {args.old} -> {args.new}")
        else:
            r = gb.remove_project(args.name)
            told = f"; dependencies removed from: {', '.join(r.dependents)}" if r.dependents else ""
            emit(args, r.__dict__, f"removed {r.project} ({r.files} files, {r.documents} documents){told}")
    return 0


def cmd_group(args) -> int:
    with open_store(args) as gb:
        if args.action == "create":
            g = gb.create_group(args.name, description=args.description)
            emit(args, g.__dict__, f"created group {g.name}")
        elif args.action == "add":
            gb.add_to_group(args.project, group=args.group)
            emit(args, {"group": args.group, "added": args.project}, f"{args.project} is in {args.group}")
        elif args.action == "remove":
            done = gb.remove_from_group(args.project, group=args.group)
            emit(args, {"group": args.group, "removed": done}, f"{args.project} {'removed from' if done else 'was not in'} {args.group}")
        else:
            groups = gb.list_groups()
            emit(args, [g.__dict__ for g in groups], "\n".join(
                f"{g.name:<20} {', '.join(g.projects) or '-'}  {g.description or ''}" for g in groups) or "no groups")
    return 0


def cmd_depend(args) -> int:
    with open_store(args) as gb:
        if args.action == "add":
            d = gb.add_dependency(args.project, on=args.on, type=args.type, description=args.description)
            emit(args, d.__dict__, f"{d.project} -[{d.type}]-> {d.on}")
        elif args.action == "remove":
            n = gb.remove_dependency(args.project, on=args.on, type=args.type)
            emit(args, {"removed": n}, f"removed {n} dependency edge(s)")
        elif args.action == "list":
            deps = gb.list_dependencies(args.project, transitive=args.transitive)
            rows = [d.__dict__ for d in deps]
            text = "\n".join(f"{d.project} (distance {d.distance}, via {' > '.join(b for _, b, _ in d.path)})"
                             if args.transitive else f"{d.project} -[{d.type}, {d.source}]-> {d.on}  {d.description or ''}"
                             for d in deps)
            emit(args, rows, text or "no dependencies")
        else:
            r = gb.discover_dependencies()
            text = (f"{r.manifests} manifests read, {len(r.added)} added, {len(r.removed)} removed, "
                    f"{len(r.errors)} malformed" + "".join(f"\n  malformed: {p}/{path}: {why}" for p, path, why in r.errors))
            emit(args, r.as_dict(), text)
    return 0


def cmd_impact(args) -> int:
    with open_store(args) as gb:
        r = gb.impact_of_diff(args.target, base=args.base, depth=args.depth) if args.diff \
            else gb.impact(args.target, project=args.project, depth=args.depth)
    lines = [f"{r.kind} {r.target}: {len(r.hits)} affected in {', '.join(r.projects) or 'no project'}"]
    lines += [f"  changed {c['file']} lines {c['lines'][:8]}: {len(c['functions'])} functions" for c in r.changed]
    lines += [f"  d{h.depth} {h.relation:<14} {h.id}" for h in r.hits]
    emit(args, r.as_dict(), "\n".join(lines))
    return 0


def cmd_hotspots(args) -> int:
    from ..analysis.graph import hotspots

    with open_store(args) as gb:
        df = hotspots(gb, args.project, limit=args.limit, personalize=args.seed)
    rows = df.to_dict("records")
    emit(args, rows, "\n".join(f"{r['pagerank']:.5f} {r['inbound']:>5} in  {r['id']}" for r in rows) or "no edges")
    return 0


def cmd_team(args) -> int:
    with open_store(args) as gb:
        if args.action == "create":
            t = gb.create_team(args.name, description=args.description)
            emit(args, t.__dict__, f"created team {t.name}")
        elif args.action == "add-member":
            gb.add_member(args.team, member=args.member)
            emit(args, {"team": args.team, "member": args.member}, f"{args.member} joined {args.team}")
        elif args.action == "share":
            gb.share_reflection(args.reflection, team=args.team, by=args.by)
            emit(args, {"shared": args.reflection, "team": args.team}, f"shared {args.reflection} with {args.team}")
        elif args.action == "vote":
            v = gb.vote(args.item, member=args.member, up=not args.down, withdraw=args.withdraw)
            emit(args, v, f"{args.item}: {v['votes']:+d} votes")
        else:
            teams = gb.list_teams()
            emit(args, [t.__dict__ for t in teams], "\n".join(f"{t.name:<20} {', '.join(t.members) or '-'}"
                                                              for t in teams) or "no teams")
    return 0
