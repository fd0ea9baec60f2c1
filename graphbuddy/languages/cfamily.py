"""C and C++: one family of module keys, since each includes the other's headers.

Qualified names: C `<file module>.func` (the module is the path without extension, so `util.h` and
`util.c` are one module) and struct/enum tags by their bare name (they are program-wide); C++
`ns::Class::method`, with types outside any namespace bare (`Shape::area`) and free functions outside any
namespace named like C. `.h` files are parsed as C++ (its grammar reads C headers; C++ classes in `.h`
files are common).
Prototypes are not definitions: a call seen through `#include "util.h"` binds to the body in the header's
companion source (`util.c`/`util.cpp` beside it, or under `src/` for a header under `include/`).
"""
from __future__ import annotations

import dataclasses
import posixpath

from ..index.facts import Binding, Import
from .base import Adapter, _text

HEADER_EXTS = (".h", ".hh", ".hpp", ".hxx", ".h++", ".inc")
SOURCE_EXTS = (".c", ".cc", ".cpp", ".cxx", ".c++")
INCLUDE_DIRS = frozenset({"include", "inc", "src", "source", "lib"})
_TYPE_NODES = frozenset({"class_specifier", "struct_specifier", "union_specifier", "enum_specifier"})


def _split_ext(path: str) -> tuple[str, str]:
    base = path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return (path, "") if dot <= 0 else (path[: len(path) - len(base) + dot], base[dot:].lower())


class CAdapter(Adapter):
    name = "c"
    grammar = "c"
    query_file = "c.scm"
    family = "c"
    global_functions = True
    exported_is_linkage = True

    def module_name(self, path: str) -> str:
        return _split_ext(path)[0]

    def docstring(self, node, src: bytes) -> str:
        """The comment block right above a definition (`/** */`, `///` or `//` lines)."""
        if node.type == "translation_unit":
            return ""
        target = node.parent if node.parent is not None and node.parent.type == "template_declaration" else node
        lines = []
        prev = target.prev_sibling
        while prev is not None and prev.type == "comment" and prev.end_point[0] >= target.start_point[0] - 1 - len(lines):
            lines.append(_text(src, prev))
            if prev.type == "comment" and _text(src, prev).startswith("/*"):
                break
            prev = prev.prev_sibling
        if not lines:
            return ""
        out = []
        for raw in reversed(lines):
            raw = raw.strip()
            if raw.startswith("/*"):
                raw = raw[2:-2] if raw.endswith("*/") else raw[2:]
            for line in raw.splitlines():
                line = line.strip().lstrip("/").lstrip("*!").strip()
                out.append(line)
        return "\n".join(out).strip()[:2000]

    def signature(self, node, caps, src: bytes) -> str:
        decl = node.child_by_field_name("declarator")
        ret = node.child_by_field_name("type")
        text = (_text(src, ret) + " " if ret is not None else "") + (_text(src, decl) if decl is not None else "")
        return " ".join(text.split())[:500]

    def is_exported(self, node, name: str, parent) -> bool:
        if parent is not None and parent.is_class:          # a static member is not internal linkage
            return True
        if node.type == "function_definition" and _macro_misparse(node):
            return False
        return not any(c.type == "storage_class_specifier" and c.text == b"static" for c in node.children)

    def qualify(self, node, caps, name, parent, module):
        if parent is not None:
            return name, f"{parent.qualified_name}.{name}", parent.qualified_name
        if node.type in _TYPE_NODES:                                    # struct tags are program-wide
            return name, name, None
        return name, f"{module}.{name}", None

    def parse_import(self, node, src: bytes) -> list[Import]:
        path = node.child_by_field_name("path")
        if path is None:
            return []
        line = node.start_point[0] + 1
        if path.type == "system_lib_string":
            return [Import(line, _text(src, path), "*", None)]          # "<stdio.h>", kept with its brackets
        if path.type == "string_literal":
            return [Import(line, _text(src, path)[1:-1], "*", None)]
        return []                                                       # `#include MACRO`

    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        keys = [(path, 0)]
        parts = path.split("/")
        for i, part in enumerate(parts[:-1]):                           # include dirs: `include/`, `src/` ...
            if part in INCLUDE_DIRS:
                keys.append(("/".join(parts[i + 1:]), 1))
        stem, ext = _split_ext(path)
        if ext in SOURCE_EXTS:
            keys.append(("impl:" + stem, 0))
        return keys

    def companion_keys(self, path: str) -> list[str]:
        stem, ext = _split_ext(path)
        if ext not in HEADER_EXTS:
            return []
        out = ["impl:" + stem]
        parts = stem.split("/")
        for i, part in enumerate(parts[:-1]):                           # include/foo/x.h -> src/foo/x.c, foo/x.c
            if part in ("include", "inc"):
                out.append("impl:" + "/".join(parts[:i] + ["src"] + parts[i + 1:]))
                out.append("impl:" + "/".join(parts[:i] + parts[i + 1:]))
        return out

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        spec = imp.module
        if spec.startswith("<"):
            return [spec[1:-1]]                                         # a project header on an include dir
        out = []
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        if not joined.startswith("../"):
            out.append(joined)
        out.append(posixpath.normpath(spec))
        return out

    def external_module_name(self, imp: Import) -> str:
        return imp.module.strip("<>")


class CppAdapter(CAdapter):
    name = "cpp"
    grammar = "cpp"
    query_file = "cpp.scm"
    self_names = ("this",)
    implicit_self = True
    out_of_line_members = True
    namespaced_calls = True
    separator = "::"

    def extract(self, src: bytes, *, path: str, hash: str):
        facts = super().extract(src, path=path, hash=hash)
        classes = {d.key for d in facts.definitions if d.is_class}
        # Fields bind in the class scope: they are what `this->x` / `x` mean inside its methods.
        bindings = tuple(dict.fromkeys(Binding(b.scope, "self." + b.name, b.type_name) if b.scope in classes else b
                                       for b in facts.bindings))
        return dataclasses.replace(facts, bindings=bindings)

    def definition_kind(self, capture_kind: str, name: str, parent) -> str:
        kind = super().definition_kind(capture_kind, name, parent)
        if kind == "method" and parent is not None and name == parent.name:
            return "constructor"
        return kind

    def qualify(self, node, caps, name, parent, module):
        if parent is not None:
            return name, f"{parent.qualified_name}::{name}", parent.qualified_name
        scope = _namespaces(node)
        name_node = caps["name"][0]
        if name_node.type == "qualified_identifier":                    # void A::f() {...}: a member of A
            written = [p for p in name.replace(" ", "").split("::")]
            if written and written[0] == "":                            # ::f
                written = written[1:]
            name = written[-1]
            owner = scope + written[:-1]
            if owner:
                owner_qn = "::".join(owner)
                return name, f"{owner_qn}::{name}", owner_qn
        if scope:
            return name, "::".join(scope + [name]), None
        if node.type in _TYPE_NODES:
            return name, name, None
        return name, f"{module}.{name}", None

    def bases(self, caps, src: bytes):
        clause = caps.get("bases")
        if not clause:
            return (), ()
        out = []
        for child in clause[0].named_children:
            if child.type == "template_type":
                child = child.child_by_field_name("name")
            if child is not None and child.type in ("type_identifier", "qualified_identifier"):
                out.append(_last(_text(src, child)))
        return tuple(out), ("extends",) * len(out)

    def receiver_text(self, node, src: bytes) -> str:
        if node.type == "template_type":
            node = node.child_by_field_name("name") or node
        if node.type == "qualified_identifier":                        # a::b::f -> "a.b" (the scope of f)
            return _text(src, node).split("<", 1)[0].replace(" ", "").rsplit("::", 1)[0].replace("::", ".").lstrip(".")
        text = _text(src, node).replace("->", ".").replace("::", ".").replace(" ", "")
        return text.lstrip(".")

    def binding_type(self, node, src: bytes) -> str:
        return _last(_text(src, node))                                  # ns::Shape -> Shape (namespaces are not defs)


def _macro_misparse(node) -> bool:
    """`void OVS_PRINTF_FORMAT(3, 4)\nf(...) {...}`: a macro before the declarator parses as a definition of
    the macro whose parameter list is only an ERROR (`3, 4`). Not a function another file can link to."""
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type == "pointer_declarator":
        decl = decl.child_by_field_name("declarator")
    params = decl.child_by_field_name("parameters") if decl is not None and decl.type == "function_declarator" else None
    if params is None:
        return False
    kinds = {c.type for c in params.named_children}
    return "ERROR" in kinds and not kinds & {"parameter_declaration", "variadic_parameter", "optional_parameter_declaration"}


def _last(text: str) -> str:
    text = text.split("<", 1)[0]
    return text.rsplit("::", 1)[-1].strip()


def _namespaces(node) -> list[str]:
    out = []
    up = node.parent
    while up is not None:
        if up.type == "namespace_definition":
            name = up.child_by_field_name("name")
            if name is not None:                                        # anonymous namespaces add nothing
                out.append(name.text.decode("utf-8", "replace").replace(" ", ""))
        up = up.parent
    return [part for ns in reversed(out) for part in ns.split("::")]
