"""PHP: namespaces, classes/interfaces/traits/enums, `use` resolved through composer.json PSR-4, literal
`require`/`include` paths.

Qualified names: `App\\Models\\User` for class-likes and functions of a namespace (bare outside any),
`App\\Models\\User::save` for methods; the file module is the path without `.php`. A class of the file's own
namespace needs no `use`: it resolves through PSR-4 like an imported one.
"""
from __future__ import annotations

import bisect
import dataclasses
import posixpath
import re
import threading

from ..index.facts import Binding, Import
from .base import Adapter, _text

_current = threading.local()       # namespace starts of the file being extracted (one adapter, many threads)


class PhpAdapter(Adapter):
    name = "php"
    grammar = "php"
    query_file = "php.scm"
    self_names = ("$this",)
    class_self_names = ("self", "static")
    super_names = ("parent",)
    constructor_names = ("__construct",)
    namespaced_calls = True
    global_functions = True
    separator = "\\"

    def extract(self, src: bytes, *, path: str, hash: str):
        _current.namespaces = None
        try:
            facts = super().extract(src, path=path, hash=hash)
            spaces = _current.namespaces or ([], [])
        finally:
            _current.namespaces = None
        by_qn = {d.key: d for d in facts.definitions}
        calls = []
        for c in facts.calls:
            if c.is_new and c.name in ("self", "static", "parent"):      # new self(): the enclosing class
                cls = _enclosing_class(by_qn, c.caller)
                if cls is None:
                    continue
                c = dataclasses.replace(c, name="__construct", receiver="parent", is_new=False) \
                    if c.name == "parent" else dataclasses.replace(c, name=cls.name)
            calls.append(c)
        bindings = []
        for b in facts.bindings:
            d = by_qn.get(b.scope)
            if d is not None and d.is_class and not b.name.startswith("self."):   # typed property
                b = Binding(b.scope, "self." + b.name.lstrip("$"), b.type_name)
            elif d is not None and d.kind == "constructor" and d.parent and _promoted(d.signature, b.name):
                bindings.append(Binding(d.parent, "self." + b.name.lstrip("$"), b.type_name))
            bindings.append(b)
        extra = dict(facts.extra)
        if spaces[1]:
            extra["namespace"] = next((ns for ns in spaces[1] if ns), "")
        return dataclasses.replace(facts, calls=tuple(calls), bindings=tuple(dict.fromkeys(bindings)), extra=extra)

    def module_name(self, path: str) -> str:
        return path[:-4] if path.endswith(".php") else path.rsplit(".", 1)[0]

    def qualify(self, node, caps, name, parent, module):
        if parent is not None:
            sep = "::" if parent.is_class else "."
            return name, f"{parent.qualified_name}{sep}{name}", parent.qualified_name
        ns = _namespace_at(node)
        return name, (f"{ns}\\{name}" if ns else name), None

    def docstring(self, node, src: bytes) -> str:
        prev = node.prev_named_sibling
        while prev is not None and prev.type == "attribute_list":
            prev = prev.prev_named_sibling
        if prev is None or prev.type != "comment":
            return ""
        text = _text(src, prev)
        if not text.startswith("/**"):
            return ""
        lines = (line.strip().lstrip("*").strip() for line in text[3:-2].splitlines())
        return "\n".join(lines).strip()[:2000]

    def signature(self, node, caps, src: bytes) -> str:
        sig = _text(src, caps["name"][0]) + _text(src, caps["params"][0])
        ret = node.child_by_field_name("return_type")
        return " ".join((sig + (": " + _text(src, ret) if ret is not None else "")).split())[:500]

    def is_exported(self, node, name: str, parent) -> bool:
        return not any(c.type == "visibility_modifier" and c.text in (b"private", b"protected") for c in node.children)

    def bases(self, caps, src: bytes):
        node = next((caps[k][0] for k in caps if k.startswith("definition.")), None)
        out, kinds = [], []
        for child in node.named_children if node is not None else ():
            kind = {"base_clause": "extends", "class_interface_clause": "implements"}.get(child.type)
            if kind:
                for n in child.named_children:
                    out.append(_last(_text(src, n)))
                    kinds.append(kind)
            elif child.type in ("declaration_list", "enum_declaration_list"):
                for member in child.named_children:
                    if member.type == "use_declaration":                # `use Greets;` inside a class body
                        for n in member.named_children:
                            if n.type in ("name", "qualified_name"):
                                out.append(_last(_text(src, n)))
                                kinds.append("includes")
        return tuple(out), tuple(kinds)

    def receiver_text(self, node, src: bytes) -> str:
        if node.type in ("name", "qualified_name"):
            return _last(_text(src, node))                              # \App\Util\Helper::go -> Helper
        if node.type == "namespace_name":
            return _text(src, node).strip("\\").replace("\\", ".")      # \App\Util\fmt() -> "App.Util"
        return _text(src, node).replace("?->", ".").replace("->", ".").replace(" ", "")

    def binding_type(self, node, src: bytes) -> str:
        return _last(_text(src, node))

    def parse_import(self, node, src: bytes) -> list[Import]:
        line = node.start_point[0] + 1
        if node.type != "namespace_use_declaration":
            spec = _literal_path(node, src)
            return [Import(line, spec, "*", None)] if spec else []
        prefix = ""
        out = []
        for child in node.named_children:
            if child.type == "namespace_name":
                prefix = _text(src, child).strip("\\") + "\\"
            clauses = child.named_children if child.type == "namespace_use_group" else [child]
            for clause in clauses:
                if clause.type not in ("namespace_use_clause", "namespace_use_group_clause"):
                    continue
                alias = clause.child_by_field_name("alias")
                target = next((c for c in clause.named_children if c.type in ("qualified_name", "name", "namespace_name")
                               and c != alias), None)
                if target is None:
                    continue
                full = prefix + _text(src, target).strip("\\")
                last = full.rsplit("\\", 1)[-1]
                out.append(Import(line, full, last, _text(src, alias) if alias is not None else last))
        return out

    def module_keys(self, path: str, all_paths: frozenset[str]) -> list[tuple[str, int]]:
        # Without composer.json (a distribution's /usr/share/php): the namespace path from any capitalised
        # folder down, `Illuminate/Support/Str.php`, as PSR-0 lays it out
        parts = path.split("/")
        return [(path, 0)] + [("/".join(parts[i:]), 1 + i) for i in range(1, len(parts) - 1) if parts[i][:1].isupper()]

    def import_candidates(self, imp: Import, importer: str, config: dict) -> list[str]:
        if imp.name == "*":                                             # require/include of a literal path
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), imp.module))
            return [joined, posixpath.normpath(imp.module.lstrip("/"))]
        out = []
        for cfg_path, cfg in config.items():
            if not cfg_path.endswith("composer.json") or not isinstance(cfg, dict):
                continue
            base = posixpath.dirname(cfg_path)
            for section in ("autoload", "autoload-dev"):
                psr4 = (cfg.get(section) or {}).get("psr-4") if isinstance(cfg.get(section), dict) else None
                for prefix, dirs in (psr4.items() if isinstance(psr4, dict) else ()):
                    if not imp.module.startswith(prefix):
                        continue
                    rest = imp.module[len(prefix):].replace("\\", "/") + ".php"
                    for d in [dirs] if isinstance(dirs, str) else dirs if isinstance(dirs, list) else ():
                        if isinstance(d, str):          # composer.json is user input: a null or number is no dir
                            out.append(posixpath.normpath(posixpath.join(base, d, rest)))
        out.append(imp.module.replace("\\", "/") + ".php")
        return list(dict.fromkeys(out))

    def implicit_imports(self, name: str, facts) -> list[Import]:
        ns = facts.extra.get("namespace")
        return [Import(0, f"{ns}\\{name}", name, name)] if ns else []

    def external_module_name(self, imp: Import) -> str:
        return imp.module


def _enclosing_class(by_qn: dict, qn: str):
    d = by_qn.get(qn)
    while d is not None and not d.is_class:
        d = by_qn.get(d.parent) if d.parent else None
    return d


def _last(text: str) -> str:
    return text.strip().rsplit("\\", 1)[-1]


def _promoted(signature: str, name: str) -> bool:
    """`__construct(private Repo $repo)` also declares the property `$this->repo`."""
    return re.search(rf"\b(?:public|private|protected|readonly)\s+[^,()]*\${re.escape(name.lstrip('$'))}\b",
                     signature) is not None


def _namespace_at(node) -> str:
    spaces = getattr(_current, "namespaces", None)
    if spaces is None:
        root = node
        while root.parent is not None:
            root = root.parent
        starts, names = [], []
        for child in root.named_children:
            if child.type == "namespace_definition":
                n = child.child_by_field_name("name")
                starts.append(child.start_byte)
                names.append(n.text.decode("utf-8", "replace").strip("\\") if n is not None else "")
        spaces = _current.namespaces = (starts, names)
    i = bisect.bisect_right(spaces[0], node.start_byte) - 1
    return spaces[1][i] if i >= 0 else ""


def _literal_path(node, src: bytes) -> str | None:
    """`require 'a.php'`, `require __DIR__ . '/a.php'`: the path, relative to the file; else None."""
    arg = node.named_children[0] if node.named_child_count else None
    while arg is not None and arg.type == "parenthesized_expression" and arg.named_child_count:
        arg = arg.named_children[0]
    if arg is None:
        return None
    if arg.type == "binary_expression":
        left, right = arg.child_by_field_name("left"), arg.child_by_field_name("right")
        if left is None or right is None or _text(src, left) not in ("__DIR__", "dirname(__FILE__)"):
            return None
        arg = right
        if arg.type in ("string", "encapsed_string") and _text(src, arg)[1:2] == "/":
            return "." + _text(src, arg)[1:-1]
    if arg.type in ("string", "encapsed_string") and not any(c.type != "string_content" for c in arg.named_children):
        return _text(src, arg)[1:-1]
    return None
