"""Find the code a text talks about: files, functions and classes of one project's graph.

Conservative by design (a wrong link is worse than a missing one):
- a path (`shop/core/pricing.py`, optionally `:42` or `:round_cents`) links when it equals a file's path
  or is the path suffix of exactly one file; `:line` adds the innermost function/class spanning the line,
  `:name` the definition of that name in that file (one match only);
- a dotted name (`Order.total`, `shop.core.pricing.round_cents`) links when it is a qualified name, or the
  dotted suffix of exactly one qualified name;
- a backticked identifier (`round_cents`, `round_cents()`) links when exactly one function/class of the
  project has that short name (or the dotted forms above).
Module pseudo-functions (kind `module`) are never linked; their file is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_EXT = (r"py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|kt|rb|php|c|h|cc|cpp|hpp|cs|swift|scala|sh|"
        r"md|json|toml|ya?ml|cfg|ini|sql|html|css")
_PATH = re.compile(r"(?<![\w/.\-])((?:\.{0,2}/)?(?:[\w.\-]+/)*[\w\-][\w.\-]*\.(?:%s))(?::(\d+|[A-Za-z_]\w*))?(?![\w/])"
                   % _EXT)
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?(?![\w(])")
_BACKTICK = re.compile(r"`([A-Za-z_][\w.]*)(?:\([^)`]*\))?`")


@dataclass(frozen=True)
class Mention:
    """A node the text names: its label (File | Function | Class), id, and how it was recognised."""

    label: str
    id: str
    how: str          # explicit | path | path_line | path_symbol | qualified | backtick


@dataclass(frozen=True)
class Symbol:
    label: str
    id: str
    name: str
    qualified_name: str
    file: str
    start_line: int
    end_line: int


class SymbolTable:
    """One project's files and definitions, indexed for the lookups above."""

    def __init__(self, project: str, files: list[str], symbols: list[Symbol]):
        self.project = project
        self.paths = set(files)
        self.ids = {f"{project}:{p}": "File" for p in files} | {s.id: s.label for s in symbols}
        self.by_qname: dict[str, list[Symbol]] = {}
        self.by_name: dict[str, list[Symbol]] = {}
        self.by_file: dict[str, list[Symbol]] = {}
        self.by_suffix: dict[str, list[Symbol]] = {}
        for s in symbols:
            self.by_qname.setdefault(s.qualified_name, []).append(s)
            self.by_name.setdefault(s.name, []).append(s)
            self.by_file.setdefault(s.file, []).append(s)
            parts = s.qualified_name.split(".")
            for i in range(1, len(parts) - 1):          # every dotted suffix with 2+ parts
                self.by_suffix.setdefault(".".join(parts[i:]), []).append(s)
        self.path_suffix: dict[str, list[str]] = {}
        for p in self.paths:
            parts = p.split("/")
            for i in range(1, len(parts)):
                self.path_suffix.setdefault("/".join(parts[i:]), []).append(p)

    def file_id(self, path: str) -> str:
        return f"{self.project}:{path}"

    def find_path(self, text: str) -> str | None:
        while text.startswith("./"):
            text = text[2:]
        if text in self.paths:
            return text
        hits = self.path_suffix.get(text, [])
        return hits[0] if len(hits) == 1 else None

    def find_dotted(self, text: str) -> Symbol | None:
        hits = self.by_qname.get(text) or self.by_suffix.get(text) or []
        return hits[0] if len(hits) == 1 else None

    def find_name(self, text: str) -> Symbol | None:
        if "." in text:
            return self.find_dotted(text)
        hits = self.by_name.get(text, [])
        return hits[0] if len(hits) == 1 else None

    def in_file(self, path: str, *, line: int | None = None, name: str | None = None) -> Symbol | None:
        syms = self.by_file.get(self.file_id(path), [])
        if line is not None:
            spanning = [s for s in syms if s.start_line <= line <= s.end_line]
            return min(spanning, key=lambda s: s.end_line - s.start_line) if spanning else None
        hits = [s for s in syms if s.name == name]
        return hits[0] if len(hits) == 1 else None

    def resolve(self, text: str) -> Mention | None:
        """An explicit `about=` target: a file path, path:line, path:name, qualified or short name, or id."""
        text = text.strip()
        if text in self.ids:                       # a full node id
            return Mention(self.ids[text], text, "explicit")
        m = _PATH.fullmatch(text.strip())
        if m:
            found = self._path_mention(m, "explicit")
            if found:
                return found[-1]
        sym = self.find_name(text.rstrip("()"))
        return Mention(sym.label, sym.id, "explicit") if sym else None

    def _path_mention(self, m: re.Match, how: str | None = None) -> list[Mention]:
        path = self.find_path(m.group(1))
        if path is None:
            return []
        out = [Mention("File", self.file_id(path), how or "path")]
        suffix = m.group(2)
        if suffix:
            sym = self.in_file(path, line=int(suffix)) if suffix.isdigit() else self.in_file(path, name=suffix)
            if sym is not None:
                out.append(Mention(sym.label, sym.id, how or ("path_line" if suffix.isdigit() else "path_symbol")))
        return out

    def find_mentions(self, text: str) -> list[Mention]:
        out: dict[str, Mention] = {}
        covered: list[tuple[int, int]] = []
        for m in _PATH.finditer(text):
            found = self._path_mention(m)
            if found:
                covered.append(m.span())
            for x in found:
                out.setdefault(x.id, x)
        for m in _DOTTED.finditer(text):
            if any(a <= m.start() < b for a, b in covered):
                continue
            sym = self.find_dotted(m.group(1))
            if sym is not None:
                out.setdefault(sym.id, Mention(sym.label, sym.id, "qualified"))
        for m in _BACKTICK.finditer(text):
            sym = self.find_name(m.group(1))
            if sym is not None:
                out.setdefault(sym.id, Mention(sym.label, sym.id, "backtick"))
        return list(out.values())
