"""The generic half of extraction: run a tags-style query, build scopes, emit frozen facts.

Capture names (per-language `.scm` files follow them):
  @definition.<kind> + @name [+ @params] [+ @bases]   a definition (kind: function, method, class, ...)
  @reference.call + @name [+ @receiver]              a call; @reference.new for `new X()`
  @import                                            an import statement (the adapter parses it)
  @binding + @bind.name + @bind.type                 `x = Foo()`, `x: Foo` (receiver typing)
      [+ @bind.self]                                 `self.x = Foo()` (self word must be in self_names)
      [+ @bind.field]                                a typed field declared in a class body (`Foo x;`)
  @binding + @bind.name + @bind.value                `self.x = x`: x's type, if a binding in the same
                                                     function gave one (a typed parameter)
  @binding + @bind.return + @bind.type               `return Foo()` / `return cls(...)`: types `x = f()`
                                                     when the signature declares no return type
      [+ @bind.calls]                                the name's value is the function named by @bind.type:
                                                     calling it calls that (`def f(fn=helper)`, `return inner`)
      [+ @bind.elements]                             `items []Foo`: binds the elements' type (as `items[]`)
      [+ @bind.element] (with @bind.value)           `for _, x := range items`: x is an element of items
  @definition.<kind> ... + @owner                    a method declared outside its type (Go receiver):
                                                     its parent is the module-level type named by @owner
  @container + @name [+ @bases]                      a block naming members without being a definition
                                                     (Rust `impl [Trait for] Type`): members get Type as
                                                     parent; @bases add to Type's bases in this file
  @reference.bare + @name                            a call written as a bare identifier (Ruby `helper`):
                                                     dropped when the enclosing function has a @local of that name
  @local                                             a local variable or parameter name (Ruby)
  @expand                                            a node whose calls the grammar does not parse (Rust macro
                                                     arguments are token trees): the adapter's `expand_calls`
                                                     reads them
"""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from ..index.facts import CALLS, CLASS_KINDS, RETURN, Binding, CallSite, Definition, FileFacts, Import

QUERY_DIR = Path(__file__).with_name("queries")
_DOTTED = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*")
_NO_END = 1 << 62              # end byte of the empty scope stack


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
    separator = "."           # joins qualified-name parts (Rust, C++ "::"; PHP namespaces "\\")
    family = ""               # module-key namespace shared by languages that import each other ("js", "c",
                              # "jvm"); default: the language name
    external_prefix = ""      # prefix of external Module ids ("python:os"); default: the language name
    package_scoped = False    # files with the same `module` share one namespace (Go, Java, Kotlin, C#)
    implicit_self = False     # bare `m()` / `field.m()` inside a method may mean this.m() / this.field.m()
                              # (Java, Kotlin, C#, Ruby, C++); also: nested types of enclosing classes
    out_of_line_members = False   # C++: `void A::f() {}` is a member of class A declared elsewhere
    lexical_class_scopes = False  # Ruby: constants resolve in enclosing classes/modules, reopened across files
    namespaced_calls = False  # `ns::f()` / `\\ns\\f()`: namespaces are not definitions, match qualified names
    global_functions = False  # top-level functions share one program-wide namespace (C, C++, PHP, Ruby): a bare
                              # name nothing in scope binds may mean the project's one function of that name
                              # (`global_unique`); elsewhere it is a builtin, an external import or a local
    exported_is_linkage = False   # `exported` is external linkage (C/C++ non-`static`): a function that is not
                                  # can only be called from files that see it (no `global_unique` target)
    reopened_kinds: frozenset[str] = frozenset()   # class-like kinds a second definition reopens (`reopens`)

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

    @cached_property
    def _plain_receivers(self) -> bool:
        """receiver_text not overridden: the generic loop slices the text itself (saves a call per call)."""
        return type(self).receiver_text is Adapter.receiver_text

    @cached_property
    def _plain_binding_types(self) -> bool:
        return type(self).binding_type is Adapter.binding_type

    @cached_property
    def _pattern_roles(self) -> list:
        """Per query pattern: (role capture, order, tie-break, kind), learnt from its first match (every
        pattern has exactly one role capture: @definition.*, @container, @reference.*, @import, ...)."""
        return [None] * self.query.pattern_count

    # -- language hooks ---------------------------------------------------------------------------------
    def module_name(self, path: str) -> str:
        raise NotImplementedError

    def file_module(self, root, src: bytes, path: str) -> str:
        """The qualified-name prefix of the file's top-level definitions; "" for none (Java default package).
        Languages that declare their package in the file (Java `package`, Go `package`) override this."""
        return self.module_name(path)

    def reopens(self, node, kind: str) -> bool:
        """Whether a class-like defined again in one file is the same class reopened (Ruby classes, TypeScript
        interfaces, C# partial classes), whose members join the first definition's; elsewhere a later one is
        another class (both arms of an `if`, `#if`/`#else`, `#[cfg]`): its members are its own."""
        return kind in self.reopened_kinds

    def definition_kind(self, capture_kind: str, name: str, parent: Definition | None) -> str:
        if capture_kind in ("function", "method"):
            if parent is not None and parent.is_class:
                return "constructor" if name in self.constructor_names else "method"
            return "function"
        return capture_kind

    def docstring(self, node, src: bytes) -> str:
        return ""

    def unnamed(self, kind: str) -> str:
        """Name of a definition captured without @name (Kotlin constructors); "" skips it."""
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

    def return_type(self, signature: str) -> str:
        """The type a function's signature says it returns ("" unknown): types `x = make()`."""
        head, arrow, ret = signature.rpartition("->")
        ret = ret.strip().strip("'\"")
        return ret if arrow and _DOTTED.fullmatch(ret) else ""

    def binding_type(self, node, src: bytes) -> str:
        """The type a binding gives, as the resolver reads it: dotted ("ns.Foo"), "" to drop it. Java/Go strip
        generics and pointers here, C++/PHP namespaces."""
        return _text(src, node)

    def qualify(self, node, caps, name: str, parent: Definition | None, module: str) -> tuple[str, str, str | None]:
        """(name, qualified name, parent qualified name) of a definition; C++ `A::f` bodies name their class."""
        return name, _join(parent.qualified_name if parent else module, name, self.separator), \
            parent.qualified_name if parent else None

    # -- resolution hooks (pure functions of paths and config: the resolver caches and diffs them) -------
    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        """Keys under which other files can import `path`, each with a priority (lower wins a tie)."""
        raise NotImplementedError

    def module_keys_for(self, facts: FileFacts, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        """Like `module_keys`, for languages whose keys depend on content (a declared package)."""
        return self.module_keys(facts.path, all_paths)

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        """Module keys to try, in order, for an import written in file `importer`."""
        raise NotImplementedError

    def path_roots(self, name: str, importer: str, config: dict) -> list[str]:
        """Module keys a leading path word may name in file `importer` (Rust `crate`, `super`, a child module,
        a crate of the project), in order."""
        return []

    def companion_keys(self, path: str) -> list[str]:
        """Module keys of files that define what `path` declares (a C header's same-stem sources)."""
        return []

    def implicit_imports(self, name: str, facts: FileFacts) -> list[Import]:
        """Imports a name has without an import statement (PHP: a class of the file's own namespace)."""
        return []

    def external_module_name(self, imp: Import) -> str:
        """Name of the `Module` node for an import no project file provides."""
        return imp.module

    def expand_calls(self, node, caps, src: bytes, caller: str) -> list[CallSite]:
        """The calls inside an `@expand` node (Rust `format!(...)` arguments), as the query would capture them."""
        return []

    # -- the generic extraction ---------------------------------------------------------------------------
    def extract(self, src: bytes, *, path: str, hash: str) -> FileFacts:
        tree = self.parser.parse(src)
        root = tree.root_node
        sep = self.separator
        module = self.file_module(root, src, path)      # prefix of top-level names ("" = none)
        module_qn = module or path.rsplit("/", 1)[-1]      # no package: the file name ("Main.java")
        lines = src.count(b"\n") + (0 if src.endswith(b"\n") or not src else 1)
        short = module.rsplit(sep, 1)[-1].rsplit(".", 1)[-1].rsplit("/", 1)[-1] if module else module_qn
        module_def = Definition("module", short, module_qn, None, 1, max(lines, 1), docstring=self.docstring(root, src),
                                exported=True)
        from tree_sitter import QueryCursor

        items = []
        append = items.append
        roles = self._pattern_roles
        # the match's index: a unique tie-break that keeps match order, so tuples never compare nodes
        for seq, (pattern, caps) in enumerate(QueryCursor(self.query).matches(root)):
            role = roles[pattern]
            if role is None or (nodes := caps.get(role[0])) is None:
                role = roles[pattern] = _role(caps, pattern)   # first match of this pattern: what it captures
                if role is None:
                    continue
                nodes = caps[role[0]]
            node = nodes[0]                     # one node matched by several patterns: the first listed wins
            append((node.start_byte, -node.end_byte, role[1], role[2], seq, role[3], node, caps))
        items.sort()

        # ASCII source (most files): byte offsets are str offsets, and a str slice is cheaper than a decode.
        # The node-text slicing below (receivers, binding types) is written out where used, not called: this
        # loop runs once per capture (millions on a big project), and a helper call would add to every one.
        text = src.decode("ascii") if src.isascii() else None
        definitions: list[Definition] = [module_def]
        calls: list[CallSite] = []
        imports: list[Import] = []
        bindings: list[Binding] = []
        stack: list[tuple[int, Definition]] = []   # (end_byte, definition)
        seen_defs: set[int] = set()
        class_keys: set[str] = set()               # keys of the class-likes so far (a later one of a key: `reopens`)
        extra_bases: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}   # container bases by type key
        bare: set[int] = set()                     # indexes into `calls` of bare-identifier calls
        weak: list[Binding] = []                   # `@bind.element` bindings (see the end)
        locals_: set[tuple[str, str]] = set()      # (function key, local name)
        bound: dict[tuple[str, str], set[str]] | None = None   # (scope, name) -> types of `bindings`
        receiver_text = None if self._plain_receivers else self.receiver_text
        binding_type = None if self._plain_binding_types else self.binding_type
        caller = module_qn                         # the innermost enclosing function, kept with the stack
        parent = None                              # the innermost definition (stack[-1]), and its end byte
        top_end = _NO_END
        for start, neg_end, order, _, _, kind, node, caps in items:
            if start >= top_end:
                while stack and stack[-1][0] <= start:
                    stack.pop()
                caller = _enclosing_function(stack, module_qn)
                top_end, parent = stack[-1] if stack else (_NO_END, None)
            if order == 1:                         # calls first: most items are calls
                name_node = caps["name"][0]
                a, b = name_node.start_byte, name_node.end_byte
                if a == b:
                    continue                       # a MISSING node in a broken tree
                recv = caps.get("receiver")
                if recv:
                    r = recv[0]
                    if receiver_text is not None:
                        recv = receiver_text(r, src)
                    elif text is not None:
                        recv = text[r.start_byte:r.end_byte]
                    else:
                        recv = src[r.start_byte:r.end_byte].decode("utf-8", "replace")
                else:
                    recv = None
                if kind == "bare":
                    bare.add(len(calls))
                calls.append(CallSite(caller, text[a:b] if text is not None else src[a:b].decode("utf-8", "replace"),
                                      recv, node.start_point[0] + 1, kind == "new"))
            elif order == 0:
                if node.id in seen_defs:
                    continue
                seen_defs.add(node.id)
                name = _text(src, caps["name"][0]) if "name" in caps else self.unnamed(kind)
                if not name:
                    continue
                if kind == "":                     # @container: a naming scope, not a definition
                    qn = _join(parent.qualified_name if parent else module, name, sep)
                    # `impl T` blocks reopen T: never a class of their own, inside a later duplicate its own T
                    d = Definition("class", name, qn, parent.key if parent else None, 0, 0,
                                   alias=_member_alias(parent, qn))
                    if "bases" in caps:
                        b, k = self.bases(caps, src)
                        old = extra_bases.get(d.key, ((), ()))
                        extra_bases[d.key] = (old[0] + b, old[1] + k)
                    top_end = -neg_end
                    stack.append((top_end, d))
                    parent = d
                    continue
                owner = caps.get("owner")
                if owner:                          # Go `func (s *Server) Start()`: a method of Server
                    parent = Definition("class", _text(src, owner[0]), _join(module, _text(src, owner[0]), sep),
                                        None, 0, 0)
                dkind = self.definition_kind(kind, name, parent)
                name, qn, parent_qn = self.qualify(node, caps, name, parent, module)
                if parent is None and parent_qn is not None and kind in ("function", "method"):
                    # an out-of-line member (C++ `A::A() {}`, `void A::f() {}`): its class is elsewhere
                    owner_name = parent_qn.rsplit(sep, 1)[-1]
                    dkind = "constructor" if name in self.constructor_names or name == owner_name else "method"
                is_class = dkind in CLASS_KINDS
                bases, base_kinds = self.bases(caps, src) if is_class else ((), ())
                line = node.start_point[0] + 1
                alias = ""
                if parent is not None and parent.alias:        # a member of a later duplicate: named through it
                    alias = _member_alias(parent, qn)
                    if parent_qn == parent.qualified_name:
                        parent_qn = parent.alias
                if is_class:
                    key = alias or qn
                    if key not in class_keys:
                        class_keys.add(key)
                    elif not self.reopens(node, dkind):     # another class of the same name: `@line` as its id
                        alias = f"{key}@{line}"
                d = Definition(
                    dkind, name, qn, parent_qn,
                    line, node.end_point[0] + 1,
                    "" if is_class else self.signature(node, caps, src),
                    self.docstring(node, src),
                    self.is_exported(node, name, parent),
                    bases, base_kinds, alias,
                )
                definitions.append(d)
                top_end = -neg_end
                stack.append((top_end, d))
                parent = d
                if not is_class:
                    caller = d.key
            elif order == 2:
                imports.extend(self.parse_import(node, src))
            elif order == 5:
                calls.extend(self.expand_calls(node, caps, src, caller))
            elif order == 4:
                locals_.add((caller, text[node.start_byte:node.end_byte] if text is not None else _text(src, node)))
            else:
                scope = parent.key if parent else module_qn
                target = caps.get("bind.self")
                if "bind.return" in caps:          # `return Foo()`: what calling the function gives
                    scope, name = caller, RETURN + CALLS if "bind.calls" in caps else RETURN
                else:
                    name = _text(src, caps["bind.name"][0])
                    if "bind.elements" in caps:    # `items []T`: what its elements are, as `items[]`
                        name += "[]"
                    elif "bind.calls" in caps:     # `fn=helper`: calling fn calls helper
                        name += CALLS
                if target or "bind.field" in caps:
                    owner = _enclosing_class(stack)
                    if owner is None or (target and _text(src, target[0]) not in self.self_names):
                        continue
                    scope, name = owner, "self." + name
                if "bind.value" in caps:            # the type of a local bound earlier in this function
                    if bound is None:                  # built at the first need, then kept up to date
                        bound = {}
                        for b in bindings:
                            bound.setdefault((b.scope, b.name), set()).add(b.type_name)
                    value = _text(src, caps["bind.value"][0])
                    key = (caller, value)
                    if "bind.element" in caps:     # an element of `xs` (or of a field: `this.xs`, implicit `xs`)
                        head, dot, rest = value.partition(".")
                        if dot and head in self.self_names:
                            key = (_enclosing_class(stack), f"self.{rest}[]")
                        else:
                            key = (caller, value + "[]")
                            if self.implicit_self and not dot and key not in bound and (caller, value) not in bound \
                                    and (caller, value) not in locals_:     # not a local of that name (`@local`)
                                key = (_enclosing_class(stack), f"self.{value}[]")
                    types = bound.get(key)
                    type_name = next(iter(types)) if types is not None and len(types) == 1 else ""
                else:
                    t = caps["bind.type"][0]
                    if binding_type is not None:
                        type_name = binding_type(t, src)
                    elif text is not None:
                        type_name = text[t.start_byte:t.end_byte]
                    else:
                        type_name = src[t.start_byte:t.end_byte].decode("utf-8", "replace")
                if type_name:
                    if "bind.element" in caps:     # a loop variable or callback parameter: weaker than any
                        weak.append(Binding(scope, name, type_name))     # other binding of its name (below)
                        continue
                    bindings.append(Binding(scope, name, type_name))
                    if bound is not None:
                        bound.setdefault((scope, name), set()).add(type_name)
        if weak:
            # Loop variables and callback parameters share their function's scope: where the function binds the
            # name otherwise too (`NewReference type = ...` beside `xs.GroupBy(type => ...)`), they would make it
            # ambiguous; they yield instead.
            strong = {(b.scope, b.name) for b in bindings}
            bindings.extend(b for b in weak if (b.scope, b.name) not in strong)
        if bare:
            calls = [c for i, c in enumerate(calls) if i not in bare or (c.caller, c.name) not in locals_]
        if extra_bases:
            definitions = [_with_bases(d, extra_bases.get(d.key)) if d.is_class else d
                           for d in definitions]
        return FileFacts(
            path=path, language=self.name, module=module, hash=hash, size=len(src), lines=lines,
            definitions=tuple(definitions), imports=tuple(imports), calls=tuple(calls),
            bindings=tuple(bindings), syntax_errors=_count_errors(root),
        )


def _role(caps: dict, pattern: int):
    """(capture, order, tie-break, kind) of a match: at one node, definitions (first listed pattern first),
    then references, imports, bindings, locals. None if the match has no role capture."""
    for key in caps:
        if key.startswith("definition.") or key == "container":
            return key, 0, pattern, key[11:]
        if key.startswith("reference."):
            return key, 1, 0, key[10:]
        if key == "import":
            return key, 2, 0, ""
        if key == "binding":
            return key, 3, 0, ""
        if key == "local":
            return key, 4, 0, ""
        if key == "expand":
            return key, 5, 0, ""
    return None


def _join(prefix: str, name: str, sep: str) -> str:
    return f"{prefix}{sep}{name}" if prefix else name


def _with_bases(d: Definition, extra) -> Definition:
    if not extra:
        return d
    from dataclasses import replace

    kinds = d.base_kinds or ("extends",) * len(d.bases)
    return replace(d, bases=d.bases + extra[0], base_kinds=kinds + extra[1])


def preceding_comments(node, src: bytes) -> str:
    """Doc text from the comment lines right above `node` (`///`, `/** */`, `//`, `#`), markers stripped;
    attribute/annotation lines (`#[...]`, `@...`) in between are skipped; at most 200 lines are read. Reads
    the source bytes backwards (walking tree siblings is quadratic in long class bodies), a block comment's
    lines in one slice."""
    end = node.start_byte
    begin = src.rfind(b"\n", 0, end) + 1
    if src[begin:end].strip():
        return ""                                  # code before the node on its line
    picked: list[bytes] = []                       # stripped lines, bottom up
    budget = 200
    pos = begin - 1                                # the newline ending the line above
    while budget and pos >= 0:
        start = src.rfind(b"\n", 0, pos) + 1
        t = src[start:pos].strip()
        budget -= 1
        pos = start - 1
        if t.endswith(b"*/"):
            picked.append(t)
            if b"/*" in t or pos < 0:
                continue
            # inside a block comment: every line up to the one that opens it
            opening = src.rfind(b"/*", 0, pos)
            top = src.rfind(b"\n", 0, opening) + 1 if opening >= 0 else 0
            block = src[top:pos].split(b"\n")[::-1]
            picked.extend(line.strip() for line in block[:budget])
            if len(block) > budget:
                break
            budget -= len(block)
            pos = top - 1
        elif t.startswith((b"//", b"#")) and not t.startswith((b"#[", b"#!")):
            picked.append(t)
        elif t.startswith((b"#[", b"@")) and not picked:
            continue                               # attributes and annotations between doc and item
        else:
            break
    lines, size = [], 0
    for t in reversed(picked):
        t = t.decode("utf-8", "replace")
        if t[:1] in _MARK_STARTS:
            for mark in _MARKS:
                if t.startswith(mark):
                    t = t[len(mark):]
                    break
        if t.endswith("*/"):
            t = t[:-2]
        t = t.strip().lstrip("*").strip()
        if t:
            lines.append(t)
            size += len(t) + 1
            if size > 2000:
                break
    return "\n".join(lines)[:2000]


_MARKS = ("/**", "/*!", "/*", "///", "//!", "//", "#")
_MARK_STARTS = ("/", "#")


def _text(src: bytes, node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _enclosing_function(stack, module: str) -> str:
    for _, d in reversed(stack):
        if not d.is_class:
            return d.key
    return module


def _enclosing_class(stack) -> str | None:
    for _, d in reversed(stack):
        if d.is_class:
            return d.key
    return None


def _member_alias(parent: Definition | None, qn: str) -> str:
    """The alias of a member `qn` of `parent`: its qualified name with the parent's alias in front, or "" where
    the parent has none (or the member is not named under it: C++ `A::f` inside a namespace)."""
    if parent is None or not parent.alias or not qn.startswith(parent.qualified_name):
        return ""
    return parent.alias + qn[len(parent.qualified_name):]


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


def colon_return_type(signature: str) -> str:
    """`f(a: A): R` -> "R" (Kotlin, TypeScript): the type declared after the parameter list, without its type
    arguments or nullability; "" when none is."""
    depth = 0
    for i, ch in enumerate(signature):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                rest = signature[i + 1:].lstrip()
                if not rest.startswith(":"):
                    return ""
                ret = re.split(r"[<|&\[\s{=?]", rest[1:].strip(), maxsplit=1)[0]
                return ret if _DOTTED.fullmatch(ret) else ""
    return ""
