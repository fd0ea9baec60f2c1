"""Rows of the DuckDB `documents` table: writing them (code symbols, and a small helper for tests and
benchmarks), and keeping code documents in step with the code graph after each index run."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from ..store.analytics import sql_literal
from .timephrase import utc_now

log = logging.getLogger(__name__)

CODE_KIND = "code"
MEMORY_KINDS = ("reflection", "insight", "session")
COLUMNS = ("id", "kind", "project", "session_id", "tags", "title", "content", "content_hash", "created_at",
           "updated_at", "votes", "attrs")


def content_hash(text: str) -> str:
    """The key of the embeddings cache: sha256 of the text that is embedded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    id: str
    kind: str
    content: str
    project: str | None = None
    title: str | None = None
    tags: tuple[str, ...] = ()
    session_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    votes: int = 0
    attrs: dict = field(default_factory=dict)

    def row(self, now: datetime) -> dict:
        return {"id": self.id, "kind": self.kind, "project": self.project, "session_id": self.session_id,
                "tags": list(self.tags), "title": self.title, "content": self.content,
                "content_hash": content_hash(self.content), "created_at": self.created_at or now,
                "updated_at": self.updated_at or self.created_at or now, "votes": self.votes,
                "attrs": json.dumps(self.attrs)}


def upsert_documents(analytics, docs: list[Document]) -> int:
    """Insert or replace rows by id (internal: mem-capture owns the reflection API; tests and benches use this)."""
    with analytics.transaction():
        return _write_documents(analytics, docs)


def _write_documents(analytics, docs: list[Document]) -> int:
    if not docs:
        return 0
    import pyarrow as pa

    now = utc_now()
    table = pa.Table.from_pylist([d.row(now) for d in docs], schema=_schema())
    delete_documents(analytics, [d.id for d in docs])
    analytics.insert_arrow("documents", table)
    return len(docs)


INLINE_IDS = 64     # ids deleted by a statement that names them (a delta's): the primary-key index finds each


def delete_documents(analytics, ids: list[str]) -> None:
    """Delete documents by id. A few ids are written into the statement: the primary-key index then answers
    each (0.6 ms for 3 of 72k rows), where a bound list is scanned for (1.2 ms)."""
    if not ids:
        return
    if len(ids) <= INLINE_IDS:
        analytics.execute("DELETE FROM documents WHERE id IN (" + ",".join(map(sql_literal, ids)) + ")")
    else:
        analytics.execute("DELETE FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids])


def _write_code_table(analytics, project: str, docs, *, replace: bool) -> None:
    import pyarrow as pa

    n = docs.num_rows
    now = pa.array([utc_now()] * n, pa.timestamp("us"))
    table = pa.table({"id": docs["id"], "kind": pa.array([CODE_KIND] * n, pa.string()),
                      "project": pa.array([project] * n, pa.string()),
                      "session_id": pa.nulls(n, pa.string()), "tags": pa.nulls(n, pa.list_(pa.string())),
                      "title": docs["title"], "content": docs["content"], "content_hash": docs["content_hash"],
                      "created_at": now, "updated_at": now, "votes": pa.array([0] * n, pa.int32()),
                      "attrs": docs["attrs"]}, schema=_schema())
    if replace:
        delete_documents(analytics, docs["id"].to_pylist())
    analytics.insert_arrow("documents", table)


def _schema():
    import pyarrow as pa

    return pa.schema([("id", pa.string()), ("kind", pa.string()), ("project", pa.string()),
                      ("session_id", pa.string()), ("tags", pa.list_(pa.string())), ("title", pa.string()),
                      ("content", pa.string()), ("content_hash", pa.string()), ("created_at", pa.timestamp("us")),
                      ("updated_at", pa.timestamp("us")), ("votes", pa.int32()), ("attrs", pa.string())])


def code_text(name: str | None, qualified_name: str | None, signature: str | None, docstring: str | None) -> str:
    """What code search embeds and indexes for a symbol: its name (unless the qualified name holds it),
    qualified name, signature and docstring, one per line, empty ones left out."""
    text = qualified_name or name or ""
    if name and name not in text:
        text = f"{name}\n{text}" if text else name
    if signature:
        text = f"{text}\n{signature}" if text else signature
    if docstring and (doc := docstring.strip()):
        text = f"{text}\n{doc}" if text else doc
    return text


@dataclass(frozen=True)
class CodeSync:
    project: str
    added: int
    changed: int
    removed: int
    unchanged: int


CODE_COLUMNS = ("id", "content", "content_hash", "title", "attrs")


# A symbol as `code_documents` reads it: the columns of the `memory.search_code_symbols` query, in order.
SYMBOL_FIELDS = ("id", "label", "kind", "name", "qualified_name", "signature", "docstring", "file", "start_line")


def code_documents(symbols):
    """The code documents of these Function/Class symbols (SYMBOL_FIELDS tuples; module bodies skipped), as
    an Arrow table with CODE_COLUMNS. Built where the symbols are (an index's parse workers, in bulk):
    tuples in, one row tuple per document, columns made once at the end."""
    import pyarrow as pa

    rows = []
    append = rows.append
    file_json = last_file = None
    for did, label, kind, name, qn, signature, docstring, file, line in symbols:
        if kind == "module":
            continue
        text = code_text(name, qn, signature, docstring)
        if file != last_file:                  # symbols come file by file
            file_json, last_file = json.dumps(file), file
        # labels and kinds are plain words: only the file id needs JSON escaping (~3x faster than json.dumps)
        append((did, text, content_hash(text), qn or name,
                f'{{"file":{file_json},"line":{line},"symbol":"{label}","symbol_kind":"{kind}"}}'))
    columns = list(zip(*rows)) if rows else [()] * len(CODE_COLUMNS)
    return pa.table({c: pa.array(v, pa.string()) for c, v in zip(CODE_COLUMNS, columns)})


def code_documents_in_graph(graph, project: str):
    """`code_documents` of the project's nodes, read from the graph (for a store whose documents lag it)."""
    from .. import queries

    q = queries.get("memory.search_code_symbols")
    table = graph.read_only(q.text, q.bind({"project": project}))
    return code_documents(zip(*(table[c].to_pylist() for c in SYMBOL_FIELDS)))


def _stamps(rows) -> dict[str, tuple[str, str]]:
    """id -> (content hash, attrs) of stored code documents: a symbol that moved keeps its text (and its
    embedding, cached by content hash) but its document is rewritten for the new line in attrs."""
    return {i: (h, a) for i, h, a in rows}


def sync_code_documents(analytics, project: str, docs, *, paths: list[str] | None = None,
                        old_ids: list[str] | None = None) -> CodeSync:
    """Make the project's `code` documents equal its Function/Class nodes: new and changed symbols are
    (re)written (a moved one too: its line is in attrs), vanished ones deleted, unchanged ones untouched.
    `docs`: the `code_documents` of the nodes an index run wrote. `paths`: the files (relative paths) whose
    symbols these are, as after a delta; None: the whole project. `old_ids`: with `paths`, the ids their
    stored documents can have (their nodes before the run): looked up by key instead of scanned for.
    Called once at the end of every index run; embedding is left to the first search or `embed_pending`."""
    if paths is None:
        old = _stamps(analytics.rows("SELECT id, content_hash, attrs FROM documents "
                                     "WHERE kind = ? AND project = ?", [CODE_KIND, project]))
    elif not paths:
        return CodeSync(project, 0, 0, 0, 0)
    elif old_ids is not None:
        # inline keys and nothing else in the WHERE: then the primary-key index answers each (~5x faster than
        # the prefix scan over 75k rows; bound parameters, or `AND kind = ...`, lose the index)
        rows = analytics.rows("SELECT id, content_hash, attrs, kind FROM documents WHERE id IN ("
                              + ",".join(map(sql_literal, old_ids)) + ")") if old_ids else []
        old = _stamps(r[:3] for r in rows if r[3] == CODE_KIND)
    elif len(paths) <= 64:
        # a symbol's id starts with its file's id: a prefix test, no JSON to parse on every code row; attrs
        # starts with the file id too (`code_documents`), which tells `a.py` from `a.py:x.py`
        old = _stamps(analytics.rows(
            "SELECT id, content_hash, attrs FROM documents WHERE kind = ? AND project = ? AND ("
            + " OR ".join(["(starts_with(id, ?) AND starts_with(attrs, ?))"] * len(paths)) + ")",
            [CODE_KIND, project, *(v for p in paths for v in (f"{project}:{p}:",
                                                             '{"file":' + json.dumps(f"{project}:{p}") + ","))]))
    else:
        old = _stamps(analytics.rows(
            "SELECT id, content_hash, attrs FROM documents WHERE kind = ? AND project = ? "
            "AND json_extract_string(attrs, '$.file') IN (SELECT unnest(?::VARCHAR[]))",
            [CODE_KIND, project, [f"{project}:{p}" for p in paths]]))
    ids = docs["id"].to_pylist()
    fresh = docs
    if old:
        import pyarrow as pa

        new = zip(docs["content_hash"].to_pylist(), docs["attrs"].to_pylist())
        keep = [old.get(i) != stamp for i, stamp in zip(ids, new)]
        fresh = docs.filter(pa.array(keep, pa.bool_()))
    gone = sorted(set(old).difference(ids))
    with analytics.transaction():
        delete_documents(analytics, gone)
        if fresh.num_rows:
            _write_code_table(analytics, project, fresh, replace=bool(old))
    added = sum(1 for i in fresh["id"].to_pylist() if i not in old) if old else fresh.num_rows
    report = CodeSync(project, added, fresh.num_rows - added, len(gone), len(ids) - fresh.num_rows)
    log.info("code documents %s: +%d ~%d -%d =%d", project, report.added, report.changed, report.removed,
             report.unchanged)
    return report
