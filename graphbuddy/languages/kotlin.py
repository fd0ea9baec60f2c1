"""Kotlin: `com.x.Class.method` names from the `package` header (shared namespace with Java: family "jvm"),
top-level functions, objects and companions, constructors named "constructor" (the primary one is the class
header's parameter list), delegation specifiers as bases."""
from __future__ import annotations

import dataclasses

from ..index.facts import Import
from .base import _text, colon_return_type, preceding_comments
from .java import JavaAdapter, java_import

_BUILTIN = frozenset({"Int", "Long", "Short", "Byte", "Char", "Boolean", "Float", "Double", "String", "Unit",
                      "Any", "Nothing", "List", "Map", "Set", "MutableList", "MutableMap", "Array"})
_RECEIVER_RETURNING = frozenset({"apply", "also"})     # scope functions whose value is their receiver


class KotlinAdapter(JavaAdapter):
    name = "kotlin"
    grammar = "kotlin"
    query_file = "kotlin.scm"
    constructor_names = ("constructor",)
    package_node = "package_header"

    def unnamed(self, kind: str) -> str:
        return "constructor" if kind.startswith("constructor") else ""

    def definition_kind(self, capture_kind, name, parent):
        if capture_kind.startswith("constructor"):
            return "constructor"
        if capture_kind == "function":
            return "method" if parent is not None and parent.is_class else "function"
        return capture_kind

    def docstring(self, node, src: bytes) -> str:
        if node.parent is None:
            return ""
        return "" if node.type == "primary_constructor" else preceding_comments(node, src)

    def signature(self, node, caps, src: bytes) -> str:
        params = caps.get("params")
        name = _text(src, caps["name"][0]) if "name" in caps else "constructor"
        sig = name + (_text(src, params[0]) if params else "")
        ret = next((c for c in node.named_children if c.type in ("user_type", "nullable_type")), None) \
            if node.type == "function_declaration" else None
        return f"{sig}: {_text(src, ret)}" if ret is not None else sig

    def is_exported(self, node, name, parent) -> bool:
        mods = next((c for c in node.children if c.type == "modifiers"), None)
        return mods is None or not any(m in mods.text for m in (b"private", b"internal"))

    def bases(self, caps, src: bytes):
        node = next(v[0] for k, v in caps.items() if k.startswith("definition."))
        out, kinds = [], []
        for spec in node.named_children:
            if spec.type != "delegation_specifier":
                continue
            inv = next((c for c in spec.named_children if c.type == "constructor_invocation"), None)
            user = inv.named_children[0] if inv is not None else \
                next((c for c in spec.named_children if c.type == "user_type"), None)
            if user is None:
                continue
            out.append(_text(src, user).split("<", 1)[0])
            # `Base(...)` calls a superclass constructor: extends; a bare type is an interface
            kinds.append("extends" if inv is not None else "implements")
        return tuple(out), tuple(kinds)

    def return_type(self, signature: str) -> str:
        ret = colon_return_type(signature)      # `make(): D` (an expression body `= apply {...}` declares none)
        return "" if ret in _BUILTIN else ret

    def binding_type(self, node, src: bytes) -> str:
        text = _text(src, node).split("<", 1)[0].rstrip("?").strip()
        if text in _RECEIVER_RETURNING:
            return "this"
        return "" if text in _BUILTIN or not text.replace(".", "").isidentifier() else text

    def parse_import(self, node, src: bytes) -> list[Import]:
        ident = next((c for c in node.named_children if c.type == "identifier"), None)
        if ident is None:
            return []
        path = _text(src, ident).replace(" ", "")
        line = node.start_point[0] + 1
        if any(c.type == "wildcard_import" for c in node.named_children):
            return [Import(line, path, "*", None)]
        imp = java_import(line, path)
        alias = next((c for c in node.named_children if c.type == "import_alias"), None)
        if alias is not None and alias.named_child_count:
            imp = dataclasses.replace(imp, alias=_text(src, alias.named_children[-1]))
        return [imp]

    def extract(self, src: bytes, *, path: str, hash: str):
        facts = super(JavaAdapter, self).extract(src, path=path, hash=hash)
        return _kotlin_constructor_calls(facts)


def _kotlin_constructor_calls(facts):
    """`this(...)`/`super(...)` delegation -> constructor calls; a class header's `Base(...)` is called by the
    class's primary constructor."""
    by_qn = {d.key: d for d in facts.definitions}
    headers = {d.start_line: d for d in facts.definitions if d.is_class}
    calls = []
    for c in facts.calls:
        if c.receiver is None and (c.name.startswith("this") or c.name.startswith("super")) and "(" in c.name:
            word = "this" if c.name.startswith("this") else "super"
            c = dataclasses.replace(c, name="constructor", receiver=word)
        elif c.receiver is None and c.line in headers and by_qn.get(c.caller, None) is not None \
                and by_qn[c.caller].kind == "module":
            cls = headers[c.line]
            ctor = f"{cls.key}.constructor"
            if ctor in by_qn and c.name in [b.rsplit(".", 1)[-1] for b in cls.bases]:
                c = dataclasses.replace(c, caller=ctor, name="constructor", receiver="super")
        calls.append(c)
    return dataclasses.replace(facts, calls=tuple(calls))
