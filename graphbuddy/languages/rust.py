"""Rust: `crate::mod::Type::method` names from the file's place under `src/` (lib.rs/main.rs are `crate`,
`a/mod.rs` and `a.rs` are `crate::a`), `mod x;` and `use crate::/super::/self::` paths resolved to files, `impl`
blocks attaching methods to their type, `impl Trait for Type` as an `implements` base."""
from __future__ import annotations

from functools import lru_cache

from ..index.facts import CallSite, Import
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
        node = _pointee(node)
        t = node.type
        if t == "type_identifier":                # `item: &T` with `T: Trait`: the trait's methods
            bound = _generic_bound(node, _text(src, node), src)
            if bound is not None:
                return bound
        elif t in ("abstract_type", "dynamic_type"):     # `impl Trait`, `dyn Trait`
            trait = node.child_by_field_name("trait")
            if trait is None or trait.type == "bounded_type":
                return ""
            node = trait
        text = _text(src, node).lstrip("&").strip()
        text = text.removeprefix("mut ").removeprefix("dyn ").strip().split("<", 1)[0]
        text = _path_to_dots(text)
        return "" if text in _PRIMITIVES or not text.replace(".", "").replace("_", "a").isalnum() else text

    def expand_calls(self, node, caps, src: bytes, caller: str) -> list[CallSite]:
        """Calls in the arguments of std's expression macros (`format!("{}", self.balance())`): tree-sitter
        leaves them token trees. A call is a path `f`, `a.b.m`, `T::f`, `crate::m::f` (identifiers joined by one
        kind of separator) followed by a `(` group, and not preceded by `.` or `::` (a chain after a call or an
        index, a turbofish: left out)."""
        out: list[CallSite] = []
        args = caps.get("args")
        if args and b"(" in src[args[0].start_byte + 1:args[0].end_byte]:
            _token_calls(args[0], src, caller, out, 0)
        return out

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
        keys = [_key(importer, base)] if base else []
        if parts and parts[0] not in _PATH_WORDS:      # `use ledger::x`: a library crate of the project
            src = _library_src(parts[0], importer, config)
            if src is not None:
                keys.append(f"{src}#{'.'.join(['crate', *parts[1:]])}")
        return keys

    def path_roots(self, name: str, importer: str, config: dict) -> list[str]:
        """`crate`, `super`, `self::`, child modules (`util::f()` after `mod util;`) and the project's library
        crates by their Cargo names (`ledger::run()` in `main.rs` or `tests/`) start a path."""
        if name in ("crate", "super", _SELF_MOD):
            return [_key(importer, _absolute([name if name != _SELF_MOD else "self"], importer))]
        if not name.isidentifier():
            return []
        keys = [_key(importer, module_path(importer) + [name])]
        src = _library_src(name, importer, config)
        if src is not None:
            keys.append(f"{src}#crate")
        return keys

    def external_module_name(self, imp: Import) -> str:
        return imp.module.split("::")[0] if imp.module else (imp.name or "")


_PATH_WORDS = frozenset({"crate", "super", "self", _SELF_MOD})


def _library_src(crate: str, importer: str, config: dict) -> str | None:
    """The `src` folder (module-key prefix) of the project's library crate named `crate` as code spells it
    (`my_lib` for package `my-lib`, or `[lib] name`): the importer's own package first (a binary, a test or an
    example naming its library), else the one package of the project with that name (a workspace member)."""
    packages = _cargo_packages(tuple((p, t) for p, t in config.items()
                                     if (p == "Cargo.toml" or p.endswith("/Cargo.toml")) and isinstance(t, str)))
    dirs = packages.get(crate)
    if not dirs:
        return None
    own = [d for d in dirs if not d or importer.startswith(d + "/")]
    if own:
        best = max(own, key=len)
    elif len(dirs) == 1:
        best = dirs[0]
    else:
        return None
    return f"{best}/src" if best else "src"


@lru_cache(maxsize=8)
def _cargo_packages(manifests: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """Library crate name -> folders of the Cargo.toml files declaring a package of that name."""
    import tomllib

    out: dict[str, list[str]] = {}
    for path, text in manifests:
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError):
            continue
        package = data.get("package")
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue                                   # a workspace root, or not a package
        lib = data.get("lib")
        name = lib.get("name") if isinstance(lib, dict) and isinstance(lib.get("name"), str) else package["name"]
        out.setdefault(name.replace("-", "_"), []).append(path[:-len("Cargo.toml")].rstrip("/"))
    return {k: tuple(v) for k, v in out.items()}


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


# Macros whose arguments are Rust expressions (std, log/tracing, anyhow): calls in other macros' token trees
# may be a DSL's syntax, or code the macro generates elsewhere (`quote!`).
EXPRESSION_MACROS = frozenset({
    "format", "format_args", "print", "println", "eprint", "eprintln", "write", "writeln", "panic", "assert",
    "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne", "vec", "dbg", "todo",
    "unimplemented", "unreachable", "trace", "debug", "info", "warn", "error", "anyhow", "bail", "ensure"})
_KEYWORDS = frozenset({"as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
                       "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
                       "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use",
                       "where", "while", "yield"})
_PATH_HEADS = frozenset({"identifier", "self", "crate", "super"})


def _token_calls(tree, src: bytes, caller: str, out: list[CallSite], depth: int) -> None:
    """`expand_calls`' scan of one token tree (and the groups inside it, but other macros' arguments)."""
    kids = tree.children
    for i, c in enumerate(kids):
        if c.type != "token_tree":
            continue
        prev = kids[i - 1] if i else None
        if prev is not None and prev.type == "!":          # a nested macro: only expression macros are read
            name = kids[i - 2] if i >= 2 else None
            if name is None or name.type != "identifier" or _text(src, name) not in EXPRESSION_MACROS:
                continue
        elif prev is not None and prev.type == "identifier" and src[c.start_byte:c.start_byte + 1] == b"(":
            call = _token_path(kids, i - 1, src)
            if call is not None:
                name, receiver = call
                out.append(CallSite(caller, name, receiver, prev.start_point[0] + 1))
        if depth < 16 and b"(" in src[c.start_byte + 1:c.end_byte]:     # else no call inside
            _token_calls(c, src, caller, out, depth + 1)


def _token_path(kids, last: int, src: bytes) -> tuple[str, str | None] | None:
    """(name, receiver) of the path ending at token `last`, or None (a keyword, a chain, mixed separators)."""
    name = _text(src, kids[last]).removeprefix("r#")
    if name in _KEYWORDS:
        return None
    parts, sep, j = [name], None, last - 1
    while j >= 1 and kids[j].type in (".", "::") and kids[j - 1].type in _PATH_HEADS:
        if sep is not None and kids[j].type != sep:
            return None
        sep = kids[j].type
        parts.append(_text(src, kids[j - 1]))
        j -= 2
    if j >= 0 and kids[j].type in (".", "::", "#", "$", "'"):
        return None                              # `x.f().g()`, `a[0].g()`, `<T>::g()`, `$x(...)`, `#f(...)`
    if len(parts) == 1:
        return name, None
    parts.reverse()
    receiver = (sep or ".").join(parts[:-1])
    if sep == "::":
        if "::" in receiver or parts[0] in ("crate", "super"):
            receiver = _path_to_dots(receiver)
    elif any(p in _KEYWORDS for p in parts[:-1]):
        return None
    return name, receiver


_SMART_POINTERS = frozenset({"Box", "Rc", "Arc"})   # dereference to what they hold: `x.m()` calls its method
# std traits named as extra bounds (`T: Describe + Clone`): they add no method of the project's
_STD_BOUNDS = frozenset({"Send", "Sync", "Sized", "Unpin", "Copy", "Clone", "Debug", "Display", "Default", "Eq",
                         "PartialEq", "Ord", "PartialOrd", "Hash", "Any"})


def _pointee(node):
    """The type a binding's value is used as: references, `mut`, `Box<T>`/`Rc<T>`/`Arc<T>` unwrapped."""
    for _ in range(8):
        t = node.type
        if t == "reference_type":
            inner = node.child_by_field_name("type")
        elif t == "generic_type":
            base = node.child_by_field_name("type")
            args = node.child_by_field_name("type_arguments")
            if base is None or args is None or base.type != "type_identifier" or args.named_child_count != 1 \
                    or base.text.decode("utf-8", "replace") not in _SMART_POINTERS:
                return node
            inner = args.named_children[0]
        else:
            return node
        if inner is None:
            return node
        node = inner
    return node


def _generic_bound(node, name: str, src: bytes) -> str | None:
    """`T` a type parameter of the enclosing function or impl: its one project trait bound (`T: Describe`, `where
    T: Describe`) as a dotted name, "" when it has none or several; None when `T` is no type parameter. Reads the
    `where` clauses only once `T` is found among the type parameters (most typed parameters name no generic)."""
    owner = node.parent
    while owner is not None and owner.type not in _GENERIC_OWNERS and owner.type not in _GENERIC_STOPS:
        owner = owner.parent
    visited = []
    while owner is not None and owner.type in _GENERIC_OWNERS:
        if owner.type != "declaration_list":
            visited.append(owner)
            params = owner.child_by_field_name("type_parameters")
            if params is not None:
                bounds: list[str] | None = None
                for p in params.named_children:
                    if p.type == "type_parameter" and (n := p.child_by_field_name("name")) is not None \
                            and _text(src, n) == name:
                        b = p.child_by_field_name("bounds")
                        bounds = (bounds or []) + (_bound_names(b, src) if b is not None else [])
                if bounds is not None:
                    for o in visited:            # `where T: Describe` on this item or a method inside it
                        for c in o.named_children:
                            if c.type == "where_clause":
                                for pred in c.named_children:
                                    left = pred.child_by_field_name("left")
                                    if left is not None and _text(src, left) == name:
                                        b = pred.child_by_field_name("bounds")
                                        bounds.extend(_bound_names(b, src) if b is not None else ())
                    own = [b for b in bounds if b.rsplit(".", 1)[-1] not in _STD_BOUNDS]
                    return own[0] if len(set(own)) == 1 else ""
        owner = owner.parent
    return None


_GENERIC_OWNERS = frozenset({"function_item", "function_signature_item", "impl_item", "trait_item",
                             "declaration_list"})
_GENERIC_STOPS = frozenset({"source_file", "block"})


def _bound_names(bounds, src: bytes) -> list[str]:
    out = []
    for b in bounds.named_children:
        if b.type in ("type_identifier", "scoped_type_identifier"):
            out.append(_path_to_dots(_text(src, b)))
        elif b.type == "generic_type" and (base := b.child_by_field_name("type")) is not None:
            out.append(_path_to_dots(_text(src, base)))
        # else a lifetime, `?Sized`, `Fn(..)`: no method of the project's
    return out


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
