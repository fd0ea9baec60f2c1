"""Rust: `crate::mod::Type::method` names from the file's place under `src/` (lib.rs/main.rs are `crate`,
`a/mod.rs` and `a.rs` are `crate::a`), `mod x;` and `use crate::/super::/self::` paths resolved to files, `impl`
blocks attaching methods to their type, `impl Trait for Type` as an `implements` base."""
from __future__ import annotations

from ..index.facts import Import
from .base import Adapter, _text, preceding_comments

_PRIMITIVES = frozenset({"i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
                         "f32", "f64", "bool", "char", "str", "String", "Self", "Vec", "Option", "Result", "Box"})
_SELF_MOD = "__self__"        # `self::x` in a path (not the `self` receiver)


class RustAdapter(Adapter):
    name = "rust"
    grammar = "rust"
    query_file = "rust.scm"
    separator = "::"
    self_names = ("self",)
    class_self_names = ("Self",)
    names_can_be_submodules = True       # `use crate::a::b` may name module b

    def module_name(self, path: str) -> str:
        return "::".join(module_path(path))

    def definition_kind(self, capture_kind, name, parent):
        if capture_kind == "function" and parent is not None and parent.kind == "module_class":
            return "function"
        return super().definition_kind(capture_kind, name, parent)

    def docstring(self, node, src: bytes) -> str:
        return "" if node.parent is None else preceding_comments(node, src)

    def signature(self, node, caps, src: bytes) -> str:
        sig = super().signature(node, caps, src)
        ret = node.child_by_field_name("return_type")
        if ret is None:
            return sig
        ret_text = _text(src, ret)
        impl = node.parent.parent if node.parent is not None else None
        if ret_text == "Self" and impl is not None and impl.type == "impl_item":     # `-> Self` names the type
            t = impl.child_by_field_name("type")
            ret_text = _text(src, t).split("<", 1)[0] if t is not None else ret_text
        return f"{sig} -> {ret_text}"

    def return_type(self, signature: str) -> str:
        ret = super().return_type(signature.replace("::", "."))
        return "" if ret in _PRIMITIVES else ret

    def is_exported(self, node, name, parent) -> bool:
        return any(c.type == "visibility_modifier" for c in node.children)

    def bases(self, caps, src: bytes):
        b = caps.get("bases")
        if not b:
            return (), ()
        name = _text(src, b[0]).split("<", 1)[0].replace("::", ".")
        return (name,), ("implements",)

    def receiver_text(self, node, src: bytes) -> str:
        text = _text(src, node)
        if node.type in ("scoped_identifier", "identifier", "crate", "super", "self") and "::" in text \
                or node.type in ("crate", "super"):
            text = _path_to_dots(text)
        return text

    def binding_type(self, node, src: bytes) -> str:
        text = _text(src, node).lstrip("&").strip()
        text = text.removeprefix("mut ").removeprefix("dyn ").strip().split("<", 1)[0]
        text = _path_to_dots(text)
        return "" if text in _PRIMITIVES or not text.replace(".", "").replace("_", "a").isalnum() else text

    def parse_import(self, node, src: bytes) -> list[Import]:
        line = node.start_point[0] + 1
        if node.type == "mod_item":                 # `mod util;`: the file util.rs / util/mod.rs
            name = node.child_by_field_name("name")
            return [Import(line, "self", _text(src, name), None)] if name is not None else []
        arg = node.child_by_field_name("argument")
        out: list[Import] = []
        if arg is not None:
            _flatten_use(arg, "", src, line, out)
        return out

    # -- resolution ----------------------------------------------------------------------------------------
    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        return [(_key(path, module_path(path)), 0)]

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        parts = imp.module.split("::") if imp.module else []
        base = _absolute(parts, importer)
        return [_key(importer, base)] if base else []

    def path_root(self, name: str, importer: str) -> str | None:
        """`crate`, `super`, `self::` and child modules (`util::f()` after `mod util;`) start a path."""
        if name in ("crate", "super", _SELF_MOD):
            return _key(importer, _absolute([name if name != _SELF_MOD else "self"], importer))
        return _key(importer, module_path(importer) + [name]) if name.isidentifier() else None

    def external_module_name(self, imp: Import) -> str:
        return imp.module.split("::")[0] if imp.module else (imp.name or "")


def module_path(path: str) -> list[str]:
    """`src/a/b.rs` -> ["crate", "a", "b"]; lib.rs, main.rs and files outside any `src/` are crate roots."""
    rel = path.rsplit("src/", 1)[1] if (path.startswith("src/") or "/src/" in path) else path.rsplit("/", 1)[-1]
    stem = rel[:-3] if rel.endswith(".rs") else rel
    parts = stem.split("/")
    if parts[-1] == "mod":
        parts.pop()
    if parts in (["lib"], ["main"]) or not (path.startswith("src/") or "/src/" in path):
        return ["crate"]
    return ["crate"] + [p for p in parts if p]


def _crate_dir(path: str) -> str:
    if path.startswith("src/"):
        return "src"
    if "/src/" in path:
        return path.rsplit("/src/", 1)[0] + "/src"
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _key(path: str, mod: list[str]) -> str:
    return f"{_crate_dir(path)}#{'.'.join(mod)}"


def _absolute(parts: list[str], importer: str) -> list[str] | None:
    """A `use` path's module part made crate-absolute: crate::a, super::a, self::a, or relative to the file."""
    here = module_path(importer)
    if not parts:
        return here
    head, rest = parts[0], parts[1:]
    if head == "crate":
        return ["crate"] + rest
    if head in ("self", _SELF_MOD):
        return here + rest
    if head == "super":
        base = here
        while parts and parts[0] == "super":
            base = base[:-1] if len(base) > 1 else base
            parts = parts[1:]
        return base + parts
    return here + parts       # `use util::x` after `mod util;` (an extern crate simply will not match)


def _path_to_dots(text: str) -> str:
    parts = text.replace(" ", "").split("::")
    if parts and parts[0] == "self":
        parts[0] = _SELF_MOD
    return ".".join(parts)


def _flatten_use(node, prefix: str, src: bytes, line: int, out: list[Import]) -> None:
    t = node.type
    join = (lambda a, b: f"{a}::{b}" if a else b)
    if t in ("identifier", "crate", "super", "self", "scoped_identifier"):
        full = join(prefix, _text(src, node).replace(" ", ""))
        module, _, name = full.rpartition("::")
        if name == "self":                               # `use a::{self}`
            module, _, name = module.rpartition("::")
        out.append(Import(line, module, name, name))
    elif t == "use_as_clause":
        path = node.child_by_field_name("path")
        alias = node.child_by_field_name("alias")
        full = join(prefix, _text(src, path).replace(" ", ""))
        module, _, name = full.rpartition("::")
        out.append(Import(line, module, name, _text(src, alias) if alias is not None else name))
    elif t == "use_wildcard":
        inner = node.named_children[0] if node.named_child_count else None
        out.append(Import(line, join(prefix, _text(src, inner).replace(" ", "")) if inner is not None else prefix,
                          "*", None))
    elif t == "scoped_use_list":
        path = node.child_by_field_name("path")
        lst = node.child_by_field_name("list")
        new_prefix = join(prefix, _text(src, path).replace(" ", "")) if path is not None else prefix
        if lst is not None:
            _flatten_use(lst, new_prefix, src, line, out)
    elif t == "use_list":
        for c in node.named_children:
            _flatten_use(c, prefix, src, line, out)
