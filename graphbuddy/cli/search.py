"""Search commands: search (memories), search-code, embed."""
from __future__ import annotations

from contextlib import contextmanager

from .common import emit, open_store, progress_bar, store_args


def register(sub) -> dict:
    p = sub.add_parser("search", help="hybrid search over memories (reflections, insights, sessions)")
    p.add_argument("query")
    p.add_argument("--project", action="append", help="only this project (repeatable)")
    p.add_argument("--tag", action="append", help="only memories with this tag (repeatable: all must match)")
    p.add_argument("--kind", action="append", help="reflection, insight, session, code (repeatable)")
    p.add_argument("--session", help="only memories of this session id")
    p.add_argument("--since", help='e.g. today, yesterday, "last week", "last 3 days", 2026-01-01')
    p.add_argument("--until", help="same words as --since")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--cursor", help="next_cursor printed by the previous page")
    p.add_argument("--mode", choices=("hybrid", "vector", "keyword"), default="hybrid")
    p.add_argument("--summary", action="store_true", help="counts by project, kind and tag instead of hits")
    p.add_argument("--quick", action="store_true", help="count and the top 3 hits")
    p.add_argument("--explain", action="store_true", help="show why each hit matched")
    p.add_argument("--scope", choices=("project", "deps", "group", "all"),
                   help="dependency-aware search from the one --project: its own knowledge, its dependency "
                        "closure, its group, or everything, ranked by dependency proximity (docs/cross-project.md)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while texts are embedded first")
    store_args(p)

    p = sub.add_parser("search-code", help="semantic search over functions and classes")
    p.add_argument("query")
    p.add_argument("--project", action="append")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--cursor")
    p.add_argument("--mode", choices=("hybrid", "vector", "keyword"), default="hybrid")
    p.add_argument("--explain", action="store_true")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while texts are embedded first")
    store_args(p)

    p = sub.add_parser("embed", help="embed every document that has no vector yet (code symbols, memories)")
    p.add_argument("--kind", action="append")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    store_args(p)
    return {"search": cmd_search, "search-code": cmd_search_code, "embed": cmd_embed}


def cmd_search(args) -> int:
    filters = dict(kinds=args.kind, projects=args.project, tags=args.tag, session_id=args.session,
                   since=args.since, until=args.until)
    if args.scope:
        return _search_scoped(args)
    with _store_with_progress(args) as gb:
        if args.summary:
            s = gb.search_summary(args.query, mode=args.mode, **filters)
            counts = "\n".join(f"  {name}: " + ", ".join(f"{k or '-'} {v}" for k, v in s[name].items())
                               for name in ("by_project", "by_kind", "by_tag") if s[name])
            emit(args, s, f"{s['total']} matching documents\n{counts}".rstrip())
            return 0
        page = gb.search(args.query, limit=3 if args.quick else args.limit, cursor=args.cursor, mode=args.mode,
                         **filters)
    _print_page(args, page)
    return 0


def _search_scoped(args) -> int:
    from ..errors import InvalidArgument

    if not args.project or len(args.project) != 1:
        raise InvalidArgument("--scope needs exactly one --project: the project you work in")
    with open_store(args) as gb:
        hits = gb.search_across_projects(args.query, project=args.project[0], scope=args.scope, kinds=args.kind,
                                         mode=args.mode, limit=args.limit)
    rows = [h.as_dict() for h in hits]
    emit(args, rows, "\n".join(f"{h.score:.4f}  {h.kind or '-':<10} {h.project:<14} {h.title or h.id}\n"
                               f"          {h.explanation}" for h in hits) or "no hits")
    return 0


def cmd_search_code(args) -> int:
    with _store_with_progress(args) as gb:
        page = gb.search_code(args.query, projects=args.project, limit=args.limit, cursor=args.cursor, mode=args.mode)
    _print_page(args, page)
    return 0


def cmd_embed(args) -> int:
    with _store_with_progress(args) as gb:
        r = gb.embed_pending(kinds=args.kind)
    emit(args, r.as_dict(), f"embedded {r.embedded} texts ({r.documents} documents) with {r.model} in {r.seconds:.1f}s")
    return 0


def _print_page(args, page) -> None:
    lines = [f"{page.total} matching ({page.mode})" + (" [query cut to 2000 characters]" if page.query_truncated else "")]
    for h in page.hits:
        where = f"{h.attrs.get('file')}:{h.attrs.get('line')}" if h.kind == "code" else (h.created_at or "")
        # the id `team vote`/`share`/`reflect --update` take (12 characters of a reflection's or insight's)
        ref = "" if h.kind == "code" else f"  id {h.id if h.kind == 'session' else h.id[:12]}"
        lines.append(f"{h.score:.4f}  {h.kind:<10} {h.project or '-':<12} {h.title or h.id}  {where}{ref}")
        if h.kind != "code":
            lines.append(f"          {h.snippet[:160]}")
        if args.explain:
            lines.append(f"          {_why(h.explanation)}")
    if page.next_cursor:
        lines.append(f"more: --cursor {page.next_cursor}")
    emit(args, page.as_dict(), "\n".join(lines))


def _why(e: dict) -> str:
    """A hit's explanation as one line: retrievers with rank and score, age and decay, votes, filters."""
    how = {"vector": lambda m: f"similarity {m['similarity']}",
           "keyword": lambda m: f"bm25 {m['bm25']}, coverage {m['coverage']}"}
    parts = [", ".join(f"{name} #{m['rank']} ({how[name](m)})" if name in how else f"{name} #{m.get('rank')}"
                       for name, m in e.get("matched_by", {}).items()) or "no retriever"]
    if e.get("age_days") is not None:
        parts.append(f"age {e['age_days']:g} days (decay {e['decay']:g})")
    parts.append(f"votes {e.get('votes', 0)}" + (f" (x{e['vote_factor']:g})" if e.get("vote_factor", 1) != 1 else ""))
    filters = "; ".join(f"{k} {', '.join(map(str, v)) if isinstance(v, (list, tuple)) else v}"
                        for k, v in (e.get("filters") or {}).items() if v not in (None, (), []))
    return "why: " + "; ".join(parts) + (f"; filters: {filters}" if filters else "")


@contextmanager
def _store_with_progress(args):
    """The store, with a progress bar for the texts a search or `embed` has to embed first (a freshly indexed
    big project's code symbols take minutes on a CPU; `graphbuddy embed` does it ahead)."""
    bar = progress_bar(args)
    with open_store(args) as gb:
        gb.progress = bar
        try:
            yield gb
        finally:
            if bar:
                bar.finish()
