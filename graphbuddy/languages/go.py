"""Go: `pkg/path.Type.Method` names (pkg = the file's directory relative to the project root; root files use
their package clause), packages by directory, import paths through go.mod's module path, methods attached to
their receiver type across the package's files, embedded fields as `includes` bases."""
from __future__ import annotations

import dataclasses
import re

from ..index.facts import Import
from .base import Adapter, _text, preceding_comments

_MODULE_LINE = re.compile(r"^\s*module\s+(\S+)", re.M)
_PACKAGE_LINE = re.compile(rb"^package\s+(\w+)", re.M)
_BUILTIN_TYPES = frozenset({"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
                            "uintptr", "float32", "float64", "complex64", "complex128", "string", "bool", "byte",
                            "rune", "error", "any"})


class GoAdapter(Adapter):
    name = "go"
    grammar = "go"
    query_file = "go.scm"
    package_scoped = True

    def module_name(self, path: str) -> str:
        return path.rsplit("/", 1)[0] if "/" in path else ""

    def file_module(self, root, src: bytes, path: str) -> str:
        if "/" in path:
            return path.rsplit("/", 1)[0]
        for child in root.named_children:
            if child.type == "package_clause" and child.named_child_count:
                return _text(src, child.named_children[0])
        return "main"

    def definition_kind(self, capture_kind, name, parent):
        return capture_kind

    def extract(self, src: bytes, *, path: str, hash: str):
        facts = super().extract(src, path=path, hash=hash)
        m = _PACKAGE_LINE.search(src) if path.endswith("_test.go") else None
        if m is not None and m.group(1).endswith(b"_test"):
            # `package x_test` beside `package x`: another package in the same directory (resolve.package_key)
            return dataclasses.replace(facts, extra={**facts.extra, "package_variant": "_test"})
        return facts

    def docstring(self, node, src: bytes) -> str:
        if node.type == "source_file":
            count = node.named_child_count          # the package clause comes first: look there before
            head = [node.named_child(i) for i in range(min(count, 4))]   # listing every declaration
            pkg = next((c for c in head if c.type == "package_clause"), None)
            if pkg is None and count > 4:
                pkg = next((c for c in node.named_children if c.type == "package_clause"), None)
            return preceding_comments(pkg, src) if pkg is not None else ""
        if node.type == "type_spec" and node.parent is not None and node.parent.type == "type_declaration":
            node = node.parent
        return preceding_comments(node, src)

    def signature(self, node, caps, src: bytes) -> str:
        sig = super().signature(node, caps, src)
        res = node.child_by_field_name("result")
        return f"{sig} {_text(src, res)}" if res is not None else sig

    def is_exported(self, node, name, parent) -> bool:
        return name[:1].isupper()

    def bases(self, caps, src: bytes):
        node = next(v[0] for k, v in caps.items() if k.startswith("definition."))
        body = node.child_by_field_name("type")
        out = []
        if body is not None and body.type == "struct_type":
            for fl in body.named_children:
                for f in fl.named_children:
                    if f.type == "field_declaration" and f.child_by_field_name("name") is None:
                        t = f.child_by_field_name("type")
                        if t is not None:
                            out.append(_text(src, t).lstrip("*").split("[", 1)[0])
            return tuple(out), ("includes",) * len(out)
        if body is not None and body.type == "interface_type":
            for elem in body.named_children:
                if elem.type == "type_elem":
                    out.extend(_text(src, t) for t in elem.named_children if t.type in ("type_identifier", "qualified_type"))
            return tuple(out), ("extends",) * len(out)
        return (), ()

    def binding_type(self, node, src: bytes) -> str:
        text = _text(src, node).lstrip("*&").split("[", 1)[0].strip()
        return "" if text in _BUILTIN_TYPES or text == "map" or not text.replace(".", "").replace("_", "a").isalnum() else text

    def return_type(self, signature: str) -> str:
        """`NewServer() *Server` -> "Server": lets `s := NewServer()` type `s`."""
        m = re.search(r"\)\s*\(?\s*\*?([A-Za-z_][\w.]*)\s*(?:,[^)]*\))?\s*$", signature)
        return m.group(1) if m and m.group(1) not in _BUILTIN_TYPES else ""

    def parse_import(self, node, src: bytes) -> list[Import]:
        out = []
        specs = [node] if node.type == "import_spec" else []
        todo = list(node.named_children)
        while todo:
            c = todo.pop(0)
            if c.type == "import_spec":
                specs.append(c)
            elif c.type == "import_spec_list":
                todo.extend(c.named_children)
        for spec in specs:
            path_node = spec.child_by_field_name("path")
            if path_node is None:
                continue
            path = _text(src, path_node).strip('"`')
            name_node = spec.child_by_field_name("name")
            line = spec.start_point[0] + 1
            name = _text(src, name_node) if name_node is not None else None
            if name == ".":
                out.append(Import(line, path, "*", None))
            elif name == "_":
                out.append(Import(line, path, None, None))
            else:
                out.append(Import(line, path, None, name or package_name(path)))
        return out

    # -- resolution ----------------------------------------------------------------------------------------
    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        return [(path.rsplit("/", 1)[0] if "/" in path else ".", 0)]

    def module_keys_for(self, facts, all_paths):
        if facts.extra.get("package_variant"):      # an external test package: nothing imports it
            return []
        return self.module_keys(facts.path, all_paths)

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        gomod = _nearest_go_mod(importer, config)
        if gomod is None:
            return []
        mod_dir, mod_path = gomod
        if imp.module == mod_path:
            rest = ""
        elif imp.module.startswith(mod_path + "/"):
            rest = imp.module[len(mod_path) + 1:]
        else:
            return []
        key = "/".join(p for p in (mod_dir, rest) if p)
        return [key or "."]


def package_name(import_path: str) -> str:
    """The name an import binds by default: the last path element, minus a major-version suffix."""
    parts = import_path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    last = re.sub(r"\.v\d+$", "", last)
    return last.removeprefix("go-").replace("-", "_").replace(".", "_")


def _nearest_go_mod(importer: str, config: dict) -> tuple[str, str] | None:
    best = None
    for path, text in config.items():
        if not path.endswith("go.mod") or not isinstance(text, str) or (path != "go.mod" and not path.endswith("/go.mod")):
            continue
        mod_dir = path[:-len("go.mod")].rstrip("/")
        if mod_dir and not importer.startswith(mod_dir + "/"):
            continue
        m = _MODULE_LINE.search(text)
        if m and (best is None or len(mod_dir) > len(best[0])):
            best = (mod_dir, m.group(1))
    return best
