"""Ruby: classes and modules, `require`/`require_relative` as whole-file imports, mixins as bases.

Qualified names: classes and modules by their constant path (`Shop::Cart`), instance methods
`Shop::Cart#total`, singleton methods `Shop::Cart.create`, top-level methods `<file module>.helper` (the
file module is the path without `.rb`). `X.new` calls `X#initialize`; a bare `super` calls the overridden
method; `@x = Foo.new` types `@x` for the class's other methods. Calls inside blocks belong to the method.
"""
from __future__ import annotations

import dataclasses
import posixpath

from ..index.facts import Binding, CallSite, Import
from .base import Adapter, _text

LOAD_DIRS = frozenset({"lib", "app", "src"})
_MIXINS = {"include": "includes", "extend": "includes", "prepend": "includes"}


class RubyAdapter(Adapter):
    name = "ruby"
    grammar = "ruby"
    query_file = "ruby.scm"
    family = "rb"
    self_names = ("self",)
    super_names = ("super",)
    constructor_names = ("initialize",)
    implicit_self = True
    lexical_class_scopes = True
    reopened_kinds = frozenset({"class", "module_class"})     # `class Foo ... end` twice: one class
    global_functions = True

    def extract(self, src: bytes, *, path: str, hash: str):
        facts = super().extract(src, path=path, hash=hash)
        by_qn = {d.key: d for d in facts.definitions}
        calls = []
        for c in facts.calls:
            if c.name == "new" and c.receiver and c.receiver.replace(".", "").isidentifier() \
                    and c.receiver.split(".")[-1][:1].isupper():
                scope, _, cls = c.receiver.rpartition(".")          # Shop::Cart.new -> Cart in Shop
                c = CallSite(c.caller, cls, scope or None, c.line, is_new=True)
            elif c.name == "new" and c.receiver is None:                # `new(...)` in `def self.build`
                caller = by_qn.get(c.caller)
                owner = by_qn.get(caller.parent) if caller is not None and caller.parent else None
                if owner is None or not owner.is_class:
                    continue
                scope, _, cls = owner.qualified_name.replace("::", ".").rpartition(".")
                c = CallSite(c.caller, cls, scope or None, c.line, is_new=True)
            elif c.name == "super" and c.receiver is None:
                caller = by_qn.get(c.caller)
                if caller is None or caller.kind == "module":
                    continue
                c = CallSite(c.caller, caller.name, "super", c.line)
            calls.append(c)
        bindings = []
        for b in facts.bindings:
            if b.name.startswith("@"):                              # an instance variable: the class's
                method = by_qn.get(b.scope)
                if method is None or method.parent is None:
                    continue
                b = Binding(method.parent, "self." + b.name.lstrip("@"), b.type_name)
            bindings.append(b)
        return dataclasses.replace(facts, calls=tuple(calls), bindings=tuple(dict.fromkeys(bindings)))

    def module_name(self, path: str) -> str:
        return path[:-3] if path.endswith(".rb") else path.rsplit(".", 1)[0]

    def definition_kind(self, capture_kind: str, name: str, parent) -> str:
        if capture_kind in ("method", "singleton"):
            if parent is not None and parent.is_class:
                return "constructor" if name in self.constructor_names and capture_kind == "method" else "method"
            return "function"
        return capture_kind

    def qualify(self, node, caps, name, parent, module):
        if node.type in ("class", "module"):
            written = name.replace(" ", "").lstrip(":")
            short = written.rsplit("::", 1)[-1]
            if parent is not None and parent.is_class:
                return short, f"{parent.qualified_name}::{written}", parent.qualified_name
            return short, written, parent.qualified_name if parent else None
        if parent is not None and parent.is_class:
            body = node.parent
            in_singleton = body is not None and body.parent is not None and body.parent.type == "singleton_class"
            sep = "." if node.type == "singleton_method" or in_singleton else "#"     # `class << self`
            return name, f"{parent.qualified_name}{sep}{name}", parent.qualified_name
        scope = parent.qualified_name if parent else module
        return name, f"{scope}.{name}", parent.qualified_name if parent else None

    def docstring(self, node, src: bytes) -> str:
        lines = []
        prev = node.prev_named_sibling
        line = node.start_point[0]
        while prev is not None and prev.type == "comment" and prev.end_point[0] == line - 1:
            lines.append(_text(src, prev).lstrip("#").strip())
            line = prev.start_point[0]
            prev = prev.prev_named_sibling
        return "\n".join(reversed(lines))[:2000]

    def signature(self, node, caps, src: bytes) -> str:
        params = caps.get("params")
        prefix = "self." if node.type == "singleton_method" else ""
        return prefix + _text(src, caps["name"][0]) + (_text(src, params[0]) if params else "")

    def is_exported(self, node, name: str, parent) -> bool:
        return True

    def bases(self, caps, src: bytes):
        """In Ruby's ancestor order, which `member` searches in: included/prepended modules (the last one
        first), then the superclass, then `extend`ed modules (singleton methods: a last resort)."""
        supers = [_dotted(_text(src, b)) for b in caps.get("bases", ()) if b.type in ("constant", "scope_resolution")]
        mixins, extended = [], []
        node = caps.get("definition.class", caps.get("definition.module_class", [None]))[0]
        body = node.child_by_field_name("body") if node is not None else None
        for stmt in body.named_children if body is not None else ():
            if stmt.type != "call" or stmt.child_by_field_name("receiver") is not None:
                continue
            method, args = stmt.child_by_field_name("method"), stmt.child_by_field_name("arguments")
            word = _text(src, method) if method is not None else ""
            if word in _MIXINS and args is not None:
                names = [_dotted(_text(src, a)) for a in args.named_children if a.type in ("constant", "scope_resolution")]
                # `include A, B` puts A before B in the ancestors (B is included first)
                (extended if word == "extend" else mixins).append(names)
        out = [n for group in reversed(mixins) for n in group] + supers + [n for group in extended for n in group]
        kinds = ("includes",) * sum(map(len, mixins)) + ("extends",) * len(supers) \
            + ("includes",) * sum(map(len, extended))
        return tuple(out), kinds

    def receiver_text(self, node, src: bytes) -> str:
        if node.type == "call" and node.child_by_field_name("receiver") is not None \
                and _text(src, node.child_by_field_name("method")) == "new":     # Cart.new(1).m: typed as Cart
            return _dotted(_text(src, node.child_by_field_name("receiver"))) + "()"
        text = _dotted(_text(src, node))
        return "self." + text[1:] if text.startswith("@") and not text.startswith("@@") else text

    def binding_type(self, node, src: bytes) -> str:
        return _dotted(_text(src, node))

    def parse_import(self, node, src: bytes) -> list[Import]:
        method, args = node.child_by_field_name("method"), node.child_by_field_name("arguments")
        if method is None or args is None or not args.named_child_count:
            return []
        arg = args.named_children[0]
        if arg.type != "string" or any(c.type == "interpolation" for c in arg.named_children):
            return []                                               # a computed path: nothing to resolve
        spec = _text(src, arg)[1:-1]
        if _text(src, method) == "require_relative" and not spec.startswith("."):
            spec = "./" + spec
        return [Import(node.start_point[0] + 1, spec, "*", None)]

    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        stem = self.module_name(path)
        keys = [(stem, 0)]
        parts = stem.split("/")
        for i, part in enumerate(parts[:-1]):                       # load paths: lib/ (also app/, src/)
            if part in LOAD_DIRS:
                keys.append(("/".join(parts[i + 1:]), 1))
        return keys

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        spec = imp.module[:-3] if imp.module.endswith(".rb") else imp.module
        if spec.startswith("."):
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
            return [] if joined.startswith("../") else [joined]
        return [spec]

    def external_module_name(self, imp: Import) -> str:
        return imp.module.lstrip("./").split("/")[0]


def _dotted(text: str) -> str:
    return text.replace("::", ".").replace(" ", "").lstrip(".")
