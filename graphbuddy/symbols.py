"""Symbol look-ups for agents: a definition with its source, its callers and callees."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import InvalidArgument, NotFound
from .paths import resolve_inside

MAX_SNIPPET_LINES = 400
MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SymbolSource:
    id: str
    kind: str                 # Function | Class
    subkind: str | None       # function | method | constructor | class | interface | ...
    name: str
    qualified_name: str
    project: str
    path: str                 # relative to the project root
    language: str | None
    signature: str | None
    docstring: str | None
    start_line: int
    end_line: int
    source: str               # the definition's lines as they are on disk now
    source_truncated: bool
    source_note: str | None   # why the source is missing or may differ (file gone, changed since indexing)

    def as_dict(self) -> dict:
        return asdict(self)


def find_symbol(run, target, *, max_lines: int = 80) -> SymbolSource:
    """The definition of a resolved `related.Target` (a function or class) with its source read from disk."""
    if not 1 <= max_lines <= MAX_SNIPPET_LINES:
        raise InvalidArgument(f"max_lines must be between 1 and {MAX_SNIPPET_LINES}, got {max_lines}")
    if target.kind not in ("Function", "Class"):
        raise InvalidArgument(f"'{target.label}' is a file; give a function or class")
    rows = run("code.symbol", id=target.id)
    if not rows:
        raise NotFound(f"no function or class with id '{target.id}'")
    r = rows[0]
    source, cut, note = _read_lines(r["root"], r["path"], r["start_line"], r["end_line"], max_lines)
    return SymbolSource(r["id"], r["kind"], r["subkind"], r["name"], r["qualified_name"], r["project"], r["path"],
                        r["language"], r["signature"], r["docstring"], r["start_line"], r["end_line"],
                        source, cut, note)


def _read_lines(root: str, path: str, start: int, end: int, max_lines: int) -> tuple[str, bool, str | None]:
    file = resolve_inside(root, path)          # refuses a file that became a link out of the project
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return "", False, "file too large to show"
        lines = file.read_text(errors="replace").splitlines()
    except OSError as exc:
        return "", False, f"source not readable: {exc.strerror}"
    last = min(end, start + max_lines - 1)
    note = "file is shorter than when indexed; re-index the project" if end > len(lines) else None
    return "\n".join(lines[start - 1:last]), last < end, note


def find_call_edges(run, target, *, direction: str, limit: int) -> list[dict]:
    """Callers (`direction='in'`) or callees (`'out'`) of a function, one hop, at most `limit` rows."""
    if target.kind != "Function":
        raise InvalidArgument(f"'{target.label}' is a {target.kind.lower()}; give a function or method")
    rows = run("code.callers" if direction == "in" else "code.callees", id=target.id)
    return rows[:limit]
