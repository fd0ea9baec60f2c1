"""Import agent transcripts: Claude Code JSONL session files, or plain markdown/text.

JSONL: one JSON object per line (`type` user|assistant, `message.content` a string or a list of parts
{type: text|tool_use|tool_result}, `timestamp`, `cwd`, `gitBranch`, `sessionId`). Lines that are not JSON
objects are skipped and counted. Other line types (summary, system, ...) are read for their timestamps only.
Files edited (tool_use of Edit, Write, MultiEdit, NotebookEdit: input `file_path`, `path` or `notebook_path`)
become TOUCHED edges; files only read do not. Write of a path not read or edited before in the transcript
counts as `added`, every other edit as `modified` (deletions by shell commands are not recognised).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InvalidArgument, NotFound
from .capture import CaptureReport, store_blocks
from .insights import extract_insights
from .sessions import Session, Touched, detect_project, get_session, link_touched_plan, write_touched
from .store import MemoryStore, now
from .store import valid_unicode as _valid       # JSON strings may hold lone surrogates (a cut emoji)

EDIT_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit"}
PATH_KEYS = ("file_path", "path", "notebook_path")
MAX_SUMMARY_CHARS = 1000


@dataclass
class Transcript:
    format: str                                   # claude-jsonl | text
    key: str                                      # the session id it will get
    cwd: str | None = None
    branch: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    assistant_text: list[str] = field(default_factory=list)
    first_prompt: str | None = None
    edits: dict[str, str] = field(default_factory=dict)       # absolute path -> added | modified
    lines: int = 0
    malformed: int = 0
    messages: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportReport:
    session: Session
    format: str
    lines: int
    malformed: int                 # lines skipped: not JSON, or not a JSON object
    messages: dict
    insights: CaptureReport
    touched: tuple[Touched, ...]
    outside_project: int           # edited paths outside the project root (not linked)
    already_imported: bool         # the session existed: only what was missing was added


def parse_transcript(path: Path, data: bytes) -> Transcript:
    text = data.decode("utf-8-sig", "replace")     # -sig: a BOM would make the first line malformed
    digest = hashlib.sha256(data).hexdigest()[:16]
    ts = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None)
    if path.suffix.lower() == ".jsonl" or text.lstrip().startswith("{"):
        t = _parse_jsonl(text, digest)
        if t.started_at is None:        # no readable timestamp: dated by the file, not "now" (re-imports move nothing)
            t.started_at = t.ended_at = ts
        return t
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return Transcript("text", f"text-{digest}", started_at=ts, ended_at=ts, assistant_text=[text],
                      first_prompt=first[:MAX_SUMMARY_CHARS] or None, lines=text.count("\n") + 1)


def _parse_jsonl(text: str, digest: str) -> Transcript:
    t = Transcript("claude-jsonl", "")
    seen_paths: set[str] = set()
    session_key = None
    for line in text.splitlines():
        if not line.strip():
            continue
        t.lines += 1
        try:
            obj = json.loads(line)
        except ValueError:
            t.malformed += 1
            continue
        if not isinstance(obj, dict):
            t.malformed += 1
            continue
        session_key = session_key or _str(obj.get("sessionId"))
        t.cwd = t.cwd or _str(obj.get("cwd"))
        t.branch = t.branch or _str(obj.get("gitBranch"))
        ts = _timestamp(obj.get("timestamp"))
        if ts is not None:
            t.started_at = ts if t.started_at is None else min(t.started_at, ts)
            t.ended_at = ts if t.ended_at is None else max(t.ended_at, ts)
        kind = obj.get("type")
        message = obj.get("message")
        if kind not in ("user", "assistant") or not isinstance(message, dict):
            continue
        t.messages[kind] = t.messages.get(kind, 0) + 1
        for part in _parts(message.get("content")):
            ptype = part.get("type")
            if ptype == "text" and isinstance(part.get("text"), str):
                text = _valid(part["text"])
                if kind == "assistant":
                    t.assistant_text.append(text)
                elif t.first_prompt is None and not text.lstrip().startswith("<"):
                    t.first_prompt = text.strip()[:MAX_SUMMARY_CHARS] or None
            elif ptype == "tool_use" and kind == "assistant" and isinstance(part.get("input"), dict):
                target = next((_valid(part["input"][k]) for k in PATH_KEYS if isinstance(part["input"].get(k), str)),
                              None)
                if target is None:
                    continue
                if part.get("name") in EDIT_TOOLS:
                    if target not in t.edits:
                        new = part.get("name") == "Write" and target not in seen_paths
                        t.edits[target] = "added" if new else "modified"
                seen_paths.add(target)
    t.key = "cc-" + _safe(session_key) if session_key else f"cc-{digest}"
    return t


def import_transcript(ms: MemoryStore, path, *, project: str | None = None, agent: str | None = None) -> ImportReport:
    p = Path(path).expanduser()
    if p.is_dir():
        raise InvalidArgument(f"{p} is a folder: give a transcript file (a .jsonl session file or a text file)")
    if not p.is_file():
        raise NotFound(f"transcript not found: {p}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InvalidArgument(f"cannot read transcript {p}: {exc.strerror}") from None
    if not data.strip():
        raise InvalidArgument(f"transcript {p} is empty: nothing imported")
    t = parse_transcript(p, data)
    if t.format == "claude-jsonl" and t.lines == t.malformed:
        raise InvalidArgument(f"no valid JSON lines in {p} ({t.malformed} malformed): nothing imported")
    if not t.assistant_text and not t.edits and not t.messages and t.format == "text" and not data.strip():
        raise InvalidArgument(f"transcript {p} is empty: nothing imported")
    existing = ms.rows("sessions.get", id=t.key)
    if existing:        # a re-import adds to the session, so within its project (not the files of another one)
        owner = existing[0]["project"]
        if project is not None and project != owner:
            raise InvalidArgument(f"transcript {p} was imported already as session '{t.key}' of project '{owner}', "
                                  f"not '{project}': nothing imported")
        project = owner
    if t.cwd is None and project is None:
        here = p.resolve().parent
        name, root = detect_project(ms, here)
    else:
        name, root = detect_project(ms, t.cwd, project)
    edits, outside = _relative_edits(t.edits, _edit_base(root, t.cwd))
    touched = link_touched_plan(ms, name, edits)
    blocks = extract_insights("\n\x00\n".join(t.assistant_text))
    started, ended = t.started_at or now(), t.ended_at or t.started_at or now()
    agent = agent or ("claude-code" if t.format == "claude-jsonl" else None)
    with ms.write():
        # again inside the write: another writer may have imported it meanwhile (a second CREATE would fail)
        existing = ms.rows_in_write("sessions.get", id=t.key)
        if existing and existing[0]["project"] != name:
            raise InvalidArgument(f"transcript {p} was imported meanwhile as session '{t.key}' of project "
                                  f"'{existing[0]['project']}', not '{name}': nothing imported")
        if existing:
            ms.run("extend_session", {"id": t.key, "ended_at": max(ended, existing[0]["ended_at"] or ended),
                                      "summary": t.first_prompt})
        else:
            ms.run("create_session", {
                "id": t.key, "project": name, "agent": agent,
                "started_at": started, "ended_at": ended, "status": "ended", "branch": t.branch, "head_start": None,
                "head_end": None, "quality_start": None, "summary": t.first_prompt,
                "source": f"transcript:{p.resolve()}"})
        write_touched(ms, t.key, name, touched)
        report = store_blocks(ms, blocks, project=name, session_id=t.key, created_at=ended)
        ms.sync_document("session", t.key)
        ms.event(project=name, session_id=t.key, name="import", value=report.new,
                 attrs={"path": str(p), "lines": t.lines, "malformed": t.malformed, "edits": len(edits)})
    return ImportReport(get_session(ms, t.key), t.format, t.lines, t.malformed, dict(t.messages), report,
                        touched, outside, bool(existing))


def _edit_base(root: Path, cwd: str | None) -> Path:
    """Edited paths are made relative to the project root; when the transcript was recorded elsewhere (its cwd
    is not under the root: another machine or checkout, project named explicitly), to its cwd instead."""
    if cwd is None:
        return root
    where = Path(cwd)
    return root if where == root or root in where.parents else where


def _relative_edits(edits: dict[str, str], base: Path) -> tuple[dict[str, str], int]:
    out, outside = {}, 0
    for raw, change in edits.items():
        full = Path(os.path.normpath(base / raw))          # absolute paths stay as they are
        try:
            rel = full.relative_to(base)
        except ValueError:
            outside += 1
            continue
        out[rel.as_posix()] = change
    return out, outside


def _parts(content) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [c for c in content if isinstance(c, dict)]
    return []


def _timestamp(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts
    except OverflowError:           # year 1 or 9999 pushed out of range by its offset: unreadable
        return None


def _str(value) -> str | None:
    return _valid(value) if isinstance(value, str) and value else None


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:80]
