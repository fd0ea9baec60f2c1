"""JavaScript, TypeScript and TSX: one adapter over three grammars.

Module names are paths without the extension ("src/util/helpers"); imports are ES modules, `export ... from`
re-exports and CommonJS `require`; specifiers resolve like Node/TypeScript: relative paths, `index` files,
and the nearest tsconfig/jsconfig `paths` + `baseUrl`.
"""
from __future__ import annotations

import dataclasses
import posixpath
import re
import threading

from ..index.facts import Binding, Import
from .base import Adapter, _text, colon_return_type

# Extension -> priority when several files claim the same extensionless key (lower wins, like tsc's order).
EXT_PRIORITY = {".ts": 0, ".tsx": 1, ".d.ts": 2, ".js": 3, ".jsx": 4, ".mjs": 5, ".cjs": 6, ".mts": 7, ".cts": 8}
CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
_PRIVATE_MODIFIERS = ("private", "protected")
_ANONYMOUS_DEFAULTS = ("function_expression", "arrow_function", "class")

# Export facts of the file being extracted, gathered lazily from the top-level statements by the first
# `is_exported` call and dropped when `extract` returns (one adapter instance serves all threads).
_current = threading.local()


class _ModuleExports:
    """Top-level names exported by `export {a}`, `export default a` and CommonJS `module.exports` forms."""

    __slots__ = ("names", "default")

    def __init__(self, program):
        self.names: set[str] = set()
        self.default: str | None = None
        for stmt in program.named_children:
            if stmt.type == "export_statement":
                self._export_statement(stmt)
            elif stmt.type == "expression_statement" and stmt.named_child_count \
                    and stmt.named_children[0].type == "assignment_expression":
                self._commonjs(stmt.named_children[0])

    def _export_statement(self, stmt) -> None:
        if stmt.child_by_field_name("source") is not None:
            return                                  # a re-export names other files' definitions
        is_default = any(c.type == "default" for c in stmt.children)
        decl = stmt.child_by_field_name("declaration")
        value = stmt.child_by_field_name("value")
        if is_default and decl is not None and decl.child_by_field_name("name") is not None:
            self.default = _text_of(decl.child_by_field_name("name"))
        elif is_default and value is not None and value.type == "identifier":
            self.default = _text_of(value)
            self.names.add(self.default)
        elif is_default and value is not None and value.type in _ANONYMOUS_DEFAULTS:
            self.default = "default"                 # the query names these definitions "default"
            self.names.add("default")
        for clause in stmt.named_children:
            if clause.type == "export_clause":
                for spec in clause.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if name is not None:
                        self.names.add(_text_of(name))
                        if alias is not None and _text_of(alias) == "default":
                            self.default = _text_of(name)

    def _commonjs(self, expr) -> None:
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is None or right is None or left.type != "member_expression":
            return
        target = _text_of(left)
        if target == "module.exports":
            if right.type == "identifier":
                self.default = _text_of(right)
                self.names.add(self.default)
            elif right.type == "object":
                for prop in right.named_children:
                    if prop.type == "shorthand_property_identifier":
                        self.names.add(_text_of(prop))
                    elif prop.type == "pair":
                        value = prop.child_by_field_name("value")
                        if value is not None and value.type == "identifier":
                            self.names.add(_text_of(value))
            return
        for prefix in ("exports.", "module.exports."):
            if target.startswith(prefix) and "." not in target[len(prefix):]:
                self.names.add(target[len(prefix):])
                if right.type == "identifier":
                    self.names.add(_text_of(right))


class JavaScriptAdapter(Adapter):
    name = "javascript"
    grammar = "javascript"
    shared_query_files = ("ecmascript.scm",)
    query_file = "javascript.scm"
    self_names = ("this",)
    class_self_names = ()
    super_names = ("super",)
    constructor_names = ("constructor",)
    family = "js"
    external_prefix = "js"

    def config_files(self) -> tuple[str, ...]:
        return CONFIG_NAMES

    # -- extraction ---------------------------------------------------------------------------------------
    def extract(self, src: bytes, *, path: str, hash: str):
        _current.exports = None
        try:
            facts = super().extract(src, path=path, hash=hash)
            exports = _current.exports
        finally:
            _current.exports = None
        classes = {d.key for d in facts.definitions if d.is_class}
        calls = tuple(dataclasses.replace(c, name="constructor") if c.name == "super" and c.receiver == "super"
                      else c for c in facts.calls)
        # Only class fields bind directly in a class scope: they are instance attributes (`this.x`).
        bindings = [dataclasses.replace(b, name="self." + b.name)
                    if b.scope in classes and not b.name.startswith("self.") else b for b in facts.bindings]
        bindings += _parameter_properties(facts)
        extra = dict(facts.extra)
        if exports is not None and exports.default:
            extra["default_export"] = exports.default
        return dataclasses.replace(facts, calls=calls, bindings=tuple(dict.fromkeys(bindings)), extra=extra)

    def module_name(self, path: str) -> str:
        return _strip_ext(path)[0]

    def docstring(self, node, src: bytes) -> str:
        if node.type == "program":
            return ""
        target = _statement_of(node)
        if target is not node and node.type == "variable_declarator" and node.prev_named_sibling is not None:
            return ""                                         # `const a = ..., b = ...`: the doc is a's
        if target.parent is not None and target.parent.type == "export_statement":
            target = target.parent
        prev = target.prev_named_sibling
        while prev is not None and prev.type == "decorator":     # TS class members: decorators are siblings
            prev = prev.prev_named_sibling
        if prev is None or prev.type != "comment":
            return ""
        text = _text(src, prev)
        if not text.startswith("/**") or not text.endswith("*/") or len(text) < 5:
            return ""
        lines = (line.strip() for line in text[3:-2].splitlines())
        return "\n".join(line[1:].strip() if line.startswith("*") else line for line in lines).strip()[:2000]

    def signature(self, node, caps, src: bytes) -> str:
        fn = node.child_by_field_name("value") or node.child_by_field_name("right") or node
        params = fn.child_by_field_name("parameters")
        single = fn.child_by_field_name("parameter") if params is None else None
        sig = _text(src, caps["name"][0])
        sig += _text(src, params) if params is not None else f"({_text(src, single)})" if single is not None else "()"
        ret = fn.child_by_field_name("return_type")
        if ret is not None:
            sig += _text(src, ret)
        return " ".join(sig.split())

    def bases(self, caps, src: bytes):
        clause = caps.get("bases")
        if not clause:
            return (), ()
        out, kinds = [], []

        def add(node, kind):
            if node.type == "generic_type":                  # Base<T> -> Base
                node = node.child_by_field_name("name")
            if node is not None and node.type in _BASE_NODES:
                out.append(_text(src, node))
                kinds.append(kind)

        for child in clause[0].named_children:
            if child.type == "extends_clause":              # TS: extends B<T>
                for value in child.children_by_field_name("value"):
                    add(value, "extends")
            elif child.type == "implements_clause":
                for t in child.named_children:
                    add(t, "implements")
            else:                                           # JS class_heritage / TS interface extends_type_clause
                add(child, "extends")
        return tuple(out), tuple(kinds)

    def is_exported(self, node, name: str, parent) -> bool:
        if parent is not None:
            if not parent.is_class or not parent.exported or name.startswith(("#", "_")):
                return False
            return not any(c.type == "accessibility_modifier" and _text_of(c) in _PRIVATE_MODIFIERS
                           for c in node.children)
        up = _statement_of(node).parent
        in_export = up is not None and up.type == "export_statement"
        program = up.parent if in_export else up
        if program is None or program.type != "program":   # nested in a block, a callback, a namespace
            return in_export
        exports = getattr(_current, "exports", None)
        if exports is None:                                # also finds the default export for `extract`
            exports = _current.exports = _ModuleExports(program)
        return in_export or name in exports.names

    def receiver_text(self, node, src: bytes) -> str:
        while node.type in ("parenthesized_expression", "non_null_expression") and node.named_child_count:
            node = node.named_children[0]
        if node.type == "new_expression":                # `new Foo().m()`: typed like a `Foo()` call result
            ctor = node.child_by_field_name("constructor")
            if ctor is not None:
                return _text(src, ctor) + "()"
        return _text(src, node)

    def parse_import(self, node, src: bytes) -> list[Import]:
        line = node.start_point[0] + 1
        if node.type == "import_statement":
            return _es_import(node, src, line)
        if node.type == "export_statement":
            return _re_export(node, src, line)
        return _require(node, src, line)

    # -- resolution ---------------------------------------------------------------------------------------
    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        stem, ext = _strip_ext(path)
        prio = EXT_PRIORITY.get(ext, 9)
        keys = [(stem, prio), (path, 0)]
        if stem == "index" or stem.endswith("/index"):
            keys.append((posixpath.dirname(stem), 20 + prio))
        return keys

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        spec = imp.module
        if spec in (".", "..") or spec.startswith(("./", "../")):
            return _with_stripped(_norm(posixpath.join(posixpath.dirname(importer), spec)))
        if spec.startswith("/") or ":" in spec:             # absolute paths, `node:fs`, URLs
            return []
        return _config_candidates(spec, importer, config)

    def external_module_name(self, imp: Import) -> str:
        spec = imp.module
        if spec.startswith("node:"):
            spec = spec[5:]
        if spec.startswith((".", "/")):
            return spec
        parts = spec.split("/")
        return "/".join(parts[:2]) if spec.startswith("@") and len(parts) > 1 else parts[0]


class TypeScriptAdapter(JavaScriptAdapter):
    name = "typescript"
    grammar = "typescript"
    query_file = "typescript.scm"
    reopened_kinds = frozenset({"interface"})     # declaration merging: `interface A` twice is one interface

    def return_type(self, signature: str) -> str:
        return colon_return_type(signature)     # `run(): Rows`


class TsxAdapter(TypeScriptAdapter):
    name = "tsx"
    grammar = "tsx"


_BASE_NODES = frozenset({"identifier", "member_expression", "type_identifier", "nested_type_identifier"})


def _parameter_properties(facts) -> list:
    """TS `constructor(private repo: Repo)` also binds `this.repo`: read the modifiers off the signature."""
    out = []
    ctors = {d.key: d for d in facts.definitions if d.kind == "constructor" and d.parent}
    for b in facts.bindings:
        ctor = ctors.get(b.scope)
        if ctor is not None and re.search(rf"\b(?:public|private|protected|readonly)\s+{re.escape(b.name)}\??\s*:",
                                          ctor.signature):
            out.append(Binding(ctor.parent, "self." + b.name, b.type_name))
    return out


def _text_of(node) -> str:
    return node.text.decode("utf-8", "replace")


def _statement_of(node):
    """Where JSDoc and `export` attach: a declarator's declaration, an `exports.f = ...` statement."""
    if node.type == "variable_declarator" and node.parent is not None:
        return node.parent
    if node.type == "assignment_expression" and node.parent is not None:
        return node.parent
    return node


def _strip_ext(path: str) -> tuple[str, str]:
    if path.endswith(".d.ts"):
        return path[:-5], ".d.ts"
    base = path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot <= 0:
        return path, ""
    return path[: len(path) - len(base) + dot], base[dot:]


def _norm(path: str) -> str | None:
    """A POSIX path relative to the project root, or None when it leaves the root."""
    p = posixpath.normpath(path)
    if p == ".":
        return ""
    return None if p == ".." or p.startswith(("../", "/")) else p


def _with_stripped(key: str | None) -> list[str]:
    """`./a.js` in TypeScript means `./a.ts`: try the key as written, then without a script extension."""
    if key is None:
        return []
    stem, ext = _strip_ext(key)
    return [key, stem] if ext in EXT_PRIORITY else [key]


def _config_candidates(spec: str, importer: str, config: dict) -> list[str]:
    """Keys from the nearest tsconfig/jsconfig: `paths` patterns (longest prefix wins), then `baseUrl`."""
    cfg_dir, cfg = posixpath.dirname(importer), None
    while cfg is None:
        for name in CONFIG_NAMES:
            found = config.get(posixpath.join(cfg_dir, name) if cfg_dir else name)
            if isinstance(found, dict):
                cfg = found
                break
        else:
            if not cfg_dir:
                return []
            cfg_dir = posixpath.dirname(cfg_dir)
    opts = cfg.get("compilerOptions")
    opts = opts if isinstance(opts, dict) else {}
    base_url = opts.get("baseUrl")
    base = posixpath.join(cfg_dir, base_url) if isinstance(base_url, str) else cfg_dir
    out: list[str] = []
    paths = opts.get("paths")
    best = None                           # (prefix length, wildcard text, targets)
    for pattern, targets in (paths.items() if isinstance(paths, dict) else ()):
        if not isinstance(targets, list):
            continue
        if "*" not in pattern:
            if pattern == spec:
                best = (len(spec) + 1, "", targets)    # an exact pattern beats any wildcard
                break
            continue
        prefix, _, suffix = pattern.partition("*")
        if spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix) + len(suffix) \
                and (best is None or len(prefix) > best[0]):
            best = (len(prefix), spec[len(prefix): len(spec) - len(suffix)], targets)
    if best is not None:
        for target in best[2]:
            if isinstance(target, str):
                out += _with_stripped(_norm(posixpath.join(base, target.replace("*", best[1], 1))))
    if isinstance(base_url, str):
        out += _with_stripped(_norm(posixpath.join(base, spec)))
    return list(dict.fromkeys(k for k in out if k))


def _string_value(node, src: bytes) -> str:
    return _text(src, node)[1:-1] if node.type == "string" else _text(src, node)


def _es_import(node, src: bytes, line: int) -> list[Import]:
    source = node.child_by_field_name("source")
    out = []
    for clause in node.named_children:
        if clause.type == "import_require_clause":        # TS `import x = require("./a")`
            ident, req = clause.named_children[0], clause.child_by_field_name("source")
            if req is not None:
                out.append(Import(line, _string_value(req, src), None, _text(src, ident)))
        if clause.type != "import_clause" or source is None:
            continue
        module = _string_value(source, src)
        for part in clause.named_children:
            if part.type == "identifier":
                out.append(Import(line, module, "default", _text(src, part)))
            elif part.type == "namespace_import" and part.named_child_count:
                out.append(Import(line, module, None, _text(src, part.named_children[0])))
            elif part.type == "named_imports":
                out += _specifiers(part, module, src, line, reexport=False)
    if not out and source is not None:
        out.append(Import(line, _string_value(source, src), None, None))   # `import "./polyfill"`
    return out


def _re_export(node, src: bytes, line: int) -> list[Import]:
    module = _string_value(node.child_by_field_name("source"), src)
    for part in node.named_children:
        if part.type == "export_clause":
            return _specifiers(part, module, src, line, reexport=True)
        if part.type == "namespace_export" and part.named_child_count:
            return [Import(line, module, None, _text(src, part.named_children[0]), reexport=True)]
    return [Import(line, module, "*", None, reexport=True)]


def _specifiers(clause, module: str, src: bytes, line: int, *, reexport: bool) -> list[Import]:
    out = []
    for spec in clause.named_children:
        name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
        if name is None:
            continue
        n = _string_value(name, src)
        out.append(Import(line, module, n, _string_value(alias, src) if alias is not None else n, reexport))
    return out


def _require_source(call, src: bytes) -> str:
    args = call.child_by_field_name("arguments")
    return next(_string_value(a, src) for a in args.named_children if a.type == "string")


def _require(node, src: bytes, line: int) -> list[Import]:
    """`const x = require("m")`, `const {a, b: c} = require("m")`, `const f = require("m").f`, `require("m")`."""
    if node.type == "expression_statement":
        return [Import(line, _require_source(node.named_children[0], src), None, None)]
    value, target = node.child_by_field_name("value"), node.child_by_field_name("name")
    member = None
    if value.type == "member_expression":
        member, value = _text(src, value.child_by_field_name("property")), value.child_by_field_name("object")
    module = _require_source(value, src)
    if target.type == "identifier":
        return [Import(line, module, member, _text(src, target))]
    if target.type != "object_pattern" or member is not None:
        return [Import(line, module, None, None)]
    out = []
    for prop in target.named_children:
        if prop.type == "object_assignment_pattern":       # `{a = 1}`
            prop = prop.child_by_field_name("left")
        if prop.type == "shorthand_property_identifier_pattern":
            out.append(Import(line, module, _text(src, prop), _text(src, prop)))
        elif prop.type == "pair_pattern":
            key, val = prop.child_by_field_name("key"), prop.child_by_field_name("value")
            if val.type == "identifier":
                out.append(Import(line, module, _string_value(key, src), _text(src, val)))
    return out or [Import(line, module, None, None)]
