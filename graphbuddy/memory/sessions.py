"""Work sessions: start, checkpoint (quality score + insights), end (touched files, handoff), status, list.

Quality score (0-100): a weighted mean of measurable signals, each scored 0-100 —
  docstrings  (0.3) share of functions/methods with a docstring;
  syntax      (0.3) share of files without syntax errors;
  tests       (0.2) share of test files, full marks at 20 % of files;
  clean_tree  (0.2) uncommitted files since HEAD: 100 with none, 0 at 20 or more.
External metrics (e.g. {"ci": 92, "lint": 75}, each 0-100) are averaged and blended 50/50 with it.
"""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import InvalidArgument, NotFound, StoreError
from . import gitinfo
from .capture import CaptureReport, capture_insights
from .store import MemoryStore, check_text, iso, now, title_of, valid_unicode

MAX_SUMMARY_BYTES = 64 * 1024
WEIGHTS = {"docstrings": 0.3, "syntax": 0.3, "tests": 0.2, "clean_tree": 0.2}
CHANGES = ("added", "modified", "deleted")


@dataclass(frozen=True)
class Session:
    id: str
    project: str
    agent: str | None
    status: str                     # active | ended
    branch: str | None
    head_start: str | None
    head_end: str | None
    started_at: str | None
    ended_at: str | None
    quality_start: float | None
    quality_end: float | None
    summary: str | None
    source: str | None              # live | transcript:<path>


@dataclass(frozen=True)
class Quality:
    score: float
    components: dict                # name -> {"score": 0-100, "weight": w, "detail": text}


@dataclass(frozen=True)
class Checkpoint:
    session_id: str
    project: str
    ts: str
    score: float
    components: dict
    insights: CaptureReport | None


@dataclass(frozen=True)
class Touched:
    path: str
    change: str
    in_graph: bool                  # False: the file is not indexed, so no TOUCHED edge (re-index to link it)


@dataclass(frozen=True)
class SessionEnd:
    session: Session
    touched: tuple[Touched, ...]
    handoff_path: str | None        # None for an in-memory store
    handoff: str


# -- project detection -------------------------------------------------------------------------------------
def place_memory(ms: MemoryStore, *, project: str | None, session_id: str | None, path=None,
                 join_session: bool = True) -> tuple[str | None, str | None]:
    """(project, session) of a new memory whose caller works in `path`: without a project or session, the
    indexed project holding `path` (none when no project holds it); without a session, that project's one
    active session (what is learnt while it runs is part of it), unless `join_session` is False or several
    are active (another agent's, maybe). Without `path`, exactly what was given."""
    if path is None:
        return project, session_id
    if project is None and session_id is None:       # the holding project only: no git process per memory
        held = _holding(ms.projects(), Path(path).expanduser().resolve())
        project = held[0] if held else None
    if session_id is None and join_session and project is not None:
        active = ms.rows("sessions.active", project=project)
        session_id = active[0]["id"] if len(active) == 1 else None
    return project, session_id


def _holding(projects: dict[str, dict], where: Path) -> tuple[str, Path] | None:
    """The indexed project whose root is `where` or holds it (the deepest one), else None."""
    holding = [(name, Path(p["root"])) for name, p in projects.items()
               if where == Path(p["root"]) or Path(p["root"]) in where.parents]
    return max(holding, key=lambda x: len(str(x[1]))) if holding else None


def detect_project(ms: MemoryStore, path=None, project: str | None = None) -> tuple[str, Path]:
    """(project name, root). `project=` wins; else the indexed project whose root holds `path` (deepest), else
    the one indexed project inside the git root of `path`."""
    if project is not None:
        info = ms.require_project(project)
        return project, Path(info["root"])
    where = Path(path or os.getcwd()).expanduser().resolve()
    projects = ms.projects()
    held = _holding(projects, where)
    if held:
        return held
    top = gitinfo.git_root(where) if where.exists() else None
    if top is not None:
        inside = [(name, Path(p["root"])) for name, p in projects.items()
                  if Path(p["root"]) == top or top in Path(p["root"]).parents]
        if len(inside) == 1:
            return inside[0]
        if inside:
            raise InvalidArgument(f"several indexed projects under {top} ({', '.join(sorted(n for n, _ in inside))}): "
                                  f"pass --project")
    raise NotFound(f"unknown project: no indexed project holds {where}"
                   + (f" (git root {top})" if top else "") + "; index it first with `graphbuddy index PATH`")


def current_session(ms: MemoryStore, session_id: str | None, path=None) -> dict:
    """The given session, or the only active one, or the latest active one of the project holding `path`
    (default: cwd; a client of the store owner sends its own cwd)."""
    if session_id is not None:
        return ms.session(session_id)
    active = ms.rows("sessions.active")
    if not active:
        raise NotFound("no active session: start one with `graphbuddy session start`")
    if len(active) > 1:
        try:
            project, _ = detect_project(ms, path)
        except (NotFound, InvalidArgument):
            project = None
        mine = [a for a in active if a["project"] == project]
        if not mine:
            raise InvalidArgument(f"{len(active)} active sessions ({', '.join(a['id'] for a in active[:5])}): "
                                  f"pass a session id")
        active = mine
    return ms.session(active[0]["id"])


# -- quality -----------------------------------------------------------------------------------------------
def measure_quality(ms: MemoryStore, project: str, *, uncommitted: int, metrics: dict | None = None) -> Quality:
    sig = {k: int(v or 0) for k, v in ms.rows("sessions.quality_signals", project=project)[0].items()}
    files, functions = sig["files"], sig["functions"]
    comps = {
        "docstrings": (100.0 * sig["documented"] / functions if functions else 100.0,
                       f"{sig['documented']}/{functions} functions documented"),
        "syntax": (100.0 * (files - sig["syntax_error_files"]) / files if files else 100.0,
                   f"{sig['syntax_error_files']}/{files} files with syntax errors"),
        "tests": (min(100.0, 100.0 * sig["test_files"] / (0.2 * files)) if files else 0.0,
                  f"{sig['test_files']}/{files} test files"),
        "clean_tree": (max(0.0, 100.0 - 5.0 * uncommitted), f"{uncommitted} uncommitted files"),
    }
    components = {k: {"score": round(s, 1), "weight": WEIGHTS[k], "detail": d} for k, (s, d) in comps.items()}
    score = sum(WEIGHTS[k] * s for k, (s, _) in comps.items())
    external = _check_metrics(metrics)
    if external:
        ext = sum(external.values()) / len(external)
        for k, v in external.items():
            components[f"external:{k}"] = {"score": v, "weight": round(0.5 / len(external), 4), "detail": "supplied"}
        for k in comps:
            components[k]["weight"] = WEIGHTS[k] * 0.5
        score = 0.5 * score + 0.5 * ext
    return Quality(round(score, 1), components)


def _check_metrics(metrics) -> dict[str, float]:
    if metrics is not None and not isinstance(metrics, Mapping):
        raise InvalidArgument(f"metrics must be a mapping of name -> score 0-100 (e.g. {{'ci': 92}}), "
                              f"got {type(metrics).__name__}")
    out = {}
    for k, v in (metrics or {}).items():
        try:
            value = float(v)
        except (TypeError, ValueError):
            raise InvalidArgument(f"metric {k!r} must be a number 0-100, got {v!r}") from None
        if not 0 <= value <= 100:
            raise InvalidArgument(f"metric {k!r} must be within 0-100, got {value:g}")
        out[str(k)] = value
    return out


def _record_checkpoint(ms: MemoryStore, session_id: str, project: str, ts: datetime, q: Quality, name: str,
                       attrs: dict | None = None) -> None:
    ms.analytics.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)",
                         [session_id, project, ts, q.score, json.dumps(q.components)])
    ms.event(project=project, session_id=session_id, name=name, value=q.score, ts=ts, attrs=attrs)


# -- lifecycle ---------------------------------------------------------------------------------------------
def start_session(ms: MemoryStore, path=None, *, project: str | None = None, agent: str | None = None) -> Session:
    agent = agent.strip() or None if agent else None      # a blank name (`--agent "$UNSET"`) names no agent
    name, root = detect_project(ms, path, project)
    g = gitinfo.state(root)
    dirty = gitinfo.changes_since(root, g.head) if gitinfo.git_root(root) else {}
    quality = measure_quality(ms, name, uncommitted=len(dirty))
    ts = now()
    sid = f"{name}-{ts:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    with ms.write():
        ms.run("create_session", {"id": sid, "project": name, "agent": agent, "started_at": ts, "ended_at": None,
                                  "status": "active", "branch": g.branch, "head_start": g.head, "head_end": None,
                                  "quality_start": quality.score, "summary": None, "source": "live"})
        # the dirty files and their content at start: end_session ignores those left as they were
        _record_checkpoint(ms, sid, name, ts, quality, "start", {
            "root": str(root), "dirty": {p: gitinfo.fingerprint(root, p) for p in dirty}, "agent": agent})
    return get_session(ms, sid)


def checkpoint(ms: MemoryStore, session_id: str | None = None, *, metrics: dict | None = None,
               conversation: str | None = None, path=None) -> Checkpoint:
    s = current_session(ms, session_id, path)
    if s["status"] != "active":
        raise InvalidArgument(f"session '{s['id']}' ended at {iso(s['ended_at'])}: checkpoints need an active session")
    quality = measure_quality(ms, s["project"], uncommitted=_uncommitted(_root(ms, s)), metrics=metrics)
    report = None
    if conversation is not None and conversation.strip():
        report = capture_insights(ms, conversation, session_id=s["id"])
    ts = now()
    with ms.analytics.transaction():
        _record_checkpoint(ms, s["id"], s["project"], ts, quality, "checkpoint")
    return Checkpoint(s["id"], s["project"], iso(ts), quality.score, quality.components, report)


def end_session(ms: MemoryStore, session_id: str | None = None, *, summary: str | None = None,
                path=None) -> SessionEnd:
    s = current_session(ms, session_id, path)
    if s["status"] != "active":
        raise InvalidArgument(f"session '{s['id']}' already ended at {iso(s['ended_at'])}; nothing changed")
    if summary is not None:
        summary = check_text(summary, what="session summary", limit=MAX_SUMMARY_BYTES)
    root = _root(ms, s)
    g = gitinfo.state(root)
    start = (ms.session_events(s["id"], "start") or [{"attrs": {}}])[0]["attrs"]
    before = start.get("dirty", {})
    changes = gitinfo.changes_since(root, s["head_start"]) if gitinfo.git_root(root) else {}
    changes = {p: c for p, c in changes.items() if p not in before or gitinfo.fingerprint(root, p) != before[p]}
    quality = measure_quality(ms, s["project"], uncommitted=_uncommitted(root))
    ts = now()
    touched = link_touched_plan(ms, s["project"], _shown(changes))
    session = _with(s, ended_at=ts, status="ended", head_end=g.head, quality_end=quality.score, summary=summary)
    text = handoff_markdown(ms, session, touched, quality)
    target = handoff_path(ms, s["project"], s["id"])
    tmp = _write_tmp(target, text)
    try:
        with ms.write():
            if ms.graph.rows("MATCH (s:Session {id: $id}) RETURN s.status", {"id": s["id"]})[0][0] != "active":
                raise InvalidArgument(f"session '{s['id']}' was ended meanwhile; nothing changed")
            ms.run("end_session", {"id": s["id"], "ended_at": ts, "head_end": g.head, "quality_end": quality.score,
                                   "summary": summary})
            write_touched(ms, s["id"], s["project"], touched)
            _record_checkpoint(ms, s["id"], s["project"], ts, quality, "end")
            ms.sync_document("session", s["id"])
        if tmp is not None:
            try:
                tmp.replace(target)
            except OSError as exc:
                raise StoreError(f"session {s['id']} ended, but its handoff could not be moved into place "
                                 f"({target}): {exc.strerror}", path=str(target)) from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return SessionEnd(session, touched, str(target) if target else None, text)


def get_session(ms: MemoryStore, session_id: str) -> Session:
    return _session(ms.session(session_id))


def session_status(ms: MemoryStore, session_id: str | None = None, *, path=None) -> dict:
    s = current_session(ms, session_id, path)
    out = {"session": _session(s).__dict__,
           "touched": ms.rows("sessions.touched", id=s["id"]),
           "memories": [{"id": m["id"], "kind": m["kind"].lower(), "title": title_of(m["content"])}
                        for m in ms.rows("sessions.memories", id=s["id"])],
           "checkpoints": [{"ts": iso(r[0]), "score": r[1]} for r in ms.analytics.rows(
               "SELECT ts, score FROM checkpoints WHERE session_id = ? ORDER BY ts", [s["id"]])]}
    if s["status"] == "active":           # what would be linked if it ended now
        root = _root(ms, s)
        out["changes_so_far"] = _shown(gitinfo.changes_since(root, s["head_start"])) if gitinfo.git_root(root) else {}
    return out


def list_sessions(ms: MemoryStore, *, project: str | None = None, limit: int = 20) -> list[Session]:
    if limit < 1:
        raise InvalidArgument("limit must be at least 1")
    if project is not None:
        ms.require_project(project)
    return [_session(ms.session(r["id"])) for r in ms.rows("sessions.list", project=project, limit=limit)]


# -- touched files, documents, handoff ---------------------------------------------------------------------
def link_touched_plan(ms: MemoryStore, project: str, changes: dict[str, str]) -> tuple[Touched, ...]:
    paths = ms.symbols(project).paths
    return tuple(Touched(p, c, p in paths) for p, c in sorted(changes.items()))


def write_touched(ms: MemoryStore, session_id: str, project: str, touched) -> None:
    for t in touched:
        if t.in_graph:
            ms.run("touched", {"session": session_id, "file": f"{project}:{t.path}", "change": t.change})


def handoff_path(ms: MemoryStore, project: str, session_id: str) -> Path | None:
    return None if ms.gb.path is None else Path(ms.gb.path) / "handoffs" / project / f"{session_id}.md"


def handoff_markdown(ms: MemoryStore, s: Session, touched, quality: Quality | None) -> str:
    lines = [f"# Handoff: session {s.id}", "",
             f"- project: {s.project}", f"- agent: {s.agent or '-'}", f"- branch: {s.branch or '-'}",
             f"- started: {s.started_at}", f"- ended: {s.ended_at}",
             f"- HEAD: {(s.head_start or '-')[:12]} -> {(s.head_end or '-')[:12]}",
             f"- quality: {_fmt(s.quality_start)} -> {_fmt(s.quality_end)}", "", "## Summary", "",
             s.summary or "(no summary given)", "", "## Files touched", ""]
    lines += [f"- {t.change}: `{t.path}`" + ("" if t.in_graph else " (not in the code graph)") for t in touched]
    if not touched:
        lines.append("(none)")
    if quality is not None:
        lines += ["", "## Quality at the end", "", "| signal | score | weight | detail |", "|---|---|---|---|"]
        lines += [f"| {k} | {v['score']} | {v['weight']} | {v['detail']} |" for k, v in quality.components.items()]
    memories = ms.rows("sessions.memories", id=s.id)
    lines += ["", "## Insights and reflections captured", ""]
    lines += [f"- {m['kind'].lower()} `{m['id'][:12]}`: {title_of(m['content'])}" for m in memories] or ["(none)"]
    return "\n".join(lines) + "\n"


# -- helpers -----------------------------------------------------------------------------------------------
def _root(ms: MemoryStore, s: dict) -> Path:
    start = ms.session_events(s["id"], "start")
    root = start[0]["attrs"].get("root") if start else None
    return Path(root or ms.require_project(s["project"])["root"])


def _shown(changes: dict[str, str]) -> dict[str, str]:
    """Paths as shown and stored: git names files in bytes (read with surrogateescape); a name that is not UTF-8
    cannot be written to the handoff, JSON or the stores, so its bad bytes become U+FFFD (Kùzu refuses such a
    str too, so it never names a File node to link)."""
    return {valid_unicode(p): c for p, c in changes.items()}


def _uncommitted(root: Path) -> int:
    head = gitinfo.state(root).head
    return len(gitinfo.changes_since(root, head)) if head else 0


def _write_tmp(target: Path | None, text: str) -> Path | None:
    if target is None:
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".md.tmp")
        tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write handoff {target}: {exc.strerror}; nothing changed", path=str(target)) from None
    return tmp


def _session(row: dict) -> Session:
    return Session(id=row["id"], project=row["project"], agent=row["agent"], status=row["status"],
                   branch=row["branch"], head_start=row["head_start"], head_end=row["head_end"],
                   started_at=iso(row["started_at"]), ended_at=iso(row["ended_at"]),
                   quality_start=row["quality_start"], quality_end=row["quality_end"], summary=row["summary"],
                   source=row["source"])


def _with(row: dict, **changes) -> Session:
    return _session({**row, **changes})


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.1f}"
