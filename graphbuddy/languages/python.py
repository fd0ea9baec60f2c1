"""Python: module names from paths, docstrings, `import`/`from ... import` forms, base classes."""
from __future__ import annotations

from ..index.facts import Import
from .base import Adapter, _text


class PythonAdapter(Adapter):
    name = "python"
    grammar = "python"
    query_file = "python.scm"
    self_names = ("self",)
    class_self_names = ("cls",)
    super_names = ("super()",)
    constructor_names = ("__init__", "__new__")
    names_can_be_submodules = True     # `from pkg import mod` may bind a submodule
    family = "py"

    def module_name(self, path: str) -> str:
        stem = path.rsplit(".", 1)[0]
        parts = stem.split("/")
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        return ".".join(parts)

    def docstring(self, node, src: bytes) -> str:
        body = node if node.type == "module" else node.child_by_field_name("body")
        if body is None or body.named_child_count == 0:
            return ""
        s = body.named_child(0)                      # not named_children: one node, not all of them
        kind = s.type
        if kind == "expression_statement" and s.named_child_count:   # older grammars wrap it
            s = s.named_child(0)
            kind = s.type
        if kind != "string":
            return ""
        text = _text(src, s)
        for q in ('"""', "'''", '"', "'"):
            i = text.find(q)
            if i != -1 and text.endswith(q) and len(text) >= i + 2 * len(q):
                return _clean_doc(text[i + len(q): len(text) - len(q)])
        return _clean_doc(text)

    def signature(self, node, caps, src: bytes) -> str:
        params = caps.get("params")                  # the base signature, without a super() call
        sig = _text(src, caps["name"][0]) + (_text(src, params[0]) if params else "")
        ret = node.child_by_field_name("return_type")
        return f"{sig} -> {_text(src, ret)}" if ret is not None else sig

    def bases(self, caps, src: bytes):
        arglist = caps.get("bases")
        if not arglist:
            return (), ()
        out = []
        for child in arglist[0].named_children:
            if child.type in ("identifier", "attribute"):
                out.append(_text(src, child))
            elif child.type == "subscript":           # Generic[T] -> Generic
                value = child.child_by_field_name("value")
                if value is not None and value.type in ("identifier", "attribute"):
                    out.append(_text(src, value))
        return tuple(out), ("extends",) * len(out)

    def parse_import(self, node, src: bytes) -> list[Import]:
        line = node.start_point[0] + 1
        if node.type == "import_statement":
            out = []
            for child in node.named_children:
                if child.type == "dotted_name":
                    mod = _text(src, child)
                    out.append(Import(line, mod, None, mod.split(".")[0]))
                elif child.type == "aliased_import":
                    mod = _text(src, child.child_by_field_name("name"))
                    out.append(Import(line, mod, None, _text(src, child.child_by_field_name("alias"))))
            return out
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            return []
        module = _text(src, module_node).replace(" ", "")
        out = []
        for child in node.named_children:
            if child == module_node:
                continue
            if child.type == "wildcard_import":
                out.append(Import(line, module, "*", None))
            elif child.type == "dotted_name":
                name = _text(src, child)
                out.append(Import(line, module, name, name.split(".")[-1]))
            elif child.type == "aliased_import":
                name = _text(src, child.child_by_field_name("name"))
                out.append(Import(line, module, name, _text(src, child.child_by_field_name("alias"))))
        return out

    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        full = self.module_name(path)
        keys = [(full, 0)]
        parts = path.split("/")
        drop = _package_root_depth(parts, all_paths)
        if drop:
            short = ".".join(full.split(".")[drop:])
            if short:
                keys.append((short, drop))
        return keys


    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        module = imp.module
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            base = self.module_name(importer).split(".")
            if not importer.endswith("__init__.py") and not importer.endswith("__init__.pyi"):
                base = base[:-1]
            base = base[: len(base) - (dots - 1)] if dots > 1 else base
            rest = module[dots:]
            module = ".".join(base + ([rest] if rest else []))
        out = []
        if imp.name and imp.name != "*":
            out.append(f"{module}.{imp.name}" if module else imp.name)   # `from pkg import submodule`
        if module:
            out.append(module)
        return out


def _clean_doc(text: str) -> str:
    lines = text.strip().splitlines()
    return "\n".join(line.strip() for line in lines)[:2000]


def _package_root_depth(parts: list[str], all_paths: frozenset[str]) -> int:
    """How many leading directories are not packages (no __init__.py): the import name drops them."""
    depth = len(parts) - 1
    while depth > 0 and "/".join(parts[:depth]) + "/__init__.py" in all_paths:
        depth -= 1
    return depth
