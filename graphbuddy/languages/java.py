"""Java: `com.x.Class.method` names from the `package` line, imports of classes, packages and static members,
extends/implements, constructors named after their class (`super(...)`/`this(...)` resolve to them)."""
from __future__ import annotations

import dataclasses

from ..index.facts import Import
from .base import Adapter, _text, preceding_comments

_PRIMITIVES = frozenset({"var", "int", "long", "short", "byte", "char", "boolean", "float", "double", "void"})


class JavaAdapter(Adapter):
    name = "java"
    grammar = "java"
    query_file = "java.scm"
    family = "jvm"                # Java and Kotlin import each other's packages
    self_names = ("this",)
    super_names = ("super",)
    constructor_names = ()        # named after the class
    package_scoped = True
    implicit_self = True
    package_node = "package_declaration"

    def module_name(self, path: str) -> str:
        return ""                 # the package comes from the file (file_module)

    def file_module(self, root, src: bytes, path: str) -> str:
        for child in root.named_children:
            if child.type == self.package_node:
                for c in child.named_children:
                    if c.type in ("scoped_identifier", "identifier", "qualified_identifier"):
                        return _text(src, c).replace(" ", "")
            elif child.type not in ("line_comment", "block_comment", "comment", "file_annotation", "shebang_line"):
                break
        return ""

    def definition_kind(self, capture_kind, name, parent):
        if capture_kind == "method" and (parent is None or not parent.is_class):
            return "function"
        return capture_kind

    def docstring(self, node, src: bytes) -> str:
        return "" if node.parent is None else preceding_comments(node, src)

    def signature(self, node, caps, src: bytes) -> str:
        sig = super().signature(node, caps, src)
        ret = node.child_by_field_name("type")
        return f"{_text(src, ret)} {sig}" if ret is not None else sig

    def is_exported(self, node, name, parent) -> bool:
        mods = next((c for c in node.children if c.type == "modifiers"), None)
        return mods is not None and b"public" in mods.text

    def bases(self, caps, src: bytes):
        node = next(v[0] for k, v in caps.items() if k.startswith("definition."))
        out, kinds = [], []
        for child in node.named_children:
            kind = {"superclass": "extends", "super_interfaces": "implements",
                    "extends_interfaces": "extends"}.get(child.type)
            if kind is None:
                continue
            for t in _type_names(child, src):
                out.append(t)
                kinds.append("extends" if node.type == "interface_declaration" else kind)
        return tuple(out), tuple(kinds)

    def receiver_text(self, node, src: bytes) -> str:
        if node.type == "object_creation_expression":        # `new T(..).m()`: typed like Python's `T().m()`
            t = node.child_by_field_name("type")
            return _text(src, t).split("<", 1)[0] + "()" if t is not None else _text(src, node)
        return _text(src, node)

    def return_type(self, signature: str) -> str:
        ret = signature.split("(", 1)[0].rsplit(" ", 1)[0] if " " in signature.split("(", 1)[0] else ""
        ret = ret.split("<", 1)[0].strip()
        return "" if ret in _PRIMITIVES or not ret.replace(".", "").isidentifier() else ret

    def binding_type(self, node, src: bytes) -> str:
        text = _text(src, node).split("<", 1)[0].strip()
        return "" if text in _PRIMITIVES or not text.replace(".", "").isidentifier() else text

    def parse_import(self, node, src: bytes) -> list[Import]:
        text = _text(src, node).strip().rstrip(";").strip()
        text = text[len("import"):].strip()
        if text.startswith("static "):
            text = text[len("static "):].strip()
        return [java_import(node.start_point[0] + 1, text.replace(" ", ""))]

    def extract(self, src: bytes, *, path: str, hash: str):
        facts = super().extract(src, path=path, hash=hash)
        return _rename_constructor_calls(facts)

    # -- resolution ----------------------------------------------------------------------------------------
    def module_keys_for(self, facts, all_paths):
        keys = [(_join(facts.module, d.name), 0) for d in facts.definitions
                if d.parent is None and d.kind != "module"]
        return keys + [(facts.module, 1)]

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        if imp.name in (None, "*"):
            return [imp.module]
        return [_join(imp.module, imp.name.split(".")[0]), imp.module]

    def external_module_name(self, imp: Import) -> str:
        return imp.module if imp.name in (None, "*") else _join(imp.module, imp.name)


def java_import(line: int, path: str) -> Import:
    """`com.x.Util` -> module com.x, name Util; `com.x.Util.go` (static) -> name "Util.go"; `com.x.*` -> star.
    The package ends before the first capitalised segment (Java naming), else before the last segment."""
    parts = path.split(".")
    if parts[-1] == "*":
        return Import(line, ".".join(parts[:-1]), "*", None)
    cut = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
    cut = max(cut, 1) if len(parts) > 1 else 0
    return Import(line, ".".join(parts[:cut]), ".".join(parts[cut:]), parts[-1])


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _type_names(node, src: bytes) -> list[str]:
    out = []
    for c in node.named_children:
        if c.type in ("type_identifier", "scoped_type_identifier", "user_type"):
            out.append(_text(src, c).split("<", 1)[0])
        elif c.type == "generic_type":
            out.append(_text(src, c.named_children[0]))
        elif c.type in ("type_list", "interface_type_list"):
            out.extend(_type_names(c, src))
    return out


def _rename_constructor_calls(facts, *, super_word: str = "super"):
    """`super(...)` -> the superclass's constructor, `this(...)` -> a sibling constructor."""
    if not any(c.name in (super_word, "this") and c.receiver is None for c in facts.calls):
        return facts
    by_qn = {d.key: d for d in facts.definitions}
    calls = []
    for c in facts.calls:
        if c.receiver is None and c.name in (super_word, "this"):
            ctor = by_qn.get(c.caller)
            cls = by_qn.get(ctor.parent) if ctor is not None and ctor.parent else None
            if cls is None:
                continue
            if c.name == "this":
                c = dataclasses.replace(c, name=cls.name, receiver="this")
            elif cls.bases and (cls.base_kinds or ("extends",))[0] == "extends":
                c = dataclasses.replace(c, name=cls.bases[0].rsplit(".", 1)[-1], receiver=super_word)
            else:
                continue
        calls.append(c)
    return dataclasses.replace(facts, calls=tuple(calls))
