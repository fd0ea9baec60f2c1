"""The write side of memory: graph + `documents` row together, the symbol table cache, events.

Consistency: `MemoryStore.write()` opens a DuckDB transaction, then the Kùzu transaction; the graph is
written first and the document rows right after, still inside both. Any failure rolls both back; Kùzu
commits first, DuckDB last (an in-process DuckDB commit of a few rows is the only step after the graph
commit). So a memory exists in both stores or in neither.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from .. import queries
from ..errors import InvalidArgument, NotFound
from .mentions import Symbol, SymbolTable

SOURCES = ("Reflection", "Insight")
# A lone UTF-16 surrogate ("\ud83d": an emoji cut in half, from JSON or a CLI argument of invalid UTF-8) makes a
# str that cannot be encoded as UTF-8: Kùzu, DuckDB and hashing refuse it. Replaced like undecodable bytes are.
_SURROGATE = re.compile("[\ud800-\udfff]")
TARGETS = ("Project", "File", "Function", "Class")
SHORT_ID_MIN = 8        # hex digits of a reflection or insight id that may stand for the whole (sha256) id


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso(ts: datetime | None) -> str | None:
    return ts.isoformat(timespec="seconds") if ts is not None else None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _writes() -> dict[str, str]:
    path = Path(__file__).with_name("writes.cypher")
    return {q.name.split(".", 1)[1]: q.text for q in queries.parse_file("write", path.read_text(), path.name)}


def write_cypher(name: str, *, source: str | None = None, target: str | None = None) -> str:
    text = _writes()[name]
    if source is not None:
        assert source in SOURCES, source
        text = text.replace("_Source_", source)
    if target is not None:
        assert target in TARGETS, target
        text = text.replace("_Target_", target)
    return text


@dataclass(frozen=True)
class Document:
    """One row of DuckDB `documents` (the searchable text of a memory, same id as its Kùzu node)."""

    id: str
    kind: str                 # reflection | insight | session
    project: str | None
    session_id: str | None
    tags: tuple[str, ...]
    title: str
    content: str
    created_at: datetime
    updated_at: datetime
    votes: int = 0
    attrs: dict = field(default_factory=dict)


def title_of(text: str, width: int = 80) -> str:
    first = next((ln.strip(" \t#*->") for ln in text.splitlines() if ln.strip(" \t#*->")), "")
    return first if len(first) <= width else first[: width - 1] + "…"


class MemoryStore:
    """Memory writes and the lookups they need, over one GraphBuddy's two stores."""

    def __init__(self, gb):
        self.gb = gb
        self.graph = gb.graph
        self.analytics = gb.analytics
        self._tables: dict[str, tuple[Any, SymbolTable]] = {}
        self._writer: int | None = None      # thread holding the write pair (nested writes join it)

    # -- reads -----------------------------------------------------------------------------------------------
    def rows(self, name: str, **params: Any) -> list[dict]:
        return self.gb.query(name, **params).rows()

    def projects(self) -> dict[str, dict]:
        return {p["project"]: p for p in self.rows("code.projects")}

    def require_project(self, project: str) -> dict:
        known = self.projects()
        if project not in known:
            hint = f" (indexed: {', '.join(sorted(known))})" if known else ""
            raise NotFound(f"unknown project '{project}': index it first with `graphbuddy index PATH`{hint}")
        return known[project]

    def symbols(self, project: str) -> SymbolTable:
        """The project's symbol table, rebuilt when the project was re-indexed."""
        stamp = self.projects().get(project, {}).get("indexed_at")
        cached = self._tables.get(project)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        syms = [Symbol(r["label"], r["id"], r["name"], r["qualified_name"], r["file"], r["start_line"] or 0,
                       r["end_line"] or 0) for r in self.rows("memory.project_symbols", project=project)]
        table = SymbolTable(project, [r["path"] for r in self.rows("memory.project_files", project=project)], syms)
        self._tables[project] = (stamp, table)
        return table

    def session(self, session_id: str) -> dict:
        rows = self.rows("sessions.get", id=session_id)
        if not rows:
            raise NotFound(f"unknown session '{session_id}'")
        return rows[0]

    def totals(self, label: str, project: str | None) -> dict:
        """{"project", "<label>s": count, "votes", "linked_to_code"} for Reflection or Insight."""
        if project is not None:
            self.require_project(project)
        row = next((r for r in self.rows("memory.memory_totals", project=project) if r["kind"] == label), {})
        return {"project": project, f"{label.lower()}s": int(row.get("n") or 0), "votes": int(row.get("votes") or 0),
                "linked_to_code": int(row.get("linked_to_code") or 0)}

    def session_project(self, session_id: str, project: str | None) -> str:
        """The project of a session; an explicit `project` that differs from it is an error."""
        session = self.session(session_id)
        if project is not None and project != session["project"]:
            raise InvalidArgument(f"session '{session_id}' belongs to project '{session['project']}', "
                                  f"not '{project}'")
        return session["project"]

    def full_id(self, item_id: str) -> str:
        """`item_id`, or the one reflection or insight id it starts (8 to 63 hex digits: `graphbuddy insights`
        prints 12); several are an InvalidArgument listing them, none leaves `item_id` to the caller's NotFound."""
        if not isinstance(item_id, str) or not SHORT_ID_MIN <= len(item_id) < 64 \
                or item_id.strip("0123456789abcdef"):
            return item_id
        ids = [r["id"] for r in self.rows("memory.ids_with_prefix", prefix=item_id)]
        if len(ids) > 1:
            raise InvalidArgument(f"'{item_id}' starts several ids ({', '.join(i[:16] for i in ids)}): give more of it")
        return ids[0] if ids else item_id

    def label_of(self, item_id: str) -> str:
        for label in SOURCES:
            if self.graph.rows(f"MATCH (m:{label} {{id: $id}}) RETURN count(*)", {"id": item_id})[0][0]:
                return label
        raise NotFound(f"no reflection or insight with id '{item_id}'")

    # -- writes ----------------------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator["MemoryStore"]:
        """Both stores or neither: DuckDB transaction around the Kùzu one (see the module docstring)."""
        if self._writer == threading.get_ident():       # nested: joins the outer pair of transactions
            yield self
            return
        with self.analytics.transaction(), self.graph.transaction():
            self._writer = threading.get_ident()
            try:
                yield self
            finally:
                self._writer = None

    def run(self, name: str, params: dict, *, source: str | None = None, target: str | None = None):
        return self.graph.rows(write_cypher(name, source=source, target=target), params)

    def link_about(self, source: str, item_id: str, mentions, project: str | None) -> None:
        if project is not None:
            self.run("about", {"id": item_id, "target": project, "how": "project"}, source=source, target="Project")
        for m in mentions:
            self.run("about", {"id": item_id, "target": m.id, "how": m.how}, source=source, target=m.label)

    def rows_in_write(self, name: str, **params: Any) -> list[dict]:
        """A named query on the write connection: inside `write()` it sees the open transaction's changes."""
        q = queries.get(name)
        return self.graph.arrow(q.text, q.bind(params)).to_pylist()

    def build_document(self, kind: str, item_id: str) -> Document | None:
        """The `documents` row a node should have (None: the node is gone, or a session without summary)."""
        if kind == "session":
            rows = self.rows_in_write("sessions.get", id=item_id)
            if not rows or not rows[0]["summary"]:
                return None
            s = rows[0]
            return Document(s["id"], "session", s["project"], s["id"], (),
                            f"session {s['id']}" + (f" on {s['branch']}" if s["branch"] else ""), s["summary"],
                            s["started_at"], s["ended_at"] or s["started_at"], 0,
                            {"agent": s["agent"], "branch": s["branch"], "status": s["status"], "source": s["source"]})
        rows = self.rows_in_write(f"memory.{kind}", id=item_id)
        if not rows:
            return None
        r = rows[0]
        first_session = min(r["sessions"] or [None], key=lambda x: x or "")
        about = sorted(r["about"] or ())
        if kind == "reflection":
            return Document(r["id"], kind, r["project"], first_session, tuple(r["tags"] or ()), title_of(r["content"]),
                            r["content"], r["created_at"], r["updated_at"] or r["created_at"], r["votes"] or 0,
                            {"about": about})
        return Document(r["id"], kind, r["project"], first_session, tuple(r["topics"] or ()), title_of(r["content"]),
                        r["content"], r["created_at"], r["created_at"], r["votes"] or 0,
                        {"type": r["type"], "topics": list(r["topics"] or ()), "confidence": r["confidence"],
                         "about": about})

    def sync_document(self, kind: str, item_id: str) -> None:
        """Make the node's `documents` row match the graph (call inside `write()`, after the graph writes)."""
        doc = self.build_document(kind, item_id)
        if doc is None:
            self.delete_document(item_id)
        else:
            self.upsert_document(doc)

    def upsert_document(self, doc: Document) -> None:
        self.analytics.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [doc.id, doc.kind, doc.project, doc.session_id, list(doc.tags), doc.title, doc.content,
             sha256(doc.content), doc.created_at, doc.updated_at, doc.votes, json.dumps(doc.attrs, default=str)])

    def delete_document(self, doc_id: str) -> None:
        self.analytics.execute("DELETE FROM documents WHERE id = ?", [doc_id])

    def event(self, *, project: str | None, session_id: str | None, name: str, value: float | None = None,
              attrs: dict | None = None, ts: datetime | None = None) -> None:
        self.analytics.execute("INSERT INTO events VALUES (?, ?, 'session', ?, ?, ?, ?)",
                               [ts or now(), project, session_id, name, value, json.dumps(attrs or {}, default=str)])

    def session_events(self, session_id: str, name: str) -> list[dict]:
        rows = self.analytics.rows("SELECT ts, value, attrs FROM events WHERE kind = 'session' AND session_id = ? "
                                   "AND name = ? ORDER BY ts", [session_id, name])
        return [{"ts": r[0], "value": r[1], "attrs": json.loads(r[2]) if r[2] else {}} for r in rows]


def valid_unicode(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def check_text(text: Any, *, what: str, limit: int) -> str:
    """Stripped text, or a one-line InvalidArgument for empty/whitespace/oversized input."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument(f"{what} is empty: give some text")
    text = valid_unicode(text.strip())
    size = len(text.encode("utf-8"))
    if size > limit:
        raise InvalidArgument(f"{what} is {size:,} bytes; the limit is {limit:,} bytes ({limit // 1024} KB): "
                              f"split it or store a summary")
    return text


def clean_tags(tags) -> tuple[str, ...]:
    if isinstance(tags, str):
        tags = [tags]
    out = set()
    for t in tags or ():
        t = valid_unicode(str(t).strip().lower())
        if not t:
            continue
        if len(t) > 64 or any(c in t for c in ",\n"):
            raise InvalidArgument(f"bad tag {t[:40]!r}: at most 64 characters, no commas or newlines")
        out.add(t)
    return tuple(sorted(out))


