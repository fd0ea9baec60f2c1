"""The finer lookup keys of resolve.py (t: c: q: v: i: k: e: and the per-entry n: b:): an edit re-resolves only
the files whose lookups it can change, and every edit that can change one still re-resolves it. Each case
runs its edits in one process (memoised lookups carry over) and compares the graph with a fresh full index."""
from __future__ import annotations

import os
from pathlib import Path

import graphbuddy
from tests.conftest import graph_dump

BASE = """\
class Base:
    def run(self):
        self.setUp()
        self.tearDown()
        return self.check()

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def check(self):
        return 1
"""
SUB = """\
from base import Base


class Sub(Base):
    def setUp(self):
        return 2
"""
CALLER = """\
from sub import Sub


def go():
    s = Sub()
    s.helper()
    return s.run()
"""


def _full_dump(root: Path) -> dict:
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(root, project="sample")
        return graph_dump(fresh, "sample")


def _edges(dump: dict, kind: str) -> set[tuple[str, str]]:
    return {(dict(r)["a.id"], dict(r)["b.id"]) for r in dump[kind]}


class Project:
    """A small project on disk, indexed once; `edit` rewrites one file, re-indexes by delta, checks delta == full."""

    def __init__(self, tmp_path: Path, files: dict[str, str]):
        self.root = tmp_path / "p"
        self.tick = 10**17
        for rel, text in files.items():
            self.write(rel, text)
        self.gb = graphbuddy.open(tmp_path / "store")
        self.gb.index(self.root, project="sample")

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.tick += 10**9
        os.utime(path, ns=(self.tick, self.tick))

    def edit(self, rel: str, change) -> tuple[object, dict]:
        path = self.root / rel
        self.write(rel, change(path.read_text()) if callable(change) else change)
        report = self.gb.index(self.root, project="sample")
        assert report.mode == "delta"
        dump = graph_dump(self.gb, "sample")
        assert dump == _full_dump(self.root), f"delta != full after editing {rel}"
        return report, dump

    def close(self) -> None:
        self.gb.close()


def _append(text: str):
    return lambda old: old + text


def test_a_new_function_in_a_subclass_file_leaves_the_base_alone(tmp_path):
    """The base's dispatch table (`self.setUp()` -> Sub.setUp) holds Sub's members, not Sub's whole file."""
    p = Project(tmp_path, {"base.py": BASE, "sub.py": SUB, "caller.py": CALLER})
    try:
        report, dump = p.edit("sub.py", _append("\n\ndef added():\n    return len([])\n"))
        assert report.files_reresolved == 1
        assert ("sample:base.py:base.Base.run", "sample:sub.py:sub.Sub.setUp") in _edges(dump, "calls")
        report, _ = p.edit("caller.py", _append("\n\ndef more():\n    return go()\n"))
        assert report.files_reresolved == 1
    finally:
        p.close()


def test_a_new_override_reaches_the_base_dispatch(tmp_path):
    """Adding `tearDown` to Sub changes Sub's members (c: key): base.py must gain the override edge."""
    p = Project(tmp_path, {"base.py": BASE, "sub.py": SUB, "caller.py": CALLER})
    try:
        _, dump = p.edit("sub.py", _append("\n    def tearDown(self):\n        return 3\n"))
        assert ("sample:base.py:base.Base.run", "sample:sub.py:sub.Sub.tearDown") in _edges(dump, "calls")
        _, dump = p.edit("sub.py", lambda t: t.replace("def tearDown", "def tear_down"))
        assert ("sample:base.py:base.Base.run", "sample:sub.py:sub.Sub.tearDown") not in _edges(dump, "calls")
    finally:
        p.close()


def test_a_method_added_to_a_base_reaches_callers_through_a_subclass(tmp_path):
    """`s.helper()` on a Sub finds nothing until Base defines helper: caller.py read Base's members."""
    p = Project(tmp_path, {"base.py": BASE, "sub.py": SUB, "caller.py": CALLER})
    try:
        _, dump = p.edit("base.py", _append("\n    def helper(self):\n        return 4\n"))
        assert ("sample:caller.py:caller.go", "sample:base.py:base.Base.helper") in _edges(dump, "calls")
        _, dump = p.edit("base.py", lambda t: t.replace("def helper", "def helper2"))
        assert ("sample:caller.py:caller.go", "sample:base.py:base.Base.helper") not in _edges(dump, "calls")
    finally:
        p.close()


def test_renaming_a_base_class_and_back(tmp_path):
    p = Project(tmp_path, {"base.py": BASE, "sub.py": SUB, "caller.py": CALLER})
    try:
        _, dump = p.edit("base.py", lambda t: t.replace("class Base", "class Root"))
        assert not dump["inherits"]
        assert ("sample:base.py:base.Root.run", "sample:sub.py:sub.Sub.setUp") not in _edges(dump, "calls")
        _, dump = p.edit("base.py", lambda t: t.replace("class Root", "class Base"))
        assert ("sample:sub.py:sub.Sub", "sample:base.py:base.Base") in _edges(dump, "inherits")
    finally:
        p.close()


def test_changing_bases_moves_the_dispatch_edges(tmp_path):
    """Sub's bases change (b: and q: keys); SubSub inherits Base through Sub, so its override goes too."""
    files = {"base.py": BASE, "sub.py": SUB, "caller.py": CALLER,
             "other.py": "class Other:\n    def run(self):\n        return self.setUp()\n\n"
                         "    def setUp(self):\n        pass\n",
             "subsub.py": "from sub import Sub\n\n\nclass SubSub(Sub):\n    def check(self):\n        return 5\n"}
    p = Project(tmp_path, files)
    try:
        before = _edges(_full_dump(p.root), "calls")
        assert ("sample:base.py:base.Base.run", "sample:subsub.py:subsub.SubSub.check") in before
        _, dump = p.edit("sub.py", lambda t: t.replace("from base import Base", "from other import Other")
                         .replace("(Base)", "(Other)"))
        calls = _edges(dump, "calls")
        assert ("sample:base.py:base.Base.run", "sample:subsub.py:subsub.SubSub.check") not in calls
        assert ("sample:other.py:other.Other.run", "sample:sub.py:sub.Sub.setUp") in calls
        p.edit("sub.py", lambda t: t.replace("(Other)", "(Base, Other)").replace(
            "from other import Other", "from other import Other\nfrom base import Base"))
    finally:
        p.close()


def test_return_types_and_attributes_of_another_file(tmp_path):
    """`make().m()` reads b.py's `<return>` binding (v: key); `x.k.m()` reads Holder's attribute types."""
    files = {"b.py": "class K:\n    def m(self):\n        return 1\n\n\nclass J:\n    def m(self):\n        return 2\n\n\n"
                     "def make():\n    return K()\n\n\nclass Holder:\n    def __init__(self):\n        self.k = K()\n\n\n"
                     "def build() -> K:\n    pass\n",
             "a.py": "from b import make, Holder, build\n\n\ndef g():\n    make().m()\n\n\ndef use():\n"
                     "    x = Holder()\n    x.k.m()\n\n\ndef other():\n    build().m()\n"}
    p = Project(tmp_path, files)
    try:
        _, dump = p.edit("b.py", lambda t: t.replace("return K()", "return J()"))
        assert ("sample:a.py:a.g", "sample:b.py:b.J.m") in _edges(dump, "calls")
        _, dump = p.edit("b.py", lambda t: t.replace("self.k = K()", "self.k = J()"))
        assert ("sample:a.py:a.use", "sample:b.py:b.J.m") in _edges(dump, "calls")
        _, dump = p.edit("b.py", lambda t: t.replace("-> K", "-> J"))     # the definition's surface (t: key)
        assert ("sample:a.py:a.other", "sample:b.py:b.J.m") in _edges(dump, "calls")
    finally:
        p.close()


def test_re_exports_star_imports_and_unique_names(tmp_path):
    """t: keys of an alias re-export, i: keys of star imports, n: keys of global-unique functions (C: Python
    has no global_unique fallback)."""
    files = {"c.py": "def f():\n    return 1\n\n\ndef f2():\n    return 2\n",
             "b.py": "from c import f as g\n",
             "s.py": "from c import *\n",
             "a.py": "from b import g\nfrom s import f2\n\n\ndef use():\n    g()\n    f2()\n",
             "a.c": "int lonely(void);\nint use(void) { return lonely(); }\n",
             "d.c": "int lonely(void) { return 0; }\n",
             "e.c": "int other(void) { return 1; }\n"}
    p = Project(tmp_path, files)
    try:
        _, dump = p.edit("b.py", "from c import f2 as g\n")
        assert ("sample:a.py:a.use", "sample:c.py:c.f2") in _edges(dump, "calls")
        _, dump = p.edit("s.py", "from b import *\n")
        assert ("sample:a.py:a.use", "sample:c.py:c.f2") in _edges(dump, "calls")   # through g, not f2
        assert ("sample:a.c:a.use", "sample:d.c:d.lonely") in _edges(dump, "calls")
        _, dump = p.edit("e.c", _append("int lonely(void) { return 9; }\n"))      # no longer unique
        assert not any(b.endswith(".lonely") for _, b in _edges(dump, "calls"))
        _, dump = p.edit("e.c", lambda t: t.replace("int lonely", "int alone"))
        assert ("sample:a.c:a.use", "sample:d.c:d.lonely") in _edges(dump, "calls")
        _, dump = p.edit("d.c", lambda t: "static " + t)        # internal linkage: out of a.c's reach
        assert not any(b.endswith(".lonely") for _, b in _edges(dump, "calls"))
        _, dump = p.edit("d.c", lambda t: t.removeprefix("static "))
        assert ("sample:a.c:a.use", "sample:d.c:d.lonely") in _edges(dump, "calls")
    finally:
        p.close()


def test_moved_node_ids_re_resolve_the_files_pointing_at_them(tmp_path):
    """e: keys. A file rebuilt instead of patched (more new definitions than PATCH_LIMIT) drops the edges into
    it; one whose lines all moved (an edit at its top) is patched in place and keeps them, its callers not
    re-resolved; a patched file whose first `f` goes away hands the plain id of `f` to the next definition of
    that name."""
    from graphbuddy.index.load import PATCH_LIMIT

    many = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(60))
    files = {"m.py": many + "def f():\n    return 1\n\n\ndef f():\n    return 2\n",
             "a.py": "from m import f0, f59, f\n\n\ndef use():\n    f0()\n    f59()\n    f()\n"}
    p = Project(tmp_path, files)
    try:
        report, dump = p.edit("m.py", lambda t: "import os\n" + t)          # every line moved: patched
        assert report.files_reresolved == 1
        assert ("sample:a.py:a.use", "sample:m.py:m.f59") in _edges(dump, "calls")
        added = "".join(f"def n{i}():\n    return {i}\n\n\n" for i in range(PATCH_LIMIT + 1))
        report, dump = p.edit("m.py", lambda t: added + t)                   # too many new nodes: rebuilt
        assert report.files_reresolved == 2
        assert ("sample:a.py:a.use", "sample:m.py:m.f59") in _edges(dump, "calls")
        p.edit("m.py", lambda t: t.replace("def f():\n    return 1\n", "def e():\n    return 1\n"))
    finally:
        p.close()


def test_go_external_test_package_clause_edit(tmp_path):
    """p:/k: keys: `package x_test` -> `package x` moves a file into the package's namespace (and back)."""
    files = {"go.mod": "module example.com/app\n",
             "ins/ins.go": "package ins\n\nfunc traverse() uint64 {\n\treturn typeOf()\n}\n",
             "ins/a_test.go": "package ins_test\n\nfunc typeOf() string { return \"\" }\n",
             "ins/typeof.go": "package ins\n\nfunc typeOf() uint64 { return 0 }\n"}
    p = Project(tmp_path, files)
    own, other = ("sample:ins/ins.go:ins.traverse", "sample:ins/typeof.go:ins.typeOf"), \
        ("sample:ins/ins.go:ins.traverse", "sample:ins/a_test.go:ins.typeOf")
    try:
        _, dump = p.edit("ins/a_test.go", lambda t: t.replace("package ins_test", "package ins"))
        assert other in _edges(dump, "calls")          # one package now: the first file defining it wins
        _, dump = p.edit("ins/a_test.go", lambda t: t.replace("package ins", "package ins_test"))
        assert own in _edges(dump, "calls") and other not in _edges(dump, "calls")
    finally:
        p.close()


def test_go_implicit_interface_implementations_follow_method_edits(tmp_path):
    """g: keys: a type gains (or loses) the interface's method set in another package; the call through the
    interface gains (or loses) its implementation edge."""
    files = {"go.mod": "module example.com/app\n",
             "shape/shape.go": ("package shape\n\ntype Named interface {\n\tName() string\n\tSize() int\n}\n\n"
                                "func Label(n Named) string {\n\treturn n.Name()\n}\n"),
             "rect/rect.go": "package rect\n\ntype Rect struct{}\n\nfunc (r Rect) Name() string { return \"r\" }\n",
             "rect/size.go": "package rect\n"}
    p = Project(tmp_path, files)
    edge = ("sample:shape/shape.go:shape.Label", "sample:rect/rect.go:rect.Rect.Name")
    try:
        _, dump = p.edit("rect/size.go", _append("\nfunc (r *Rect) Size() int { return 1 }\n"))
        assert edge in _edges(dump, "calls")
        _, dump = p.edit("rect/size.go", lambda t: t.replace("Size() int", "Size() string"))
        assert edge not in _edges(dump, "calls")
        _, dump = p.edit("rect/size.go", lambda t: t.replace("Size() string", "Size() int"))
        assert edge in _edges(dump, "calls")
    finally:
        p.close()


def test_rust_library_crate_named_by_cargo(tmp_path):
    """A binary's `use my_lib::run` follows the package name in Cargo.toml (a config file: renaming the package
    re-resolves the project)."""
    files = {"Cargo.toml": "[package]\nname = \"my-lib\"\n",
             "src/lib.rs": "pub fn run() -> i32 {\n    1\n}\n",
             "src/main.rs": "use my_lib::run;\n\nfn main() {\n    run();\n}\n"}
    p = Project(tmp_path, files)
    edge = ("sample:src/main.rs:crate::main", "sample:src/lib.rs:crate::run")
    try:
        _, dump = p.edit("src/main.rs", _append("\nfn more() {\n    my_lib::run();\n}\n"))
        assert edge in _edges(dump, "calls")
        assert ("sample:src/main.rs:crate::more", "sample:src/lib.rs:crate::run") in _edges(dump, "calls")
        _, dump = p.edit("Cargo.toml", "[package]\nname = \"other\"\n")
        assert edge not in _edges(dump, "calls")
    finally:
        p.close()


def test_python_closure_factory_return_edits(tmp_path):
    """v: keys: `g = make(); g()` follows what make returns (a function it defines) across an edit of make."""
    files = {"util.py": "def make():\n    def inner():\n        return 1\n\n    def other():\n        return 2\n\n"
                        "    return inner\n",
             "main.py": "from util import make\n\n\ndef run():\n    g = make()\n    return g()\n"}
    p = Project(tmp_path, files)
    inner, other = ("sample:main.py:main.run", "sample:util.py:util.make.inner"), \
        ("sample:main.py:main.run", "sample:util.py:util.make.other")
    try:
        _, dump = p.edit("util.py", lambda t: t.replace("return inner", "return other"))
        assert other in _edges(dump, "calls") and inner not in _edges(dump, "calls")
        _, dump = p.edit("util.py", lambda t: t.replace("return other", "return inner"))
        assert inner in _edges(dump, "calls") and other not in _edges(dump, "calls")
    finally:
        p.close()
