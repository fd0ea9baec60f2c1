"""Resolve stage: imports to files or external modules, calls to definitions, bases to classes.

Resolution of one file is a pure function of its own facts and of lookups into the project's
`SymbolIndex`. Every lookup records a key, so after an edit the pipeline re-resolves exactly the unchanged
files whose recorded keys the edit touched (`changed_keys`): the delta result then equals a fresh full index.

Keys name what was read, as finely as an edit can be told apart:
  m:<family>:<module key>   which file wins a module key (hits and misses)
  n:<name>                  the project's top-level functions named <name> (global-unique lookups)
  p:<package>               a package-scoped language's package (Go, Java, C#)
  b:<base name>             the classes naming <base name> as a base (subclass candidates)
  t:<path>:<name>           <path>'s top-level binding of <name> (definition or import alias)
  c:<path>:<scope>          the members of class/function <scope> in <path> (name -> first definition)
  q:<path>:<qn>             the definitions of <path> whose qualified name is <qn>
  v:<path>:<scope>          the shared bindings of <scope> in <path> (attribute types, return types)
  i:<path>                  <path>'s star imports
  k:<path>                  <path> exists with this language, module name and adapter hints
  e:<path>                  the node ids of <path> that edges point at (changed when its nodes are rebuilt)
  f:<path>                  anything of <path> (coarse readers: include webs, Ruby requires, JS defaults)
A definition is compared by its surface (`surface`): everything but lines and docstring, so an edit inside a
function body, or one that adds a function, changes only the keys of what it added or changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..languages import adapter_for
from .facts import CALLS, RETURN, Definition, FileFacts, Import, slot_init

CONFIDENCE = {"same_file": 1.0, "scope": 1.0, "same_package": 1.0, "import": 0.95, "self": 0.95, "inherited": 0.9,
              "receiver": 0.85, "typed": 0.8, "override": 0.7,
              "global_unique": 0.5}
_MAX_DEPTH = 8
_EMPTY: dict = {}          # a missing scope's members (never written to)
_CALL_HEAD = re.compile(r"([A-Za-z_$][\w$.]*)\(")         # `A.b(`: a call's callee, then its arguments
_NEW = re.compile(r"(?:new\s+)?")
_CHAIN_STEP = re.compile(r"\s*\.\s*([A-Za-z_$][\w$]*)\(")     # `.c(` after a call: the next call of a chain
_FAILED = object()         # a walk of `resolve_dotted` that names nothing
_UNSET = object()          # no settled memo answer (`Resolver._settled`)


@dataclass(frozen=True, slots=True)
class ImportEdge:
    line: int
    name: str                  # imported member, "*" or "" for the whole module
    target_path: str | None    # a file of the project, or None with `external` set
    external: str | None       # Module id ("python:os.path") when no project file provides it


@slot_init          # the stdlib has ~180,000 call edges (facts.slot_init: a cheaper `__init__`)
@dataclass(frozen=True, slots=True)
class CallEdge:
    caller: str                # `Definition.key` in this file
    callee_path: str
    callee: str                # `Definition.key` in callee_path
    line: int
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class InheritsEdge:
    child: str
    base_path: str
    base: str
    kind: str


@dataclass(frozen=True, slots=True)
class FileResolution:
    path: str
    imports: tuple[ImportEdge, ...]
    calls: tuple[CallEdge, ...]
    inherits: tuple[InheritsEdge, ...]
    unresolved: tuple[tuple[str, str, int], ...]   # (caller, name, line) kept for later binding
    keys: frozenset[str]


class _FileView:
    """Per-file lookups derived from facts: definitions by key (`Definition.key`: the qualified name, but for a
    later class of the same name and its members), children by parent key."""

    __slots__ = ("facts", "by_qn", "children", "top", "imports_by_alias", "star_imports", "bindings")

    def __init__(self, facts: FileFacts):
        self.facts = facts
        self.by_qn: dict[str, Definition] = {}
        self.children: dict[str | None, dict[str, Definition]] = {}
        for d in facts.definitions:
            key = d.key
            known = self.by_qn.get(key)
            if known is None or (d.is_class and not known.is_class):   # a class is the scope its members name
                self.by_qn[key] = d
            if d.kind != "module":
                self.children.setdefault(d.parent, {}).setdefault(d.name, d)
        self.top: dict[str, Definition] = self.children.get(None, _EMPTY)     # top-level names
        self.imports_by_alias: dict[str, Import] = {}
        self.star_imports: list[Import] = []
        for imp in facts.imports:
            if imp.name == "*":
                self.star_imports.append(imp)
            elif imp.alias:
                self.imports_by_alias[imp.alias] = imp
        self.bindings: dict[tuple[str, str], set[str]] = {}
        for b in facts.bindings:
            self.bindings.setdefault((b.scope, b.name), set()).add(b.type_name)

    def top_level(self, name: str) -> Definition | None:
        return self.top.get(name)


class SymbolIndex:
    """The project-wide tables the resolver reads: module keys, top-level names, per-file views.

    `previous`: the index of the project's last run in this process; its per-file views, subclass table, node
    ids and memoised lookups carry over where the edit cannot have changed them (`changed_keys`, the keys
    the pipeline computed for this edit; `changed_paths`, the files added, changed or deleted)."""

    _MEMOS = ("bases_cache", "star_cache", "companion_cache", "subtable_cache", "subclass_cache", "dispatch_cache",
              "members_cache")

    def __init__(self, facts: dict[str, FileFacts], config: dict | None = None, *,
                 previous: "SymbolIndex | None" = None, changed_keys: frozenset[str] = frozenset(),
                 changed_paths: frozenset[str] = frozenset()):
        self.facts = facts
        self.config = config or {}
        self.paths = frozenset(facts)
        kept = previous.module_map_for(facts, changed_paths) if previous is not None else None
        self.module_map = kept if kept is not None else build_module_map(facts)
        self._symbols: dict[str, FileFacts] = {}      # set by `keep_for_next_run`
        # top-level function name -> (path, qualified name) in path order: patched from `previous` when given
        self.function_names, self.function_files = _patch_table(
            {}, {}, facts, set(self.paths), _top_level_functions) if previous is None else _patch_table(
            previous.function_names, previous.function_files, facts, set(changed_paths), _top_level_functions,
            in_place=True)
        self._views: dict[str, _FileView] = {}
        # lookup key -> the memo entries that read it, as (memo, entry key, entry): `_inherit` drops the
        # entries of the changed keys without scanning every memo (entries replaced since are skipped there).
        # Entries remembered in this run wait in `memo_log` until a next run's `_inherit` files them: a run
        # in worker processes never does (its memos die with the workers).
        self.memo_keys: dict[str, list[tuple[dict, object, tuple]]] = {}
        self.memo_log: list[tuple[dict, object, tuple]] = []
        self.memo_refs = 0      # entries in memo_keys' lists and memo_log, live or not
        self.bases_cache: dict[tuple[str, str, tuple[str, ...]], tuple] = {}
        # path -> (files its star imports / companions resolve to, keys read): C include webs ask often
        self.star_cache: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        self.companion_cache: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        self.packages = build_package_map(facts)
        self._subclass_candidates: dict[str, list[tuple[str, Definition]]] | None = None
        self._candidate_files: dict[str, tuple[str, ...]] = {}
        self._go_methods: dict[str, list[tuple[str, Definition]]] | None = None
        self._go_method_files: dict[str, tuple[str, ...]] = {}
        self._package_tables: dict[str, dict] = {}
        self._package_members: dict[str, dict] = {}
        self.subtable_cache: dict[str, tuple] = {}                   # base name -> direct subclasses by base
        self.subclass_cache: dict[tuple[str, str], tuple] = {}      # (class file, class qn) -> subclasses
        self.dispatch_cache: dict[tuple[str, str], tuple] = {}      # (class file, class qn) -> name -> overrides
        self.members_cache: dict[tuple[str, str, str], tuple] = {}  # (resolver file, class file, class qn)
        self.node_ids: dict[str, tuple[tuple[Definition, ...], dict]] = {}    # path -> (definitions, ids): load.py
        self.star_closure_cache: dict[str, tuple | None] = {}          # Resolver._star_closure (this run only)
        self._top_level_files: dict[str, list[tuple[str]]] | None = None
        self._top_level_names: dict[str, tuple[str, ...]] = {}
        if previous is not None:
            self._inherit(previous, changed_keys, changed_paths)

    def _inherit(self, prev: "SymbolIndex", changed_keys: frozenset[str], changed_paths: frozenset[str]) -> None:
        # Every memo entry records the keys its computation read, including the key of what it is about
        # ("q:" of a class, ...), so an entry none of whose keys changed is what recomputing would give. The
        # previous run's tables are taken over (dropping entries in place is cheaper than copying the rest).
        by_key, refs, prev.memo_keys = prev.memo_keys, prev.memo_refs, {}
        for ref in prev.memo_log:
            for key in ref[2][1]:
                refs_of = by_key.get(key)
                if refs_of is None:
                    by_key[key] = [ref]
                else:
                    refs_of.append(ref)
        prev.memo_log = []
        for key in changed_keys:
            dropped = by_key.pop(key, ())
            refs -= len(dropped)
            for memo, k, entry in dropped:
                if memo.get(k) is entry:
                    del memo[k]
        for name in self._MEMOS:
            setattr(self, name, getattr(prev, name))
            setattr(prev, name, {})
        if refs > 8 * sum(len(getattr(self, name)) for name in self._MEMOS) + 100_000:   # mostly dead: rebuild
            by_key, refs = {}, 0
            for name in self._MEMOS:
                memo = getattr(self, name)
                for k, entry in memo.items():
                    refs += len(entry[1])
                    for key in entry[1]:
                        by_key.setdefault(key, []).append((memo, k, entry))
        self.memo_keys, self.memo_refs = by_key, refs
        for path, view in prev._views.items():      # same facts object: same view
            if self.facts.get(path) is view.facts:
                self._views[path] = view
        self.node_ids = {p: v for p, v in prev.node_ids.items() if p not in changed_paths}
        self._package_tables = {k: v for k, v in prev._package_tables.items() if "p:" + k not in changed_keys}
        self._package_members = {k: v for k, v in prev._package_members.items() if "p:" + k not in changed_keys}
        if prev._top_level_files is not None:
            self._top_level_files, self._top_level_names = _patch_table(
                prev._top_level_files, prev._top_level_names, self.facts, set(changed_paths), _top_level_names,
                in_place=True)
        if prev._subclass_candidates is not None:
            self._subclass_candidates, self._candidate_files = _patch_table(
                prev._subclass_candidates, prev._candidate_files, self.facts, set(changed_paths), _named_bases,
                in_place=True)
        if prev._go_methods is not None:
            self._go_methods, self._go_method_files = _patch_table(
                prev._go_methods, prev._go_method_files, self.facts, set(changed_paths), _go_methods, in_place=True)

    def keep_for_next_run(self, symbols: dict[str, FileFacts]) -> "SymbolIndex":
        """Drop what the next run rebuilds anyway (and the call bodies): only what `_inherit` and
        `module_map_for` read stays. `symbols`: the facts this index was built over, minus call bodies."""
        self.facts, self.packages, self._symbols = {}, {}, symbols
        self._views = {p: v for p, v in self._views.items() if symbols.get(p) is v.facts}
        return self

    def module_map_for(self, facts: dict[str, FileFacts], changed_paths) -> dict[str, str] | None:
        """This (last run's) module map when it holds for `facts`: the same files, and each changed one
        declares the same module keys (`build_module_map` would give the same map); else None."""
        if not self._symbols or frozenset(facts) != self.paths:
            return None
        for p in changed_paths:
            old, new = self._symbols.get(p), facts.get(p)
            if old is None or new is None or family(old.language) != family(new.language) \
                    or _declared_keys(old, self.paths) != _declared_keys(new, self.paths):
                return None
        return self.module_map

    def top_level_files(self, name: str) -> list[tuple[str]]:
        """(file,) for each file with a top-level definition named `name`, in path order (built on first use)."""
        if self._top_level_files is None:
            self._top_level_files, self._top_level_names = _patch_table({}, {}, self.facts, set(self.paths),
                                                                        _top_level_names)
        return self._top_level_files.get(name, ())

    def package_table(self, key: str) -> dict[tuple[str | None, str], tuple[str, Definition]]:
        """(parent qualified name, name) -> (file, definition) over a package's files (first file wins)."""
        table = self._package_tables.get(key)
        if table is None:
            table = self._package_tables[key] = {}
            for path in self.packages.get(key, ()):
                for d in self.facts[path].definitions:
                    if d.kind != "module":
                        table.setdefault((d.parent, d.name), (path, d))
        return table

    def package_members(self, key: str) -> dict[str | None, dict[str, tuple[str, Definition]]]:
        """`package_table(key)` grouped by parent: parent qualified name -> name -> (file, definition)."""
        members = self._package_members.get(key)
        if members is None:
            members = self._package_members[key] = {}
            for (parent, name), hit in self.package_table(key).items():
                members.setdefault(parent, {})[name] = hit
        return members

    def subclass_candidates(self) -> dict[str, list[tuple[str, Definition]]]:
        """Last segment of a written base name -> the classes naming it, in path order (built on first use)."""
        if self._subclass_candidates is None:
            self._subclass_candidates, self._candidate_files = _patch_table({}, {}, self.facts, set(self.paths),
                                                                            _named_bases)
        return self._subclass_candidates

    def go_methods(self) -> dict[str, list[tuple[str, Definition]]]:
        """Method name -> the Go methods of that name declared with a receiver (not interface methods), in path
        order (built on first use): the candidates of implicit interface satisfaction."""
        if self._go_methods is None:
            self._go_methods, self._go_method_files = _patch_table({}, {}, self.facts, set(self.paths), _go_methods)
        return self._go_methods

    def remember(self, memo: dict, key, value, keys: frozenset[str]) -> tuple:
        """Store a memo entry (value, the keys it read) where `_inherit` finds it when one of `keys` changes."""
        entry = memo[key] = (value, keys)
        self.memo_log.append((memo, key, entry))
        self.memo_refs += len(keys)
        return entry

    def add_body(self, path: str, facts: FileFacts) -> None:
        """Replace a file's symbols-only facts by its full facts (call sites, local bindings) before it is
        resolved; its view is rebuilt from them."""
        self.facts[path] = facts
        self._views.pop(path, None)

    def view(self, path: str) -> _FileView:
        v = self._views.get(path)
        if v is None:
            v = self._views[path] = _FileView(self.facts[path])
        return v


def _patch_table(before: dict[str, list[tuple]], before_files: dict[str, tuple[str, ...]],
                 facts: dict[str, FileFacts], paths: set[str], entries, *, in_place: bool = False) -> tuple[dict, dict]:
    """A table of key -> [(path, ...)] in path order, with the entries of `paths` taken out and put back from
    `facts` (`entries(path, facts)` yields (key, entry)); also path -> its keys, which the next patch takes
    out. An empty `before` builds the table. `in_place`: patch `before` itself (the previous run's index,
    never used again: a failed run drops it, pipeline.index_project) instead of a copy (~2 ms a delta)."""
    if not before and not before_files:      # a build: entries come in path order, no list to patch or sort
        out, files = {}, {}
        for path in sorted(p for p in paths if p in facts):
            keys = []
            for key, entry in entries(path, facts[path]):
                keys.append(key)
                listed = out.get(key)
                if listed is None:
                    out[key] = [entry]
                else:
                    listed.append(entry)
            if keys:
                files[path] = tuple(keys)
        return out, files
    out, files = (before, before_files) if in_place else (dict(before), dict(before_files))
    touched = {key for p in paths for key in files.pop(p, ())}
    for key in touched:
        out[key] = [e for e in out[key] if e[0] not in paths]
    for path in sorted(p for p in paths if p in facts):
        keys = []
        for key, entry in entries(path, facts[path]):
            keys.append(key)
            if key not in touched:
                out[key] = list(out.get(key, ()))
                touched.add(key)
            out[key].append(entry)
        if keys:
            files[path] = tuple(keys)
    for key in touched:
        if out[key]:
            out[key].sort(key=lambda e: e[0])      # stable: a file's entries keep their order
        else:
            del out[key]
    return out, files


def _top_level_functions(path: str, facts: FileFacts):
    return ((d.name, (path, d.key)) for d in facts.definitions if d.parent is None and d.kind == "function")


def _top_level_names(path: str, facts: FileFacts):
    names = dict.fromkeys(d.name for d in facts.definitions if d.parent is None and d.kind != "module")
    return ((name, (path,)) for name in names)


def _named_bases(path: str, facts: FileFacts):
    for d in facts.definitions:
        for base, kind in zip(d.bases, d.base_kinds or ("extends",) * len(d.bases)):
            if kind != "includes":        # embedding/mixins do not dispatch
                yield base_key(base), (path, d)


def _go_methods(path: str, facts: FileFacts):
    if facts.language != "go":
        return ()
    interfaces = {d.key for d in facts.definitions if d.kind == "interface"}
    return ((d.name, (path, d)) for d in facts.definitions
            if d.kind == "method" and d.parent is not None and d.parent not in interfaces)


def go_method_shape(signature: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """`Put(k, v string) (n int, err error)` -> (("string", "string"), ("int", "error")): a Go method's parameter
    and result types without names or spaces, to match an interface's method; None if it does not parse."""
    params, rest = _go_group(signature, signature.find("("))
    if params is None:
        return None
    rest = rest.strip()
    if rest.startswith("("):
        results, _ = _go_group(rest, 0)
        if results is None:
            return None
    else:
        results = (re.sub(r"\s+", "", rest),) if rest else ()
    return params, results


_GO_TYPE_WORD = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?![\w.])")
_GO_PREDECLARED = frozenset({"bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8",
                             "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64",
                             "uintptr", "any", "comparable", "func", "map", "chan", "interface", "struct"})


def _names_local_type(shape: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
    """A method shape naming a type of its own package unqualified (`Key`, `*Item`, `[]Item`)."""
    return any(w not in _GO_PREDECLARED for part in shape for t in part for w in _GO_TYPE_WORD.findall(t))


def _go_group(text: str, start: int) -> tuple[tuple[str, ...] | None, str]:
    """The types of the parenthesised list at `start` (names dropped: `a, b int` -> int, int) and the text after."""
    if start < 0 or start >= len(text) or text[start] != "(":
        return None, ""
    depth, parts, begin = 0, [], start + 1
    for i in range(start, len(text)):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                parts.append(text[begin:i])
                break
        elif ch == "," and depth == 1:
            parts.append(text[begin:i])
            begin = i + 1
    else:
        return None, ""
    parts = [p.strip() for p in parts if p.strip()]
    named = any(" " in p and not p.startswith(("func", "chan", "map[", "*", "[", "...", "struct", "interface"))
                for p in parts)
    types: list[str] = []
    current = None
    for p in reversed(parts):
        if named:
            if " " in p:
                current = p.split(None, 1)[1]
            if current is None:
                return None, ""
            types.append(re.sub(r"\s+", "", current))
        else:
            types.append(re.sub(r"\s+", "", p))
    return tuple(reversed(types)), text[i + 1:]


def family(language: str) -> str:
    """Languages of one family share module keys (C and C++ include each other's headers; Java and Kotlin
    each other's packages); default: the language alone."""
    return adapter_for(language).family or language


def base_key(base: str) -> str:
    """`pkg.Base`, `mod::Base`, `ns\\Base`, `Base<T>` -> "Base": how subclasses are found for dynamic dispatch."""
    return re.split(r"\.|::|\\", base.split("<", 1)[0].split("[", 1)[0])[-1].strip()


def package_key(facts: FileFacts) -> str | None:
    """Files sharing this key share one namespace (Go package, Java package, C# namespace). A Go external test
    package (`package x_test`) shares its directory, not its namespace, with package x (`package_variant`)."""
    if not adapter_for(facts.language).package_scoped:
        return None
    return f"{family(facts.language)}:{facts.module}{facts.extra.get('package_variant', '')}"


def build_package_map(facts: dict[str, FileFacts]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for path in sorted(facts):
        key = package_key(facts[path])
        if key is not None:
            out.setdefault(key, []).append(path)
    return {k: tuple(v) for k, v in out.items()}


def build_module_map(facts: dict[str, FileFacts]) -> dict[str, str]:
    """"<family>:<key>" -> the path that wins the key (lowest priority, then path)."""
    paths = frozenset(facts)
    best: dict[str, tuple[int, str]] = {}
    for path, f in facts.items():
        adapter = adapter_for(f.language)
        fam = family(f.language)
        for key, prio in adapter.module_keys_for(f, paths):
            k = f"{fam}:{key}"
            cur = best.get(k)
            if cur is None or (prio, path) < cur:
                best[k] = (prio, path)
    return {k: v[1] for k, v in best.items()}


def surface(d: Definition) -> tuple:
    """What resolving other files reads of a definition: everything but its lines and docstring."""
    return d.kind, d.name, d.qualified_name, d.parent, d.signature, d.exported, d.bases, d.base_kinds, d.alias


def _import_surface(imp: Import | None) -> tuple | None:
    return None if imp is None else (imp.module, imp.name, imp.alias, imp.reexport)


def _file_surfaces(path: str, facts: FileFacts | None) -> dict[str, object]:
    """Key -> what a lookup recording that key reads of `path` (the t: c: q: v: i: k: keys; none for a
    missing file). Mirrors `_FileView`: first definition per (scope, name), last import per alias."""
    if facts is None:
        return {}
    view = _FileView(facts)
    out: dict[str, object] = {"k:" + path: (facts.language, facts.module, facts.extra),
                              "i:" + path: tuple(_import_surface(i) for i in view.star_imports)}
    top = view.children.get(None, {})
    for name in top.keys() | view.imports_by_alias.keys():
        d = top.get(name)
        out[f"t:{path}:{name}"] = (surface(d) if d is not None else None,
                                   _import_surface(view.imports_by_alias.get(name)))
    for scope, members in view.children.items():
        out[f"c:{path}:{scope}"] = tuple((name, surface(d)) for name, d in members.items())
    by_qn: dict[str, list] = {}
    for d in facts.definitions:
        by_qn.setdefault(d.key, []).append(surface(d))
    out.update((f"q:{path}:{qn}", tuple(v)) for qn, v in by_qn.items())
    scopes: dict[str, set] = {}
    for b in facts.bindings:
        if b.is_shared:
            scopes.setdefault(b.scope, set()).add((b.name, b.type_name))
    out.update((f"v:{path}:{scope}", frozenset(v)) for scope, v in scopes.items())
    return out


def _table_surfaces(path: str, facts: FileFacts | None) -> dict[str, object]:
    """The n: and b: keys a file contributes to the project-wide tables (`_unique_function`, candidates of
    `direct_subclasses`), with what a lookup reads of its entries."""
    if facts is None:
        return {}
    out: dict[str, list] = {}
    by_qn = _FileView(facts).by_qn
    for name, (_, qn) in _top_level_functions(path, facts):
        out.setdefault("n:" + name, [facts.language]).append((qn, by_qn[qn].kind, by_qn[qn].exported))
    for key, (_, d) in _named_bases(path, facts):
        out.setdefault("b:" + key, []).append(surface(d))
    for name, (_, d) in _go_methods(path, facts):
        out.setdefault("g:" + name, []).append(surface(d))
    return {k: tuple(v) for k, v in out.items()}


def changed_keys(old: dict[str, FileFacts], new: dict[str, FileFacts], paths) -> set[str]:
    """The keys whose lookups may answer differently over `new` than over `old`, `paths` being the files
    added, changed or deleted (the "e:" keys of moved nodes are the pipeline's: they depend on how the graph
    is written). Call with symbol parts (`facts.symbol_part`): bodies are never read across files."""
    keys: set[str] = set()
    for p in paths:
        before, after = old.get(p), new.get(p)
        keys.add("f:" + p)
        for table in (_file_surfaces, _table_surfaces):
            a, b = table(p, before), table(p, after)
            if table is _file_surfaces and before is not None and after is not None and a["k:" + p] != b["k:" + p]:
                keys.update(a.keys() | b.keys())     # another language or module: everything may read differently
            keys.update(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        for f in (before, after):
            pkg = package_key(f) if f is not None else None      # package-scoped: the package's namespace changed
            if pkg is not None:
                keys.add("p:" + pkg)
    # module keys: files added or removed change who wins a key (a new __init__.py changes the keys of its
    # whole package), and so does an edit of a declared package (Java, Kotlin): then compare the two maps.
    if set(old) != set(new) or any(_declared_keys(old[p], old) != _declared_keys(new[p], new)
                                   for p in paths if p in old and p in new):
        before_map, after_map = build_module_map(old), build_module_map(new)
        keys.update("m:" + k for k in before_map.keys() | after_map.keys() if before_map.get(k) != after_map.get(k))
    return keys


def _declared_keys(facts: FileFacts, side: dict[str, FileFacts]) -> list[tuple[str, int]]:
    return adapter_for(facts.language).module_keys_for(facts, frozenset(side))


class Resolver:
    """Resolves one file against a SymbolIndex, recording every key it looks at."""

    def __init__(self, index: SymbolIndex, path: str):
        self.index = index
        self.path = path
        self._home = path            # the file whose own facts are read without keys (it is re-resolved anyway)
        self.view = index.view(path)
        self.adapter = adapter_for(self.view.facts.language)
        self.family = family(self.view.facts.language)
        self.keys: set[str] = set()
        self._merged: dict[int, frozenset] = {}     # memo key sets already added to `keys` (held: ids stay unique)
        self._dispatch: tuple[str, Definition] | None = None
        self._subs: dict[str, _Sub] = {}      # file -> the resolver looking at it for this one (`_sub`)
        self._start_lookups()
        # A site's resolution reads its caller's scopes (`_scoped` set) only where it looks up a name that some
        # scope of the file defines or binds, or in languages whose lookups read the enclosing classes:
        # otherwise the same for every caller of the same class (`_unscoped_sites`). Sub-resolvers are
        # never given a caller's scopes (`_scoped` means nothing there).
        self._scope_names = frozenset(name for scope, members in self.view.children.items() if scope is not None
                                      for name in members)
        self._bound_names = frozenset(name for _, name in self.view.bindings)
        self._member_types = frozenset(name for scope, members in self.view.children.items() if scope is not None
                                       for name, d in members.items() if d.is_class)
        # names of functions defined inside functions (local functions, methods of anonymous/local classes)
        self._nested_names = frozenset(name for scope, members in self.view.children.items()
                                       if scope is not None and not getattr(self.view.by_qn.get(scope), "is_class", True)
                                       for name, d in members.items() if not d.is_class)
        self._scoped = False
        self._unscoped_sites: dict[tuple, tuple] = {}

    def _start_lookups(self) -> None:
        # What this resolver looked up, answered again without looking. Looking again would read the same
        # settled memo entries and record no key that `keys` (which only grows) does not hold already.
        self._file_names: dict[str, tuple] = {}       # name -> `_file_name`
        self._implicit_names: dict[str, tuple] = {}   # name -> `_implicit_name`
        self._uniques: dict[str, tuple | None] = {}   # name -> `_unique_function`
        self._callers: dict[str, tuple] = {}          # caller -> (scope chain, enclosing class), see `resolve_call`
        self._receivers: dict[tuple[str, str], tuple] = {}     # (caller, receiver) -> `_receiver` (scoped)
        self._unscoped_receivers: dict[tuple, tuple] = {}      # (receiver, class) -> `_receiver` (unscoped)
        self._found_members: dict[tuple, tuple] = {}           # `member` lookups
        self._walks: dict[tuple, tuple] = {}                   # `resolve_dotted`'s walks

    # -- recorded lookups --------------------------------------------------------------------------------
    # Every read of a file's facts goes through one of these (or `_file`), which record the key of what
    # was read unless the file is the one being resolved.
    def _module(self, key: str) -> str | None:
        k = f"{self.family}:{key}"
        self.keys.add("m:" + k)
        return self.index.module_map.get(k)

    def _file(self, path: str) -> _FileView:
        """The whole view of `path`, for readers that look at more than the accessors below name."""
        if path != self._home:
            self.keys.add("f:" + path)
        return self.index.view(path)

    def _top(self, path: str, name: str) -> Definition | None:
        if path != self._home:
            self.keys.add(f"t:{path}:{name}")
        return (self.index._views.get(path) or self.index.view(path)).top.get(name)

    def _alias(self, path: str, name: str) -> Import | None:
        if path != self._home:
            self.keys.add(f"t:{path}:{name}")
        return (self.index._views.get(path) or self.index.view(path)).imports_by_alias.get(name)

    def _members(self, path: str, scope: str) -> dict[str, Definition]:
        if path != self._home:
            self.keys.add(f"c:{path}:{scope}")
        return (self.index._views.get(path) or self.index.view(path)).children.get(scope, _EMPTY)

    def _defn(self, path: str, qn: str | None) -> Definition | None:
        if qn is None:
            return None
        if path != self._home:
            self.keys.add(f"q:{path}:{qn}")
        return (self.index._views.get(path) or self.index.view(path)).by_qn.get(qn)

    def _bound(self, path: str, scope: str, name: str) -> set[str] | None:
        if path != self._home:
            self.keys.add(f"v:{path}:{scope}")
        return (self.index._views.get(path) or self.index.view(path)).bindings.get((scope, name))

    def _star_imports(self, path: str) -> list[Import]:
        if path != self._home:
            self.keys.add("i:" + path)
        return self.index.view(path).star_imports

    def _language(self, path: str) -> str:
        if path != self._home:
            self.keys.add("k:" + path)
        return self.index.facts[path].language

    def _chain(self, path: str, qn: str | None, with_classes: bool = False) -> list[str]:
        """`_scope_chain` of a definition of `path`, recording the definitions it walks."""
        out = []
        d = self._defn(path, qn)
        while d is not None and d.kind != "module":
            if with_classes or not d.is_class:
                out.append(d.key)
            d = self._defn(path, d.parent)
        return out

    def _package_files(self, path: str) -> tuple[str, ...]:
        """The other files of `path`'s package (package-scoped languages), recording the package key."""
        self._language(path)
        key = package_key(self.index.facts[path])
        if key is None:
            return ()
        self.keys.add("p:" + key)
        return tuple(p for p in self.index.packages.get(key, ()) if p != path)

    def _in_package(self, path: str, parent: str | None, name: str):
        """("def", file, Definition) for `name` under `parent` in another file of `path`'s package."""
        self._language(path)
        key = package_key(self.index.facts[path])
        if key is None:
            return None
        self.keys.add("p:" + key)              # any change to a file of the package re-resolves this file
        hit = self.index.package_table(key).get((parent, name))
        return ("def", hit[0], hit[1]) if hit is not None and hit[0] != path else None

    def _sub(self, path: str) -> "_Sub":
        """The resolver looking at `path` on behalf of this one (recording into the same keys): one per file."""
        sub = self._subs.get(path)
        if sub is None:
            sub = self._subs[path] = _Sub(self, path)
        return sub

    def _unique_function(self, name: str) -> tuple[str, str] | None:
        found = self._uniques.get(name, self)
        if found is self:
            found = self._uniques[name] = self._unique(name)
        return found

    def _unique(self, name: str) -> tuple[str, str] | None:
        self.keys.add("n:" + name)
        hits = []
        for h in self.index.function_names.get(name, ()):
            language = self.index.facts[h[0]].language
            if family(language) != self.family:               # never across languages
                continue
            adapter = adapter_for(language)
            if adapter.separator != "." and adapter.separator in h[1]:
                continue      # inside a namespace (PHP `Ns\f`, C++ `ns::f`): an unqualified call from elsewhere
                              # never reaches it (PHP falls back to the global function)
            if adapter.exported_is_linkage and not self.index.view(h[0]).by_qn[h[1]].exported:
                continue      # C `static`: callable only where its file is included, found through the include
            hits.append(h)
        return hits[0] if len(hits) == 1 else None

    # -- imports -------------------------------------------------------------------------------------------
    def module_of(self, imp: Import) -> str | None:
        for key in self.adapter.import_candidates(imp, self.path, self.index.config):
            target = self._module(key)
            if target is not None and target != self.path:
                return target
        return None

    def resolve_import(self, imp: Import) -> ImportEdge:
        target = self.module_of(imp)
        named = imp.name and imp.name != "*" and self.adapter.names_can_be_submodules
        # `from pkg import mod`: a submodule unless pkg itself defines or imports that name
        if named and (target is None or (self._top(target, imp.name) is None
                                         and self._alias(target, imp.name) is None)):
            sub = self._submodule(imp)
            if sub is not None:
                return ImportEdge(imp.line, "", sub, None)
        if target is not None:
            return ImportEdge(imp.line, imp.name or "", target, None)
        ext = self.adapter.external_module_name(imp)
        return ImportEdge(imp.line, imp.name or "", None, f"{self.adapter.external_prefix or self.adapter.name}:{ext}")

    def _submodule(self, imp: Import) -> str | None:
        for key in self.adapter.import_candidates(imp, self.path, self.index.config):
            target = self._module(f"{key}.{imp.name}")
            if target is not None:
                return target
        return None

    # -- names -----------------------------------------------------------------------------------------------
    def symbol_in(self, path: str, name: str, depth: int = 0, seen: set | None = None):
        """A top-level name of file `path`: ("def", path, Definition) or ("module", path), following re-exports.
        `seen`: files already searched through star imports (C headers include each other in webs)."""
        if depth > _MAX_DEPTH:
            return None
        if seen is not None:
            if path in seen:
                return None
            seen.add(path)
        d = self._top(path, name)
        if d is not None:
            return ("def", path, d)
        if self.adapter.package_scoped:          # a package import names every file of the package
            return self._in_package(path, None, name)   # a file's imports are its own, not the package's
        imp = self._alias(path, name)
        if imp is not None:
            return self._sub(path).imported(imp, depth + 1)
        for target in self._companions(path):     # a C header's functions are defined in its .c file
            d = self._top(target, name)
            if d is not None and d.exported:          # never a `static` function of the .c file
                return ("def", target, d)
        for target in self._stars(path):
            hit = self.symbol_in(target, name, depth + 1, seen if seen is not None else {path})
            if hit is not None:
                return hit
        return None

    def _required(self) -> list[str]:
        """Files this file star-imports, transitively (Ruby `require`), nearest first."""
        cached = getattr(self, "_required_cache", None)
        if cached is None:
            cached, todo, seen = [], [self.path], {self.path}
            while todo and len(cached) < 200:
                path = todo.pop(0)
                for target in self._stars(path):
                    if target not in seen:
                        seen.add(target)
                        cached.append(target)
                        todo.append(target)
            self._required_cache = cached
        return cached

    def _required_members(self, scope: str) -> dict[str, tuple[str, Definition]]:
        """Members of class/module `scope` in the files this file requires, the nearest file winning (Ruby
        reopens modules across files), built once per scope: name -> (file, definition). Reads (records)
        every required file, like a lookup that misses."""
        tables = self.__dict__.setdefault("_required_tables", {})
        table = tables.get(scope)
        if table is None:
            table = tables[scope] = {}
            for path in self._required():
                for name, d in self._file(path).children.get(scope, {}).items():
                    table.setdefault(name, (path, d))
        return table

    def _memo(self, cache: dict, key, at: str, compute, *, holds: str | None, pending=None):
        """`compute(sub)` memoised in one of the index's caches, `sub` resolving from file `at` with a key set of
        its own. The keys it read, plus `holds` (the key of what the computation is about, e.g. "q:" of the
        class whose bases it resolves), are stored with the value and recorded here on every use, so the entry
        is dropped once any of them changes. An entry can outlive an edit of a file whose definitions it
        holds when the edit left their surface alone: the old `Definition` objects are then used only for
        what their keys cover (names, kinds, parents, bases), never for lines or identity.
        `pending`: the value a recursive use sees while `compute` runs (else it recurses)."""
        cached = cache.get(key)
        if cached is None:
            if pending is not None:
                self.index.remember(cache, key, pending, frozenset(() if holds is None else (holds,)))
            sub = _Sub(self, at, own_keys=True)
            value = compute(sub)
            if holds is not None:
                sub.keys.add(holds)
            cached = self.index.remember(cache, key, value, frozenset(sub.keys))
        self._merge(cached[1])
        return cached[0]

    def _merge(self, keys: frozenset[str]) -> None:
        """Record a memo entry's keys (once per entry: `_merged` holds it, so its id stays unique)."""
        if id(keys) not in self._merged:
            self._merged[id(keys)] = keys
            self.keys |= keys

    def _settled(self, cache: dict, key):
        """`_memo`'s answer without building its closure, for an entry whose keys this resolver merged
        already; `_UNSET` otherwise."""
        known = cache.get(key)
        return known[0] if known is not None and id(known[1]) in self._merged else _UNSET

    def _stars(self, path: str) -> tuple[str, ...]:
        """Files the star imports of `path` resolve to (memoised, with the keys they read)."""
        known = self._settled(self.index.star_cache, path)
        if known is not _UNSET:
            return known
        def compute(sub):
            targets = (sub.module_of(star) for star in sub._star_imports(path))
            return tuple(dict.fromkeys(t for t in targets if t is not None and t != path))

        return self._memo(self.index.star_cache, path, path, compute, holds="i:" + path)

    def _star_closure(self):
        """The search `lookup_name` makes through star imports (C `#include` webs: hundreds of headers per
        file), walked once per file instead of once per name: (file -> first position, companion file ->
        first position of a header naming it, keys the whole walk reads). None where a walk depends on the
        name (alias imports in a visited file, package-scoped languages): then `symbol_in` walks per name.
        Same order as `symbol_in` (depth-first, shared `seen`, depth limit); a lookup records the whole
        walk's keys, a superset of what a per-name walk stops at."""
        cached = self.index.star_closure_cache.get(self.path)
        if cached is None:
            sub = _Sub(self, self.path, own_keys=True)
            pos: dict[str, int] = {}
            comp_pos: dict[str, tuple[int, int]] = {}
            simple = not sub.adapter.package_scoped

            def walk(path: str, depth: int) -> None:
                nonlocal simple
                if depth > _MAX_DEPTH or path in pos or not simple:
                    return
                pos[path] = len(pos)
                if sub._file(path).imports_by_alias:
                    simple = False
                    return
                for i, target in enumerate(sub._companions(path)):
                    sub._file(target)
                    comp_pos.setdefault(target, (pos[path], i + 1))
                for target in sub._stars(path):
                    walk(target, depth + 1)

            pos[self.path] = -1                   # `seen` starts with the file itself
            for target in sub._stars(self.path):
                walk(target, 0)
            del pos[self.path]
            cached = self.index.star_closure_cache[self.path] = \
                (pos, comp_pos, frozenset(sub.keys)) if simple else None
        if cached is not None:
            self._merge(cached[2])      # (hundreds of keys in C include webs: merged once)
        return cached

    def _closure_lookup(self, closure, name: str):
        pos, comp_pos, _ = closure
        best, hit = None, None
        if not pos and not comp_pos:       # no star import (most files of most languages)
            return None
        for (path,) in self.index.top_level_files(name):      # usually 0-2 files define a name
            if path not in pos and path not in comp_pos:       # (`test_main`: hundreds)
                continue
            d = self.index.view(path).top_level(name)
            where = (pos[path], 0) if path in pos else None
            if d.exported and path in comp_pos and (where is None or comp_pos[path] < where):
                where = comp_pos[path]
            if where is not None and (best is None or where < best):
                best, hit = where, ("def", path, d)
        return hit

    def _companions(self, path: str) -> tuple[str, ...]:
        """Files defining what `path` declares (adapter `companion_keys`: a header's same-stem sources)."""
        cached = self.index.companion_cache.get(path)
        if cached is None:
            adapter = adapter_for(self.index.facts[path].language)
            keys = [f"{family(self.index.facts[path].language)}:{key}" for key in adapter.companion_keys(path)]
            targets = (self.index.module_map.get(k) for k in keys)
            cached = self.index.remember(self.index.companion_cache, path,
                                         tuple(t for t in targets if t is not None and t != path),
                                         frozenset(["k:" + path] + ["m:" + k for k in keys]))
        self._merge(cached[1])
        return cached[0]

    def imported(self, imp: Import, depth: int = 0):
        if depth > _MAX_DEPTH:
            return None
        if imp.name in (None, "*"):
            if self.adapter.names_can_be_submodules and imp.alias and "." in imp.module \
                    and imp.module.split(".")[0] == imp.alias:
                imp = Import(imp.line, imp.alias, None, imp.alias)   # `import a.b.c` binds `a`
            target = self.module_of(imp)
            return ("module", target) if target else None
        if imp.name == "default" and self.family == "js":
            target = self.module_of(imp)
            if target is None:
                return None
            view = self._file(target)
            for d in view.children.get(None, {}).values():
                if d.exported and d.name == view.facts.extra.get("default_export"):
                    return ("def", target, d)
            return None
        target = self.module_of(imp)
        if target is not None:
            first, *rest = imp.name.split(".")        # Java `import static pkg.Cls.member`: "Cls.member"
            hit = self.symbol_in(target, first, depth + 1)
            for part in rest:
                hit = self.member(hit[1], hit[2], part) if hit and hit[0] == "def" and hit[2].is_class else None
            if hit is not None:
                return hit
        if self.adapter.names_can_be_submodules:
            sub = self._submodule(imp)
            if sub is not None:
                return ("module", sub)
        return None

    def lookup_name(self, name: str, scope_chain: list[str]):
        """A bare name seen from inside `scope_chain` (innermost first): local defs, module defs, imports."""
        if self._scope_names is None or name in self._scope_names:   # else no scope of this file defines it
            self._scoped = True
            for scope in scope_chain:
                d = self._members(self.path, scope).get(name)
                if d is not None:
                    return ("def", self.path, d), "scope"
        # What the file itself binds does not depend on the scope: looked up once per name and resolver. Looking
        # again would read the same settled memo entries and record the same keys (`self.keys` only grows).
        found = self._file_names.get(name)
        if found is None:
            found = self._file_names[name] = self._file_name(name)
        if found[2]:
            return found[0], found[1]
        if self.adapter.lexical_class_scopes:       # Ruby: a module reopened in a required file
            self._scoped = True
            for scope in scope_chain:
                hit = self._required_members(scope).get(name)
                if hit is not None:
                    return ("def", *hit), "import"
        found = self._implicit_names.get(name)
        if found is None:
            found = self._implicit_names[name] = self._implicit_name(name)
        if found[0] is not None:
            return found
        return self._enclosing_type(name, scope_chain)

    def _file_name(self, name: str) -> tuple[tuple | None, str | None, bool]:
        """`lookup_name`'s scope-free first part: (hit, reason, final), final False where it looks further."""
        d = self._top(self.path, name)
        if d is not None:
            return ("def", self.path, d), "same_file", True
        imp = self._alias(self.path, name)
        if imp is not None:
            hit = self.imported(imp)
            return (hit, "import", True) if hit is not None else (None, None, True)
        hit = self._in_package(self.path, None, name) if self.adapter.package_scoped else None
        if hit is not None:
            return hit, "same_package", True
        closure = self._star_closure()
        if closure is not None:
            hit = self._closure_lookup(closure, name)
            if hit is not None:
                return hit, "import", True
        else:
            seen = {self.path}
            for target in self._stars(self.path):
                hit = self.symbol_in(target, name, 0, seen)
                if hit is not None:
                    return hit, "import", True
        return None, None, False

    def _implicit_name(self, name: str) -> tuple[tuple | None, str | None]:
        self._language(self.path)              # k: covers what `implicit_imports` reads (the adapter hints)
        for imp in self.adapter.implicit_imports(name, self.index.facts[self.path]):   # PHP: the file's namespace
            hit = self.imported(imp)
            if hit is not None:
                return hit, "import"
        return None, None

    def _enclosing_type(self, name: str, scope_chain: list[str]):
        if not self.adapter.implicit_self:
            return None, None
        if self._member_types is not None:      # this file's own classes (no keys): most names name none
            if name not in self._member_types:
                return None, None
            self._scoped = True
        if scope_chain:     # a nested type of an enclosing class (Java)
            d = self._defn(self.path, scope_chain[0])
            while d is not None and d.parent is not None:
                d = self._defn(self.path, d.parent)
                hit = self._members(self.path, d.key).get(name) if d is not None and d.is_class else None
                if hit is not None and hit.is_class:
                    return ("def", self.path, hit), "scope"
        return None, None

    def resolve_dotted(self, expr: str, scope_chain: list[str]):
        """`a.b.C` -> the definition or module it names, through modules and class members."""
        first, dot, rest = expr.partition(".")
        hit, reason = self.lookup_name(first, scope_chain)
        if hit is None:                          # a path root such as Rust's `crate` / `super` / a crate name
            target = None
            for key in self.adapter.path_roots(first, self.path, self.index.config):
                target = self._module(key)
                if target is not None:
                    break
            if target is None:
                return None, None
            hit, reason = ("module", target), "import"
        if not dot:
            return hit, reason
        # the rest of the walk depends only on where the first name led (`os.path.join` in every function)
        key = (rest, hit[1], id(hit[2]) if hit[0] == "def" else None)
        walked = self._walks.get(key)
        if walked is None:
            walked = self._walks[key] = (self._walk(hit, rest.split(".")), hit)     # hit: its id stays unique
        return (None, None) if walked[0] is _FAILED else (walked[0], reason)

    def _walk(self, hit: tuple, rest: list[str]):
        """`resolve_dotted`'s walk from `hit` through the parts after the first: the hit, or _FAILED."""
        for part in rest:
            if hit is None:
                return _FAILED
            if hit[0] == "module":
                module_path = hit[1]
                hit = self.symbol_in(module_path, part)
                if hit is None and self.adapter.names_can_be_submodules:
                    hit = self._submodule_of(module_path, part)
            elif hit[2].is_class:
                hit = self.member(hit[1], hit[2], part)
            else:
                return _FAILED
        return hit

    def _submodule_of(self, module_path: str, name: str):
        adapter = adapter_for(self._language(module_path))
        keys = adapter.module_keys(module_path, self.index.paths)
        for key, _ in keys:        # the module's own keys depend on its package: record them too
            self._module(key)
        for key, _ in keys:
            target = self._module(f"{key}.{name}")
            if target is not None:
                return ("module", target)
        return None

    # -- classes -----------------------------------------------------------------------------------------------
    def bases_of(self, path: str, cls: Definition):
        """Resolved base classes, memoised per run with the keys their resolution read."""
        # keyed by the bases as written too: the definitions of a class a file reopens (Ruby) share a key, and
        # which of them was asked first must not decide what the other's bases are
        memo_key = (path, cls.key, cls.bases)
        known = self._settled(self.index.bases_cache, memo_key)
        if known is not _UNSET:
            return known
        def compute(sub):
            chain = sub._chain(path, cls.parent, sub.adapter.lexical_class_scopes)
            out = []
            for base in cls.bases:
                hit, _ = sub.resolve_dotted(base, chain)
                # never the class itself (`A < ::A`), told by name: `cls` may be an older run's object
                if hit is not None and hit[0] == "def" and hit[2].is_class and not (
                        hit[1] == path and hit[2].key == cls.key):
                    out.append((hit[1], hit[2]))
            return tuple(out)

        # A base named through the class itself (Ruby `module A::C; include A::C::Fragments`) looks C's members
        # up, which needs C's bases: while they are being resolved, C has none (no recursion).
        return self._memo(self.index.bases_cache, memo_key, path, compute,
                          holds=f"q:{path}:{cls.key}", pending=())

    def member(self, path: str, cls: Definition, name: str, depth: int = 0, *, skip_self: bool = False):
        """Look `name` up in class `cls` and then its bases (depth-first, like a simple MRO)."""
        if depth == 0:      # many calls of a file ask the same (`self.helper()` in every method): once each
            key = (path, id(cls), name, skip_self)
            known = self._found_members.get(key)
            if known is None:
                known = self._found_members[key] = (self._member(path, cls, name, 0, skip_self), cls)  # cls: id held
            return known[0]
        return self._member(path, cls, name, depth, skip_self)

    def _member(self, path: str, cls: Definition, name: str, depth: int, skip_self: bool):
        if depth > _MAX_DEPTH:
            return None
        if not skip_self:
            hit = self.own_member(path, cls, name)
            if hit is not None:
                return hit
        for bpath, base in self.bases_of(path, cls):
            hit = self._member(bpath, base, name, depth + 1, False)
            if hit is not None:
                return hit
        return None

    def own_member(self, path: str, cls: Definition, name: str):
        """`name` defined by class `cls` itself (file `path`), wherever its members live."""
        d = self._members(path, cls.key).get(name)
        if d is not None:
            return ("def", path, d)
        for target in self._companions(path):       # C++ `void A::f() {...}` in a.cpp, class in a.h
            d = self._members(target, cls.key).get(name)
            if d is not None:
                return ("def", target, d)
        if self.adapter.lexical_class_scopes:      # Ruby: the class reopened in a required file
            hit = self._required_members(cls.key).get(name)
            if hit is not None:
                return ("def", *hit)
        if self.adapter.package_scoped:      # Go methods in other files, C# partial classes
            return self._in_package(path, cls.key, name)
        return None

    def own_members(self, path: str, cls: Definition) -> dict[str, tuple]:
        """Every name `own_member` would find in class `cls`, with the same hit for each (memoised with the
        keys read: a class's dispatch table is rebuilt from its subclasses' member tables)."""
        known = self._settled(self.index.members_cache, (self.path, path, cls.key))
        if known is not _UNSET:
            return known
        return self._memo(self.index.members_cache, (self.path, path, cls.key), self.path,
                          lambda sub: sub._own_members(path, cls), holds=f"c:{path}:{cls.key}")

    def _own_members(self, path: str, cls: Definition) -> dict[str, tuple]:
        qn = cls.key
        sources = [path, *self._companions(path)]
        if self.adapter.lexical_class_scopes:
            sources += self._required()
        out: dict[str, tuple] = {}
        for target in sources:
            for name, d in self._members(target, qn).items():
                out.setdefault(name, ("def", target, d))
        if self.adapter.package_scoped:
            self._language(path)
            key = package_key(self.index.facts[path])
            if key is not None:
                self.keys.add("p:" + key)
                for name, (target, d) in self.index.package_members(key).get(qn, {}).items():
                    if target != path:
                        out.setdefault(name, ("def", target, d))
        return out

    def constructor(self, path: str, cls: Definition):
        for name in self.adapter.constructor_names or (cls.name,):     # () = named after the class (Java, C++)
            hit = self.member(path, cls, name)
            if hit is not None:
                return hit
        return None

    # -- calls -----------------------------------------------------------------------------------------------
    def _context(self, caller: str) -> tuple[list[str], tuple[str, Definition] | None]:
        """(scope chain, enclosing class) of a caller, looked up once (keys, if any, recorded the first time)."""
        context = self._callers.get(caller)
        if context is None:
            context = self._callers[caller] = (_scope_chain(self.view, caller, self.adapter.lexical_class_scopes),
                                               self._enclosing_class(caller))
        return context

    def resolve_call(self, call) -> tuple[tuple | None, str | None]:
        chain, cls_path_def = self._context(call.caller)
        recv = call.receiver
        if recv is None and self.adapter.implicit_self and not call.is_new and cls_path_def is not None:
            if call.name in self._nested_names:
                # a method of an anonymous/local class (Java, Kotlin `object :`), or a local function: the
                # functions of its enclosing function scopes (its class's own methods, sibling local functions)
                # come before the enclosing named class's members. Costs a set lookup per site; where some function
                # of the file nests a function of that name, the site is resolved per caller (reads its scopes).
                self._scoped = True
                hit = self._enclosing_function_member(call.name, chain) if len(chain) > 1 else None
                if hit is not None:
                    return hit, "scope"
            hit = self.member(*cls_path_def, call.name)          # `helper()` in a method: this.helper()
            if hit is not None and not hit[2].is_class:
                self._dispatch = cls_path_def
                own = hit[2].parent == cls_path_def[1].key     # also out of line, in a companion
                return hit, ("self" if own else "inherited")
        if recv is None and call.name in self.adapter.class_self_names and cls_path_def is not None:
            return (self.constructor(*cls_path_def), "self")            # Python `cls(...)`
        if recv is None:
            hit, reason = self.lookup_name(call.name, chain)
            if hit is None and not call.is_new:
                hit, reason = self._function_value(call.name, chain)
            if hit is None:
                # only where functions share one namespace: elsewhere the one project function of that name in
                # another module is unreachable (Python `quote` from urllib.parse, a Go builtin `copy`)
                unique = self._unique_function(call.name) if self.adapter.global_functions else None
                # no key for the definition read: "n:" covers it (`changed_keys`), "e:" the node it names
                return (("def", unique[0], self.index.view(unique[0]).by_qn[unique[1]]), "global_unique") \
                    if unique else (None, None)
            return self._callable(hit, reason, new=call.is_new)
        if recv in self.adapter.self_names or recv in self.adapter.class_self_names:
            if cls_path_def is None:
                return None, None
            hit = self.member(*cls_path_def, call.name)
            if hit is None:
                return None, None
            self._dispatch = cls_path_def
            return hit, ("self" if hit[2].parent == cls_path_def[1].key else "inherited")
        if recv in self.adapter.super_names:
            if cls_path_def is None:
                return None, None
            hit = self.member(*cls_path_def, call.name, skip_self=True)
            return self._callable(hit, "inherited", new=False) if hit else (None, None)
        # What a receiver names does not depend on the called name, and unless it reads the caller's scopes
        # (see `_scoped`), not on the caller but for its class.
        alike = (recv,) if cls_path_def is None else (recv, cls_path_def[0], id(cls_path_def[1]))
        known = self._unscoped_receivers.get(alike)
        if known is None:
            site = (call.caller, recv)
            known = self._receivers.get(site)
            if known is None:
                outer, self._scoped = self._scoped, False
                known = self._receiver(recv, chain, cls_path_def)
                if self._scoped:
                    self._receivers[site] = known
                else:
                    self._unscoped_receivers[alike] = known
                self._scoped = self._scoped or outer
            else:
                self._scoped = True
        typed, hit, reason = known
        if typed:
            if hit is not None:
                m = self.member(hit[1], hit[2], call.name)
                if reason == "typed":     # a declared type: subclasses may override (or implement) the method
                    self._dispatch = (hit[1], hit[2])
                return (m, reason) if m else (None, None)
            return None, None
        if reason is None:          # not a dotted name
            return None, None
        if hit is None:
            return self._namespaced(recv, call, chain)
        if hit[0] == "module":
            target = self.symbol_in(hit[1], call.name)
            return self._callable(target, "import", new=call.is_new) if target else (None, None)
        if hit[2].is_class:          # Class.static_method() / Class.method(obj)
            m = self.member(hit[1], hit[2], call.name)
            if m is None and call.is_new:
                return None, None
            return self._callable(m, "receiver", new=call.is_new) if m else (None, None)
        return None, None

    def _function_value(self, name: str, chain: list[str]):
        """`fn()` where the local `fn` holds a function: a parameter defaulting to one (`def f(fn=helper)`), or the
        result of a function returning one it defines (`g = make(); g()` with `def inner` and `return inner` in
        make)."""
        target = self._local_type(name + CALLS, chain)
        if target:
            hit, reason = self.resolve_dotted(target, chain)
            return (hit, reason) if hit is not None and hit[0] == "def" and not hit[2].is_class else (None, None)
        made = self._local_type(name, chain)
        if not made:
            return None, None
        fn, reason = self.resolve_dotted(made, chain)
        if fn is None or fn[0] != "def" or fn[2].is_class or fn[2].kind == "module":
            return None, None
        resolver = self if fn[1] == self.path else self._sub(fn[1])
        returned = resolver._bound(fn[1], fn[2].key, RETURN + CALLS) or ()
        if len(returned) != 1:
            return None, None
        # only a function defined in it (a closure factory): another name may be a local variable of the function
        hit = resolver._members(fn[1], fn[2].key).get(next(iter(returned)))
        return (("def", fn[1], hit), reason) if hit is not None and not hit.is_class else (None, None)

    def _enclosing_function_member(self, name: str, chain: list[str]):
        """A function `name` defined directly in one of the function scopes enclosing the caller (not in the
        caller itself: a method's own nested definitions are not its siblings), innermost first."""
        for scope in chain[1:]:
            d = self._defn(self.path, scope)
            if d is None or d.is_class:          # Ruby chains hold classes too: those are `member`'s business
                continue
            hit = self._members(self.path, scope).get(name)
            if hit is not None and not hit.is_class:
                return ("def", self.path, hit)
        return None

    def _receiver(self, recv: str, chain: list[str], cls_path_def: tuple[str, Definition] | None):
        """(typed, hit, reason): the class of a typed receiver (local variable, attribute of self, constructor
        call result) with typed True, else what a dotted receiver names (reason "dotted"), else Nones."""
        calls = _call_chain(recv)
        if calls is not None:
            # `A()`: the class or what the function returns; `A().b().c()`: each step's class is what the method
            # before it returns (declared, or built by its `return`s: `return self`); a step whose return type
            # is unknown leaves the receiver untyped
            hit = self._class_of(calls[0], chain, self.path)
            for name in calls[1:]:
                m = self.member(hit[1], hit[2], name) if hit is not None else None
                hit = self._returned_class(m[1], m[2]) if m is not None and not m[2].is_class else None
            return True, hit, "receiver"
        type_expr, reason, where = self._receiver_type(recv, chain, cls_path_def)
        if type_expr is not None:
            return True, self._class_of(type_expr, chain if where == self.path else [], where), reason
        if not _is_dotted(recv):
            return False, None, None
        return False, self.resolve_dotted(recv, chain)[0], "dotted"

    def _namespaced(self, recv: str, call, chain: list[str]):
        """`ns::Cls::f()` / `ns::f()`: names seen from here, kept only if their qualified names end as written."""
        if not self.adapter.namespaced_calls:
            return None, None
        sep = self.adapter.separator
        parts = recv.split(".")
        written = sep.join(parts)

        def named(d, suffix):
            return d.qualified_name == suffix or d.qualified_name.endswith(sep + suffix)

        cls, _ = self.lookup_name(parts[-1], chain)
        if cls is not None and cls[0] == "def" and cls[2].is_class and named(cls[2], written):
            m = self.member(cls[1], cls[2], call.name)
            return self._callable(m, "receiver", new=call.is_new) if m else (None, None)
        hit, reason = self.lookup_name(call.name, chain)
        if hit is not None and hit[0] == "def" and named(hit[2], written + sep + call.name):
            return self._callable(hit, reason, new=call.is_new)
        return None, None

    def _callable(self, hit, reason, *, new: bool):
        if hit is None or hit[0] != "def":
            return None, None
        d = hit[2]
        if d.is_class:
            ctor = self.constructor(hit[1], d)
            return (ctor, reason) if ctor else (None, None)
        return hit, reason

    def _receiver_type(self, recv: str, chain: list[str], cls_path_def: tuple[str, Definition] | None):
        """(type expression, reason, file it is written in) for a receiver, or Nones."""
        local = self._local_type(recv, chain)
        if local is not None:
            return (local, "typed", self.path) if local else (None, None, None)
        fields = [recv[len(p) + 1:] for p in self.adapter.self_names if recv.startswith(p + ".")]
        if self.adapter.implicit_self:
            fields.append(recv)                  # a bare field name inside a method
        for field in fields:
            if cls_path_def is not None and "." not in field:
                types = self._field_types(*cls_path_def, field)      # a C++ class's fields live in its header
                if types and len(types) == 1:
                    return next(iter(types)), "typed", cls_path_def[0]
        head, _, field = recv.partition(".")
        if field and "." not in field and head not in self.adapter.self_names:   # `x.field.m()`, x typed
            head_type = self._local_type(head, chain)
            owner = self._class_of(head_type, chain, self.path) if head_type else None
            if owner is not None:
                types = self._field_types(owner[1], owner[2], field)
                if types and len(types) == 1:
                    return next(iter(types)), "typed", owner[1]
        return None, None, None

    def _local_type(self, name: str, chain: list[str]) -> str | None:
        """The type a local binding gives `name` ("" when ambiguous, None when unbound)."""
        if self._bound_names is not None:     # this file's own scopes (no keys): most names are bound nowhere
            if name not in self._bound_names:
                return None
            self._scoped = True
        for scope in chain:
            types = self._bound(self.path, scope, name)
            if types:
                return next(iter(types)) if len(types) == 1 else ""
        return None

    def _class_of(self, type_expr: str, chain: list[str], where: str):
        """The class a type expression written in file `where` names; a function stands for its return type."""
        resolver = self if where == self.path else self._sub(where)
        hit, _ = resolver.resolve_dotted(type_expr, chain)
        if hit is not None and hit[0] == "def" and not hit[2].is_class and hit[2].kind != "module":
            return self._returned_class(hit[1], hit[2])
        return hit if hit is not None and hit[0] == "def" and hit[2].is_class else None

    def _returned_class(self, fn_path: str, fn: Definition):
        """The class function `fn` of `fn_path` returns: its declared type, else what its `return`s build."""
        resolver = self if fn_path == self.path else self._sub(fn_path)
        returned = resolver.adapter.return_type(fn.signature)
        if not returned:                     # no declared type: what its `return` statements build
            types = resolver._bound(fn_path, fn.key, RETURN) or ()
            returned = next(iter(types)) if len(types) == 1 else ""
        if returned in resolver.adapter.class_self_names or returned in resolver.adapter.self_names:
            cls = resolver._enclosing_class(fn.key)      # `return cls(...)`, `return self`
            return ("def", *cls) if cls is not None else None
        hit = resolver.resolve_dotted(returned, resolver._chain(fn_path, fn.key))[0] if returned else None
        return hit if hit is not None and hit[0] == "def" and hit[2].is_class else None

    def _field_types(self, path: str, cls: Definition, field: str):
        where = path
        if self._defn(path, cls.key) is None and self.adapter.package_scoped:
            home = self._in_package(path, cls.parent, cls.name)     # a Go receiver's struct lives next door
            where = home[1] if home is not None else path
        return self._bound(where, cls.key, "self." + field)

    def overrides(self, cls_path: str, cls: Definition, name: str) -> tuple[tuple[str, Definition], ...]:
        """Methods `name` that subclasses of `cls` (transitively) define: the targets of dynamic dispatch.
        One table per class, method name -> the subclasses' methods in subclass order, memoised with the keys
        read (a class's `self.m()` calls ask for many names; big hierarchies have hundreds of subclasses)."""
        known = self._settled(self.index.dispatch_cache, (cls_path, cls.key))
        if known is not _UNSET:
            return known.get(name, ())
        def compute(sub_resolver):
            if cls.kind == "interface" and sub_resolver._language(cls_path) == "go":
                return sub_resolver._go_implementations(cls_path, cls)     # implicit: by method set
            if not sub_resolver.index.subclass_candidates().get(cls.name):     # no class names it as a base
                sub_resolver.direct_subclasses(cls.name)      # all `subclasses` would read (most classes)
                return {}
            table: dict[str, list[tuple[str, Definition]]] = {}
            for sub_path, sub in sub_resolver.subclasses(cls_path, cls):
                for member, hit in sub_resolver.own_members(sub_path, sub).items():
                    if not hit[2].is_class:
                        table.setdefault(member, []).append((hit[1], hit[2]))
            return {k: tuple(v) for k, v in table.items()}

        return self._memo(self.index.dispatch_cache, (cls_path, cls.key), cls_path, compute,
                          holds=f"q:{cls_path}:{cls.key}").get(name, ())

    def _go_implementations(self, path: str, iface: Definition) -> dict[str, tuple[tuple[str, Definition], ...]]:
        """`overrides`' table for a Go interface: the methods of the project's types that declare every method of
        the interface (its own and its embedded interfaces', same parameter and result types as written). Types
        whose methods come from an embedded struct are not found; an interface embedding one that does not
        resolve (`io.Reader`) has no known method set: no implementations. A method naming a type of the
        interface's package unqualified (`Get(k Key)`) is matched in that package only: elsewhere `Key` is
        another package's type."""
        wanted: dict[str, tuple] = {}
        todo, seen = [(path, iface)], set()
        while todo:
            p, c = todo.pop()
            if (p, c.key) in seen:
                continue
            seen.add((p, c.key))
            if len(seen) > 16:
                return {}
            for name, hit in self.own_members(p, c).items():
                if not hit[2].is_class:
                    shape = go_method_shape(hit[2].signature)
                    if shape is None:
                        return {}
                    wanted.setdefault(name, shape)
            bases = self.bases_of(p, c)
            if len(bases) != len(c.bases) or any(b.kind != "interface" for _, b in bases):
                return {}
            todo.extend(bases)
        if not wanted:
            return {}
        by_name: dict[str, dict[str, tuple[str, Definition]]] = {}
        types: set[str] | None = None
        home = iface.qualified_name.rpartition(".")[0]          # the interface's package
        for name, shape in wanted.items():
            self.keys.add("g:" + name)
            local = _names_local_type(shape)     # `Get(k Key)`: another package's `Key` is another type
            found = {}
            for p, d in self.index.go_methods().get(name, ()):
                if d.parent not in found and (not local or d.parent.rpartition(".")[0] == home) \
                        and go_method_shape(d.signature) == shape:
                    found[d.parent] = (p, d)
            by_name[name] = found
            types = set(found) if types is None else types & set(found)
            if not types:
                return {}
        order = sorted(types)
        return {name: tuple(by_name[name][t] for t in order) for name in wanted}

    def direct_subclasses(self, name: str) -> dict[tuple[str, str], tuple[tuple[str, Definition], ...]]:
        """(base file, base qn) -> the classes whose resolved bases include it, for bases named `name`: the
        candidates (classes naming `name` as a base, key "b:<name>") grouped once by what their bases
        resolve to. Memoised with the keys read: many classes share a name (stdlib: 2,727 name `TestCase`)."""
        known = self._settled(self.index.subtable_cache, name)
        if known is not _UNSET:
            return known
        def compute(sub):
            sub.keys.add("b:" + name)
            table: dict[tuple[str, str], dict[tuple[str, str], tuple[str, Definition]]] = {}
            for sub_path, d in self.index.subclass_candidates().get(name, ()):
                for bp, b in sub.bases_of(sub_path, d):
                    if b.name == name:
                        table.setdefault((bp, b.key), {}).setdefault((sub_path, d.key), (sub_path, d))
            return {k: tuple(v.values()) for k, v in table.items()}

        return self._memo(self.index.subtable_cache, name, self.path, compute, holds=None)

    def subclasses(self, cls_path: str, cls: Definition) -> tuple[tuple[str, Definition], ...]:
        """Classes extending/implementing `cls`, transitively, memoised per run with the keys read: candidates
        are the classes naming `cls` as a base (key "b:<name>"), confirmed by resolving their bases."""
        key = (cls_path, cls.key)
        known = self._settled(self.index.subclass_cache, key)
        if known is not _UNSET:
            return known

        def compute(sub_resolver):
            out, todo, seen = [], [(cls_path, cls)], {key}
            while todo and len(seen) < 64:
                path, c = todo.pop()
                for sub_path, sub in sub_resolver.direct_subclasses(c.name).get((path, c.key), ()):
                    if (sub_path, sub.key) in seen:
                        continue
                    seen.add((sub_path, sub.key))
                    todo.append((sub_path, sub))
                    out.append((sub_path, sub))
            return tuple(out)

        return self._memo(self.index.subclass_cache, key, cls_path, compute, holds=f"q:{cls_path}:{cls.key}")

    def _enclosing_class(self, qn: str) -> tuple[str, Definition] | None:
        d = self._defn(self.path, qn)
        while d is not None and d.parent is not None:
            parent = self._defn(self.path, d.parent)
            if parent is None and self.adapter.out_of_line_members:
                return self._included_class(d.parent)
            if parent is None and self.adapter.package_scoped:    # a Go method of a struct in another file
                hit = self.lookup_name(d.parent.rsplit(".", 1)[-1], [])[0]
                return (hit[1], hit[2]) if hit is not None and hit[0] == "def" and hit[2].is_class else None
            d = parent
            if d is not None and d.is_class:
                return self.path, d
        return None

    def _included_class(self, qn: str) -> tuple[str, Definition] | None:
        """The class of an out-of-line member (C++ `void A::f() {}`), declared in a file this one includes."""
        for target in self._stars(self.path):
            d = self._defn(target, qn)
            if d is not None and d.is_class:
                return target, d
        return None

    # -- one file ------------------------------------------------------------------------------------------
    def _call_targets(self, call) -> tuple[tuple[tuple[str, str, float, str], ...], bool]:
        """(callee file, callee qualified name, confidence, reason) of each edge of a call site, and whether
        any was found."""
        # Most sites read nothing of their caller's scopes but which class encloses them (no local definition
        # or binding of a name they look up): one resolution serves the file's sites of that class alike.
        cls = self._context(call.caller)[1]
        alike = (call.receiver, call.name, call.is_new) if cls is None else \
            (call.receiver, call.name, call.is_new, cls[0], id(cls[1]))       # held in `_callers`
        outcome = self._unscoped_sites.get(alike)
        if outcome is not None:
            return outcome
        self._dispatch, self._scoped = None, False
        hit, reason = self.resolve_call(call)
        found = hit is not None and hit[0] == "def" and not hit[2].is_class
        targets = [(hit[1], hit[2].key, CONFIDENCE[reason], reason)] if found else []
        if self._dispatch is not None and (not found or hit[2].kind == "method"):
            for sub_path, m in self.overrides(*self._dispatch, call.name):   # interface without the method
                found = True
                targets.append((sub_path, m.key, CONFIDENCE["override"], "override"))
        outcome = tuple(targets), found
        if not self._scoped:
            self._unscoped_sites[alike] = outcome
        return outcome

    def run(self) -> FileResolution:
        facts = self.view.facts
        imports = []
        for imp in facts.imports:
            edge = self.resolve_import(imp)
            imports.append(edge)
            if edge.target_path is not None and imp.name in (None, "*") and self.adapter.package_scoped:
                imports.extend(ImportEdge(edge.line, edge.name, sib, None)      # a package: all its files
                               for sib in self._package_files(edge.target_path))
        imports = tuple(imports)
        calls, unresolved = [], []
        # Call sites repeat (same caller, receiver and name on other lines): one resolution each. Resolving
        # a site again would read the same settled memo entries and record no new key.
        outcomes: dict[tuple, tuple[tuple, bool]] = {}
        edge, add_call, add_unresolved = CallEdge, calls.append, unresolved.append
        for call in facts.calls:
            site = (caller := call.caller, call.receiver, call.name, call.is_new)
            outcome = outcomes.get(site)
            if outcome is None:
                outcome = outcomes[site] = self._call_targets(call)
            targets, found = outcome
            for callee_path, callee, confidence, reason in targets:
                add_call(edge(caller, callee_path, callee, call.line, confidence, reason))
            if not found:
                add_unresolved((caller, call.name, call.line))
        inherits = []
        for d in facts.definitions:
            if d.is_class and d.bases:
                chain = _scope_chain(self.view, d.parent, self.adapter.lexical_class_scopes)
                for base, kind in zip(d.bases, d.base_kinds or ("extends",) * len(d.bases)):
                    hit, _ = self.resolve_dotted(base, chain)
                    if hit is not None and hit[0] == "def" and hit[2].is_class and hit[2] is not d:
                        inherits.append(InheritsEdge(d.key, hit[1], hit[2].key, kind))
        # A file is re-resolved whenever the nodes its edges point at may change: a delta that rebuilds a
        # file's nodes drops the edges into them (`import c` reads nothing of c, yet points at it).
        callees = {target[0] for targets, _ in outcomes.values() for target in targets}     # those of `calls`
        self.keys.update("e:" + p for p in {e.target_path for e in imports} | callees
                         | {e.base_path for e in inherits} if p is not None and p != self.path)
        return FileResolution(self.path, imports, tuple(calls), tuple(inherits), tuple(unresolved),
                              frozenset(self.keys))


class _Sub(Resolver):
    """Looks at another file on behalf of a parent resolver, recording keys into the parent's set."""

    def __init__(self, parent: Resolver, path: str, *, own_keys: bool = False):
        self.index = parent.index
        self.path = path
        self.keys = set() if own_keys else parent.keys      # own_keys: a memoised result records everything
        self._merged = {} if own_keys else parent._merged
        self._home = None if own_keys else parent._home
        self._subs = {} if own_keys else parent._subs
        self.view = self.index.view(path)           # read through the recording accessors only
        self._start_lookups()
        self._scope_names = self._bound_names = self._member_types = None   # another file's: read (keys recorded)
        self._nested_names = frozenset()        # resolve_call runs on the file's own resolver only
        self._scoped = False
        self.adapter = adapter_for(self._language(path))
        self.family = family(self.view.facts.language)


def _scope_chain(view: _FileView, qn: str | None, with_classes: bool = False) -> list[str]:
    """Enclosing function scopes of `qn`, innermost first (class bodies are scopes only for Ruby constants)."""
    out = []
    d = view.by_qn.get(qn) if qn else None
    while d is not None and d.kind != "module":
        if with_classes or not d.is_class:
            out.append(d.key)
        d = view.by_qn.get(d.parent) if d.parent else None
    return out


def _call_chain(recv: str) -> list[str] | None:
    """`A.b(x)` -> ["A.b"]; `A(x).b(y).c()` (or `new A(x).b(y).c()`) -> ["A", "b", "c"]; None for any other
    text (an index, a field of a call's result, a lambda). Parentheses inside string literals do not count."""
    m = _CALL_HEAD.match(recv, _NEW.match(recv).end())          # `new A().b()`: Java, C#, JS/TS, PHP
    if m is None or not _is_dotted(m.group(1)):
        return None
    out, i, n = [m.group(1)], m.end(1), len(recv)
    while True:
        depth, quote = 0, None
        while i < n:                         # the balanced (...) starting at i
            ch = recv[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = None
            elif ch in "\"'`":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if i >= n:
            return None
        i += 1
        if i == n:
            return out
        step = _CHAIN_STEP.match(recv, i)
        if step is None:
            return None
        out.append(step.group(1))
        i = step.end(1)


def _is_dotted(text: str) -> bool:
    return all(part.isidentifier() or part.replace("$", "_").isidentifier() for part in text.split("."))


def resolve_files(index: SymbolIndex, paths) -> dict[str, FileResolution]:
    return {p: Resolver(index, p).run() for p in sorted(paths)}
