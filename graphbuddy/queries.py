"""Named queries: `queries/<domain>/*.cypher` (Kùzu) and `queries/<domain>/*.sql` (DuckDB) files holding
blocks like

    // name: callers
    // description: Functions calling a function
    // params: id STRING, limit INT64 = 100
    MATCH ... ;

(`--` instead of `//` in .sql files). A block's full name is `<domain>.<name>` (e.g. `code.callers`,
`analytics.velocity`). Parameters are declared with a type (STRING, INT64, DOUBLE, BOOLEAN, DATE, TIMESTAMP,
STRING[]), for a STRING optionally the values it may take (`bucket STRING {hour|day|week} = day`: any case,
passed on in lower case), for an integer optionally its range (`limit INT64 {0..} = 20`, `depth INT64 {1..10}`),
and an optional default; values from the CLI arrive as strings and are converted
here, values from Python are checked against the declared type.
"""
from __future__ import annotations

import numbers
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .config import package_data_dir
from .errors import InvalidArgument, QueryError, ReadOnlyViolation

_HEADER = re.compile(r"^(?://|--)\s*(name|description|params):\s*(.*)$")
_COMMENT = {"cypher": "//", "sql": "--"}
_PARAM = re.compile(r"^\s*(\w+)\s+([A-Z0-9_\[\]]+)\s*(?:\{([\w|\s.-]+)\})?\s*(?:=\s*(.+?))?\s*$")
_RANGE = re.compile(r"^\s*(-?\d+)?\s*\.\.\s*(-?\d+)?\s*$")
_INTS = ("INT64", "INT32", "INT")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    required: bool = True
    choices: tuple[str, ...] = ()      # the values a STRING may take (lower case), () for any
    bounds: tuple[int | None, int | None] = (None, None)     # an integer's lowest and highest value

    def declaration(self) -> str:
        """As declared: `bucket STRING {hour|day} = day`."""
        return f"{self.name} {self.type}{self.restriction()}" + ("" if self.required else f" = {self.default}")

    def restriction(self) -> str:
        """` {a|b}` or ` {0..}` as declared, "" when there is none."""
        if self.choices:
            return " {" + "|".join(self.choices) + "}"
        low, high = self.bounds
        if low is None and high is None:
            return ""
        return " {" + ("" if low is None else str(low)) + ".." + ("" if high is None else str(high)) + "}"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    text: str
    source: str
    language: str = "cypher"       # cypher (Kùzu graph) | sql (DuckDB analytics)

    def bind(self, values: dict[str, Any]) -> dict[str, Any]:
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise QueryError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}; "
                             f"declared: {', '.join(declared) or 'none'}", query=self.name)
        out = {}
        for p in self.params:
            if p.name in values:
                out[p.name] = convert(p, values[p.name])
            elif p.required:
                raise QueryError(f"{self.name}: missing parameter '{p.name}' ({p.type})", query=self.name)
            else:
                out[p.name] = p.default
        return out


# Where `$name` placeholders cannot be: strings, quoted identifiers, comments. Per language: `--` starts a SQL
# comment but is a Cypher arrow (`(a)-->(b)`); Cypher strings take backslash escapes, SQL ones double quotes.
_NOT_CODE = {"cypher": re.compile(r"'(?:''|\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S),
             "sql": re.compile(r"'(?:''|[^'])*'|\"(?:\"\"|[^\"])*\"|--[^\n]*|/\*.*?\*/", re.S)}
_PLACEHOLDER = re.compile(r"\$([A-Za-z_]\w*)")


def parameter_names(text: str, language: str = "cypher") -> list[str]:
    """The `$name` placeholders of a Cypher or SQL text, in order, without duplicates."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(_NOT_CODE[language].sub(" ", text))))


_POSITIONAL = re.compile(r"\?|\$\d")


def check_parameters(text: str, params: dict[str, Any], language: str = "cypher") -> None:
    """User Cypher's or SQL's parameters match its placeholders: Kùzu runs a `$name` without a value as NULL
    (a silent empty answer) and reports a value for no placeholder as "Parameter x not found"; DuckDB's words
    for either ("Parameter argument/count mismatch, identifiers of the excess parameters") name neither side.
    SQL with positional placeholders (`?`, `$1`) is left to DuckDB."""
    if language == "sql" and _POSITIONAL.search(_NOT_CODE["sql"].sub(" ", text)):
        return
    used = parameter_names(text, language)
    missing = [n for n in used if n not in params]
    if missing:
        raise QueryError(f"no value given for {', '.join('$' + n for n in missing)}", query=text)
    unused = [n for n in params if n not in used]
    if unused:
        uses = ", ".join("$" + n for n in used) or "none"
        raise QueryError(f"parameter(s) {', '.join(unused)} not used by the query (it uses {uses})", query=text)


def convert(p: Param, value: Any) -> Any:
    if value is None:
        return None
    if p.choices:
        # checked here: the database's own words for a value it cannot use name neither the parameter nor
        # the values it takes (DuckDB: 'extract specifier "fortnight" not recognized')
        if not isinstance(value, str) or value.strip().lower() not in p.choices:
            raise InvalidArgument(f"parameter '{p.name}' expects one of {', '.join(p.choices)}; got {value!r}")
        return value.strip().lower()
    if not isinstance(value, str) or p.type in ("DATE", "TIMESTAMP"):
        return _check_type(p, value)
    try:
        if p.type in ("INT64", "INT32", "INT"):
            return _in_range(p, int(value))
        if p.type in ("DOUBLE", "FLOAT"):
            return float(value)
        if p.type == "BOOLEAN":
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("true", "1", "yes")
        if p.type.endswith("[]"):
            return [v.strip() for v in value.split(",") if v.strip()]
    except ValueError:
        raise InvalidArgument(f"parameter '{p.name}' expects {p.type}, got {value!r}") from None
    return value


# numbers.Integral/Real so numpy scalars (values taken from a DataFrame in a notebook) pass too.
_PY_TYPES = {"INT64": (numbers.Integral,), "INT32": (numbers.Integral,), "INT": (numbers.Integral,),
             "DOUBLE": (numbers.Real,), "FLOAT": (numbers.Real,), "BOOLEAN": (bool,), "STRING": (str,)}


def _check_type(p: Param, value: Any) -> Any:
    """A Python value given for a declared parameter: accept it only when it fits the declared type."""
    import datetime as dt

    if p.type in ("DATE", "TIMESTAMP"):
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                raise InvalidArgument(f"parameter '{p.name}' expects {p.type} (ISO date like 2026-11-01), "
                                      f"got {value!r}") from None
        if isinstance(value, dt.date):           # datetime is a date too
            if p.type == "TIMESTAMP" and not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            return value
    elif p.type.endswith("[]"):
        if isinstance(value, (list, tuple)) and all(_fits(p.type[:-2], v) for v in value):
            return list(value)
    elif _fits(p.type, value):
        if p.type in ("INT64", "INT32", "INT"):
            return _in_range(p, int(value))
        return float(value) if p.type in ("DOUBLE", "FLOAT") else value
    raise InvalidArgument(f"parameter '{p.name}' expects {p.type}, got {type(value).__name__} {value!r}")


def _in_range(p: Param, value: int) -> int:
    """An integer the database can take (a bigger one failed inside Kùzu's binding with a pybind11 message)."""
    bits = 32 if p.type == "INT32" else 64
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise InvalidArgument(f"parameter '{p.name}' expects {p.type}, got {value} (out of range)")
    low, high = p.bounds
    if (low is not None and value < low) or (high is not None and value > high):
        # checked here: Kùzu's words ("The number of rows to skip/limit must be a non-negative integer.") name
        # no parameter, and a depth past a query's own bound ran as that bound
        span = f"from {low} to {high}" if low is not None and high is not None else \
            f"of {low} or more" if low is not None else f"of {high} or less"
        raise InvalidArgument(f"parameter '{p.name}' expects {p.type} {span}, got {value}")
    return value


def _fits(typ: str, value: Any) -> bool:
    allowed = _PY_TYPES.get(typ)
    if allowed is None:
        return True                      # a type we do not check (e.g. MAP): the database decides
    if isinstance(value, bool) and bool not in allowed:
        return False                     # True is an int in Python, not an INT64 here
    return isinstance(value, allowed)


def _parse_param(spec: str) -> Param:
    m = _PARAM.match(spec)
    if not m:
        raise QueryError(f"bad parameter declaration: {spec!r}")
    name, typ, restriction, default = m.groups()
    choices: tuple[str, ...] = ()
    bounds: tuple[int | None, int | None] = (None, None)
    if restriction is not None and typ in _INTS:
        r = _RANGE.match(restriction)
        if not r:
            raise QueryError(f"bad parameter declaration: {spec!r} (an integer's range is {{low..high}})")
        bounds = tuple(None if b is None else int(b) for b in r.groups())
    elif restriction is not None:
        choices = tuple(c.strip().lower() for c in restriction.split("|") if c.strip())
        if typ != "STRING" or not choices:
            raise QueryError(f"bad parameter declaration: {spec!r} (a STRING takes {{a|b}}, an integer {{low..high}})")
    if default is None:
        return Param(name, typ, choices=choices, bounds=bounds)
    p = Param(name, typ, None, False, choices, bounds)
    value = default.strip().strip("'\"")
    return Param(name, typ, None if value == "null" else convert(p, value), False, choices, bounds)


def parse_file(domain: str, text: str, source: str, language: str = "cypher") -> list[NamedQuery]:
    comment = _COMMENT[language]
    out: list[NamedQuery] = []
    header: dict[str, str] = {}
    body: list[str] = []

    def flush():
        if "name" in header:
            cypher = "\n".join(body).strip().rstrip(";").strip()
            params = tuple(_parse_param(s) for s in header.get("params", "").split(",") if s.strip())
            out.append(NamedQuery(f"{domain}.{header['name']}", header.get("description", ""), params, cypher, source,
                                  language))

    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if m:
            if m.group(1) == "name" and "name" in header:
                flush()
                header, body = {}, []
            header[m.group(1)] = m.group(2).strip()
        elif not line.strip().startswith(comment):
            body.append(line)
    flush()
    return out


@lru_cache(maxsize=1)
def catalogue() -> dict[str, NamedQuery]:
    root = package_data_dir("queries")
    out: dict[str, NamedQuery] = {}
    paths = sorted([*root.glob("*/*.cypher"), *root.glob("*/*.sql")])
    for path in paths:
        language = "sql" if path.suffix == ".sql" else "cypher"
        for q in parse_file(path.parent.name, path.read_text(), str(path.relative_to(root)), language):
            if q.name in out:
                raise QueryError(f"duplicate named query {q.name} in {q.source} and {out[q.name].source}")
            out[q.name] = q
    return out


def get(name: str) -> NamedQuery:
    queries = catalogue()
    if name not in queries:
        import difflib

        by_short: dict[str, list[str]] = {}
        for n in queries:
            by_short.setdefault(n.split(".", 1)[1], []).append(n)
        close = difflib.get_close_matches(name, list(queries), n=5, cutoff=0.85)
        for short in difflib.get_close_matches(name.split(".")[-1], list(by_short), n=5, cutoff=0.6):
            close += [n for n in by_short[short] if n not in close]
        hint = f"; did you mean {', '.join(close[:5])}?" if close else "; `graphbuddy query --list` shows them"
        raise QueryError(f"unknown query '{name}'{hint}", query=name)
    return queries[name]


# -- read-only guard for user Cypher ------------------------------------------------------------------------
_WRITE_WORDS = {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "COPY", "LOAD",
                "INSTALL", "ATTACH", "DETACH", "USE", "IMPORT", "EXPORT", "CHECKPOINT", "BEGIN", "COMMIT",
                "ROLLBACK", "TRUNCATE"}
_READ_PROCEDURES = {"SHOW_TABLES", "TABLE_INFO", "SHOW_CONNECTION", "DB_VERSION", "CURRENT_SETTING",
                    "SHOW_FUNCTIONS", "SHOW_INDEXES", "SHOW_WARNINGS"}
# Strings and comments hide nothing from the check: they are blanked. A `backticked` name is kept as a word, so
# CALL `create_fts_index`(...) is seen. Line comments end at \n or \r (the looser of the two readings).
_STRIP = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|`([^`]*)`|//[^\n\r]*|/\*.*?\*/", re.S)


def check_read_only(cypher: str) -> None:
    """Refuse writes before they reach the database (which also runs them in a read-only transaction).

    Conservative: a write keyword anywhere outside strings and comments is refused, even where it would be
    harmless (a property named `set`); CALL is allowed only for procedures on the read list.
    """
    code = _STRIP.sub(lambda m: f" {m.group(1)} " if m.group(1) is not None else " ", cypher)
    if not code.strip().rstrip(";").strip():
        raise QueryError("empty query: give one Cypher statement", query=cypher)
    if ";" in code.strip().rstrip(";"):
        raise ReadOnlyViolation("one statement at a time: ';' separates several statements", query=cypher)
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", code)
    upper = [w.upper() for w in words]
    for i, w in enumerate(upper):
        if w in _WRITE_WORDS:
            raise ReadOnlyViolation(f"read-only: '{words[i]}' writes to the store and is refused", query=cypher)
        if w == "CALL" and (i + 1 >= len(upper) or upper[i + 1] not in _READ_PROCEDURES):
            shown = words[i + 1] if i + 1 < len(upper) else "(none)"
            raise ReadOnlyViolation(f"read-only: procedure '{shown}' is not on the read list", query=cypher)


def _markdown_restriction(p: Param) -> str:
    """` (a \\| b)` or ` (0..)`: the declared values or range, its pipes escaped for a table cell."""
    inner = p.restriction().strip()[1:-1]
    return " (" + inner.replace("|", " \\| ") + ")" if inner else ""


def catalogue_markdown() -> str:
    """docs/queries.md, generated (a test keeps the file in sync)."""
    lines = ["# Named queries", "", "Generated from `queries/` by `graphbuddy.queries.catalogue_markdown()`. "
             "Run one with `graphbuddy query NAME -p k=v` or `gb.query(NAME, k=v)`; `cypher` queries read the "
             "Kùzu graph, `sql` queries the DuckDB analytics tables.", ""]
    domain = None
    for q in catalogue().values():
        if q.name.split(".")[0] != domain:
            domain = q.name.split(".")[0]
            lines += ["", f"## {domain}", "", "| name | store | description | parameters |", "|---|---|---|---|"]
        params = ", ".join(f"`{p.name} {p.type}`" + _markdown_restriction(p)
                           + ("" if p.required else f" = {p.default}") for p in q.params)
        lines.append(f"| `{q.name}` | {q.language} | {q.description} | {params or '-'} |")
    return "\n".join(lines) + "\n"
