"""The generic half of extraction: run a tags-style query, build scopes, emit frozen facts.

Capture names (per-language `.scm` files follow them):
  @definition.<kind> + @name [+ @params] [+ @bases]   a definition (kind: function, method, class, ...)
  @reference.call + @name [+ @receiver]              a call; @reference.new for `new X()`
  @import                                            an import statement (the adapter parses it)
  @binding + @bind.name + @bind.type                 `x = Foo()`, `x: Foo` (receiver typing)
  @reference.bare + @name                            a call written as a bare identifier (Ruby `helper`):
                                                     dropped when the enclosing function has a @local of that name
  @local                                             a local variable or parameter name (Ruby)
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

from ..index.facts import CLASS_KINDS, Binding, CallSite, Definition, FileFacts, Import

QUERY_DIR = Path(__file__).with_name("queries")


class Adapter:
    name = ""                 # our language name
    grammar = ""              # tree-sitter-language-pack name
    query_file = ""           # file in languages/queries/
    shared_query_files: tuple[str, ...] = ()   # loaded before query_file (patterns common to a family)
    self_names: tuple[str, ...] = ()      # receivers meaning "this instance"
    class_self_names: tuple[str, ...] = ()  # receivers meaning "this class" (Python cls)
    super_names: tuple[str, ...] = ()
    constructor_names: tuple[str, ...] = ()
    names_can_be_submodules = False      # Python: `from pkg import mod` may bind a submodule
    family = ""               # module-key namespace shared by languages that import each other ("c")
    external_prefix = ""      # Module id prefix for imports no project file provides ("python:os")
    implicit_self = False     # a bare call inside a method may name a method of its class (Ruby, C++)
    out_of_line_members = False   # C++: `void A::f() {}` is a member of class A declared elsewhere
    scope_separator = "."     # between the parts of a qualified name
    lexical_class_scopes = False  # Ruby: constants resolve in enclosing classes/modules, reopened across files
    namespaced_calls = False  # `ns::f()` / `\\ns\\f()`: namespaces are not definitions, match qualified names

    # -- tree-sitter objects, built lazily per process ------------------------------------------------
    @cached_property
    def parser(self):
        from tree_sitter_language_pack import get_parser

        return get_parser(self.grammar)

    @cached_property
    def query(self):
        from tree_sitter import Query
        from tree_sitter_language_pack import get_language

        files = (*self.shared_query_files, self.query_file)
        return Query(get_language(self.grammar), "\n".join((QUERY_DIR / f).read_text() for f in files))

    # -- language hooks ---------------------------------------------------------------------------------
    def module_name(self, path: str) -> str:
        raise NotImplementedError

    def definition_kind(self, capture_kind: str, name: str, parent: Definition | None) -> str:
        if capture_kind in ("function", "method"):
            if parent is not None and parent.is_class:
                return "constructor" if name in self.constructor_names else "method"
            return "function"
        return capture_kind

    def docstring(self, node, src: bytes) -> str:
        return ""

    def signature(self, node, caps, src: bytes) -> str:
        params = caps.get("params")
        name = caps["name"][0]
        return _text(src, name) + (_text(src, params[0]) if params else "")

    def bases(self, caps, src: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (), ()

    def is_exported(self, node, name: str, parent: Definition | None) -> bool:
        return parent is None and not name.startswith("_")

    def parse_import(self, node, src: bytes) -> list[Import]:
        raise NotImplementedError

    def receiver_text(self, node, src: bytes) -> str:
        return _text(src, node)

    def type_text(self, node, src: bytes) -> str:
        """A bound type as the resolver reads it: dotted ("ns.Foo"), whatever the language writes."""
        return _text(src, node)

    def qualify(self, node, caps, name: str, parent: Definition | None, module: str) -> tuple[str, str, str | None]:
        """(name, qualified name, parent qualified name) of a definition; C++ `A::f` bodies name their class."""
        scope = parent.qualified_name if parent else module
        return name, f"{scope}.{name}", parent.qualified_name if parent else None

    # -- resolution hooks (pure functions of paths and config: the resolver caches and diffs them) -------
    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        """Keys under which other files can import `path`, each with a priority (lower wins a tie)."""
        raise NotImplementedError

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        """Module keys to try, in order, for an import written in file `importer`."""
        raise NotImplementedError

    def companion_keys(self, path: str) -> list[str]:
        """Module keys of files that define what `path` declares (a C header's same-stem sources)."""
        return []

    def implicit_imports(self, name: str, facts: FileFacts) -> list[Import]:
        """Imports a name has without an import statement (PHP: a class of the file's own namespace)."""
        return []

    def external_module_name(self, imp: Import) -> str:
        """Name of the `Module` node for an import no project file provides."""
        return imp.module

    # -- the generic extraction ---------------------------------------------------------------------------
    def extract(self, src: bytes, *, path: str, hash: str) -> FileFacts:
        tree = self.parser.parse(src)
        root = tree.root_node
        module = self.module_name(path)
        lines = src.count(b"\n") + (0 if src.endswith(b"\n") or not src else 1)
        module_def = Definition("module", module.rsplit(".", 1)[-1].rsplit("/", 1)[-1], module, None, 1,
                                max(lines, 1), docstring=self.docstring(root, src), exported=True)
        items = []
        from tree_sitter import QueryCursor

        for _, caps in QueryCursor(self.query).matches(root):
            for key in caps:
                if key.startswith("definition."):
                    node = caps[key][0]
                    items.append((node.start_byte, -node.end_byte, 0, key[11:], node, caps))
                    break
                if key.startswith("reference."):
                    node = caps[key][0]
                    items.append((node.start_byte, -node.end_byte, 1, key[10:], node, caps))
                    break
                if key == "import":
                    node = caps[key][0]
                    items.append((node.start_byte, -node.end_byte, 2, "", node, caps))
                    break
                if key == "binding":
                    node = caps[key][0]
                    items.append((node.start_byte, -node.end_byte, 3, "", node, caps))
                    break
                if key == "local":
                    node = caps[key][0]
                    items.append((node.start_byte, -node.end_byte, 4, "", node, caps))
                    break
        items.sort(key=lambda it: (it[0], it[1], it[2]))

        definitions: list[Definition] = [module_def]
        calls: list[CallSite] = []
        imports: list[Import] = []
        bindings: list[Binding] = []
        stack: list[tuple[int, Definition]] = []   # (end_byte, definition)
        seen_defs: set[int] = set()
        bare: set[int] = set()                     # indexes into `calls` of bare-identifier calls
        locals_: set[tuple[str, str]] = set()      # (function qn, local name)
        for start, neg_end, order, kind, node, caps in items:
            while stack and stack[-1][0] <= start:
                stack.pop()
            parent = stack[-1][1] if stack else None
            if order == 0:
                if node.id in seen_defs:
                    continue
                seen_defs.add(node.id)
                name = _text(src, caps["name"][0])
                dkind = self.definition_kind(kind, name, parent)
                name, qn, parent_qn = self.qualify(node, caps, name, parent, module)
                if parent is None and parent_qn is not None and kind in ("function", "method"):
                    # an out-of-line member (C++ `A::A() {}`, `void A::f() {}`): its class is elsewhere
                    owner = parent_qn.rsplit(self.scope_separator, 1)[-1]
                    dkind = "constructor" if name in self.constructor_names or name == owner else "method"
                is_class = dkind in CLASS_KINDS
                bases, base_kinds = self.bases(caps, src) if is_class else ((), ())
                d = Definition(
                    dkind, name, qn, parent_qn,
                    node.start_point[0] + 1, node.end_point[0] + 1,
                    signature="" if is_class else self.signature(node, caps, src),
                    docstring=self.docstring(node, src),
                    exported=self.is_exported(node, name, parent),
                    bases=bases, base_kinds=base_kinds,
                )
                definitions.append(d)
                stack.append((-neg_end, d))
            elif order == 1:
                caller = _enclosing_function(stack, module)
                recv = caps.get("receiver")
                if kind == "bare":
                    bare.add(len(calls))
                calls.append(CallSite(caller, _text(src, caps["name"][0]),
                                      self.receiver_text(recv[0], src) if recv else None,
                                      node.start_point[0] + 1, is_new=(kind == "new")))
            elif order == 2:
                imports.extend(self.parse_import(node, src))
            elif order == 4:
                locals_.add((_enclosing_function(stack, module), _text(src, node)))
            else:
                scope = _enclosing_scope(stack, module)
                bname = caps["bind.name"][0]
                target = caps.get("bind.self")
                name = _text(src, bname)
                if target:
                    owner = _enclosing_class(stack)
                    if owner is None or _text(src, target[0]) not in self.self_names:
                        continue
                    scope, name = owner, "self." + name
                bindings.append(Binding(scope, name, self.type_text(caps["bind.type"][0], src)))
        if bare:
            calls = [c for i, c in enumerate(calls) if i not in bare or (c.caller, c.name) not in locals_]
        return FileFacts(
            path=path, language=self.name, module=module, hash=hash, size=len(src), lines=lines,
            definitions=tuple(definitions), imports=tuple(imports), calls=tuple(calls),
            bindings=tuple(bindings), syntax_errors=_count_errors(root),
        )


def _text(src: bytes, node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _enclosing_function(stack, module: str) -> str:
    for _, d in reversed(stack):
        if not d.is_class:
            return d.qualified_name
    return module


def _enclosing_scope(stack, module: str) -> str:
    return stack[-1][1].qualified_name if stack else module


def _enclosing_class(stack) -> str | None:
    for _, d in reversed(stack):
        if d.is_class:
            return d.qualified_name
    return None


def _count_errors(root) -> int:
    if not root.has_error:
        return 0
    count, todo = 0, [root]
    while todo:
        n = todo.pop()
        if n.is_error or n.is_missing:
            count += 1
            continue
        todo.extend(c for c in n.children if c.has_error or c.is_missing)
    return count
