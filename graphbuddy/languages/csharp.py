"""C#: `Namespace.Class.Method` names from the file's namespace, `using` namespaces/aliases, base lists
(a first base named like `IName` counts as an interface), constructors named after their class
(`: base(...)` / `: this(...)` resolve to them)."""
from __future__ import annotations

import re

from ..index.facts import Import
from .base import _text
from .java import JavaAdapter, _rename_constructor_calls

_INTERFACE_NAME = re.compile(r"^I[A-Z]")
_BUILTIN = frozenset({"var", "int", "long", "short", "byte", "char", "bool", "float", "double", "decimal", "string",
                      "object", "void", "dynamic", "uint", "ulong", "ushort", "sbyte"})


class CSharpAdapter(JavaAdapter):
    name = "csharp"
    grammar = "csharp"
    query_file = "csharp.scm"
    family = "cs"
    super_names = ("base",)

    def file_module(self, root, src: bytes, path: str) -> str:
        todo = list(root.named_children)
        while todo:
            node = todo.pop(0)
            if node.type in ("namespace_declaration", "file_scoped_namespace_declaration"):
                name = node.child_by_field_name("name")
                return _text(src, name).replace(" ", "") if name is not None else ""
            if node.type in ("preproc_if", "preproc_region", "declaration_list"):
                todo.extend(node.named_children)
        return ""

    def reopens(self, node, kind: str) -> bool:
        """`partial class A` declared twice in one file is one class; two plain `class A` are the arms of an
        `#if` (the grammar reads both)."""
        return any(c.type == "modifier" and c.text == b"partial" for c in node.children)

    def is_exported(self, node, name, parent) -> bool:
        return any(c.type == "modifier" and c.text == b"public" for c in node.children)

    def signature(self, node, caps, src: bytes) -> str:
        sig = super(JavaAdapter, self).signature(node, caps, src)
        ret = node.child_by_field_name("returns") or node.child_by_field_name("type")
        return f"{_text(src, ret)} {sig}" if ret is not None else sig

    def bases(self, caps, src: bytes):
        node = next(v[0] for k, v in caps.items() if k.startswith("definition."))
        base_list = next((c for c in node.named_children if c.type == "base_list"), None)
        if base_list is None:
            return (), ()
        names = []
        for c in base_list.named_children:
            if c.type in ("identifier", "qualified_name"):
                names.append(_text(src, c))
            elif c.type == "generic_name":
                names.append(_text(src, c.named_children[0]))
            elif c.type == "primary_constructor_base_type" and c.named_child_count:
                names.append(_text(src, c.named_children[0]).split("<", 1)[0])
        kinds = []
        for i, n in enumerate(names):
            if node.type == "interface_declaration":
                kinds.append("extends")
            elif i == 0 and node.type in ("class_declaration", "record_declaration") \
                    and not _INTERFACE_NAME.match(n.rsplit(".", 1)[-1]):
                kinds.append("extends")
            else:
                kinds.append("implements")
        return tuple(names), tuple(kinds)

    def binding_type(self, node, src: bytes) -> str:
        text = _text(src, node).split("<", 1)[0].rstrip("?").strip()
        return "" if text in _BUILTIN or not text.replace(".", "").isidentifier() else text

    def return_type(self, signature: str) -> str:
        ret = super().return_type(signature)
        return "" if ret in _BUILTIN else ret

    def parse_import(self, node, src: bytes) -> list[Import]:
        line = node.start_point[0] + 1
        alias_node = node.child_by_field_name("name")
        target = next((c for c in node.named_children if c != alias_node
                       and c.type in ("identifier", "qualified_name", "generic_name")), None)
        if target is None:
            return []
        path = _text(src, target).replace(" ", "")
        is_static = any(c.type == "static" or _text(src, c) == "static" for c in node.children)
        if alias_node is not None:                 # `using L = A.B.Logger;`
            module, _, name = path.rpartition(".")
            return [Import(line, module, name, _text(src, alias_node))]
        if is_static:                              # `using static A.B.Helpers;`: the class's members
            module, _, name = path.rpartition(".")
            return [Import(line, module, name, None)]
        return [Import(line, path, "*", None)]    # a namespace: all its types

    def extract(self, src: bytes, *, path: str, hash: str):
        facts = super(JavaAdapter, self).extract(src, path=path, hash=hash)
        return _rename_constructor_calls(facts, super_word="base")

    def external_module_name(self, imp: Import) -> str:
        return imp.module if imp.name in (None, "*") else f"{imp.module}.{imp.name}"
