"""One file defining a class-like name twice (docs/data-model.md, "When one file defines the same qualified name
twice"): a later duplicate is a separate node (`@<line>` in its id) whose members are its own, except where the
language reopens the class (Ruby classes and modules, TypeScript interfaces, C# partial classes: one class).

Node ids are written here without the `<project>:` prefix."""
from __future__ import annotations

import graphbuddy
from tests.index.test_delta import _delta_after_rewrite

# the stdlib's subprocess.Popen pattern: one class per platform, both defining the same methods
PY_POPEN = """import sys

if sys.platform == 'win32':
    class Popen:
        def wait(self):
            return self._poll()

        def _poll(self):
            return 1
else:
    class Popen:
        def wait(self):
            return self._poll()

        def _poll(self):
            return 2

        def _helper(self):
            return self.wait()
"""
PY_USER = "from main import Popen\n\n\ndef run():\n    Popen().wait()\n"


def _index(tmp_path, files: dict[str, str]) -> tuple[set, set]:
    """(HAS_METHOD pairs, CALLS (caller, callee, reason, line)) of `files`, by node id."""
    root = tmp_path / "p"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    with graphbuddy.open(memory=True) as gb:
        gb.index(root, project="x")
        methods = {(r["c"][2:], r["m"][2:]) for r in gb.cypher(
            "MATCH (c:Class {project: 'x'})-[:HAS_METHOD]->(m) RETURN c.id AS c, m.id AS m").rows()}
        calls = {(r["a"][2:], r["b"][2:], r["r"], r["l"]) for r in gb.cypher(
            "MATCH (a:Function {project: 'x'})-[e:CALLS]->(b) RETURN a.id AS a, b.id AS b, e.reason AS r, "
            "e.line AS l").rows()}
    return methods, calls


def _methods_of(methods: set, cls: str) -> set[str]:
    return {m for c, m in methods if c == cls}


def test_python_methods_of_a_conditional_redefinition_belong_to_the_class_enclosing_them(tmp_path):
    methods, _ = _index(tmp_path, {"main.py": PY_POPEN})
    assert _methods_of(methods, "main.py:main.Popen") == {"main.py:main.Popen.wait", "main.py:main.Popen._poll"}
    assert _methods_of(methods, "main.py:main.Popen@11") == {
        "main.py:main.Popen.wait@12", "main.py:main.Popen._poll@15", "main.py:main.Popen._helper"}


def test_python_self_calls_in_a_later_duplicate_resolve_against_its_own_methods(tmp_path):
    _, calls = _index(tmp_path, {"main.py": PY_POPEN, "user.py": PY_USER})
    assert calls == {
        ("main.py:main.Popen.wait", "main.py:main.Popen._poll", "self", 6),
        ("main.py:main.Popen.wait@12", "main.py:main.Popen._poll@15", "self", 13),     # from its own node
        ("main.py:main.Popen._helper", "main.py:main.Popen.wait@12", "self", 19),
        ("user.py:user.run", "main.py:main.Popen.wait", "receiver", 5),        # other files: the first class
    }


def test_python_later_duplicate_inherits_what_its_own_bases_give(tmp_path):
    """`self.m()` in the later duplicate: its own methods first, then its own bases' (not the first class's)."""
    src = ("class A:\n    def m(self):\n        pass\n\n\nclass B:\n    def m(self):\n        pass\n\n\n"
           "if X:\n    class C(A):\n        def go(self):\n            self.m()\nelse:\n"
           "    class C(B):\n        def go(self):\n            self.m()\n")
    methods, calls = _index(tmp_path, {"main.py": src})
    assert _methods_of(methods, "main.py:main.C@16") == {"main.py:main.C.go@17"}
    assert ("main.py:main.C.go", "main.py:main.A.m", "inherited", 14) in calls
    assert ("main.py:main.C.go@17", "main.py:main.B.m", "inherited", 18) in calls
    assert not {c for c in calls if c[1] == "main.py:main.A.m" and c[3] == 18}


def test_javascript_classes_in_both_arms_of_an_if_are_separate(tmp_path):
    src = ("let Impl;\nif (typeof window !== 'undefined') {\n  class Store {\n    get() { return this.load(); }\n"
           "    load() { return 1; }\n  }\n  Impl = Store;\n} else {\n  class Store {\n"
           "    get() { return this.load(); }\n    load() { return 2; }\n    extra() { return this.get(); }\n"
           "  }\n  Impl = Store;\n}\n")
    methods, calls = _index(tmp_path, {"main.js": src})
    assert _methods_of(methods, "main.js:main.Store") == {"main.js:main.Store.get", "main.js:main.Store.load"}
    assert _methods_of(methods, "main.js:main.Store@9") == {
        "main.js:main.Store.get@10", "main.js:main.Store.load@11", "main.js:main.Store.extra"}
    assert calls == {("main.js:main.Store.get", "main.js:main.Store.load", "self", 4),
                     ("main.js:main.Store.get@10", "main.js:main.Store.load@11", "self", 10),
                     ("main.js:main.Store.extra", "main.js:main.Store.get@10", "self", 12)}


def test_php_conditional_class_declarations_are_separate(tmp_path):
    src = ("<?php\nif (!class_exists('A')) {\n  class A {\n    function f() { return $this->g(); }\n"
           "    function g() { return 1; }\n  }\n} else {\n  class A {\n    function f() { return $this->g(); }\n"
           "    function g() { return 2; }\n  }\n}\n")
    methods, calls = _index(tmp_path, {"main.php": src})
    assert _methods_of(methods, "main.php:A@8") == {"main.php:A::f@9", "main.php:A::g@10"}
    assert ("main.php:A::f@9", "main.php:A::g@10", "self", 9) in calls
    assert ("main.php:A::f", "main.php:A::g", "self", 4) in calls


def test_csharp_if_directive_duplicates_are_separate_and_partial_classes_one(tmp_path):
    src = ("namespace N {\n  partial class A {\n    void F() { G(); }\n  }\n  partial class A {\n"
           "    void G() { F(); }\n  }\n#if WIN\n  class B { void H() { K(); } void K() {} }\n#else\n"
           "  class B { void H() { K(); } void K() {} }\n#endif\n}\n")
    methods, calls = _index(tmp_path, {"Main.cs": src})
    assert _methods_of(methods, "Main.cs:N.A") == {"Main.cs:N.A.F", "Main.cs:N.A.G"}
    assert _methods_of(methods, "Main.cs:N.A@5") == set()
    assert _methods_of(methods, "Main.cs:N.B@11") == {"Main.cs:N.B.H@11", "Main.cs:N.B.K@11"}
    assert {("Main.cs:N.A.F", "Main.cs:N.A.G", "self", 3), ("Main.cs:N.A.G", "Main.cs:N.A.F", "self", 6),
            ("Main.cs:N.B.H", "Main.cs:N.B.K", "self", 9),
            ("Main.cs:N.B.H@11", "Main.cs:N.B.K@11", "self", 11)} <= calls


def test_ruby_reopened_class_is_one_class(tmp_path):
    src = "class Foo\n  def a\n    b\n  end\nend\n\nclass Foo\n  def b\n    a\n  end\nend\n"
    methods, calls = _index(tmp_path, {"main.rb": src})
    assert _methods_of(methods, "main.rb:Foo") == {"main.rb:Foo#a", "main.rb:Foo#b"}
    assert _methods_of(methods, "main.rb:Foo@7") == set()
    assert calls == {("main.rb:Foo#a", "main.rb:Foo#b", "self", 3), ("main.rb:Foo#b", "main.rb:Foo#a", "self", 9)}


def test_typescript_interface_declarations_merge(tmp_path):
    src = ("interface Shape {\n  area(): number;\n}\ninterface Shape {\n  name(): string;\n}\n"
           "function f(s: Shape) {\n  return s.name();\n}\n")
    methods, calls = _index(tmp_path, {"main.ts": src})
    assert _methods_of(methods, "main.ts:main.Shape") == {"main.ts:main.Shape.area", "main.ts:main.Shape.name"}
    assert ("main.ts:main.f", "main.ts:main.Shape.name", "typed", 8) in calls


def test_rust_cfg_modules_are_separate_and_impl_blocks_attach_to_the_type(tmp_path):
    src = ("#[cfg(unix)]\nmod imp {\n    pub fn f() {}\n}\n#[cfg(windows)]\nmod imp {\n    pub fn f() {}\n"
           "    pub fn g() {}\n}\n\npub struct S;\n\nimpl S {\n    pub fn a(&self) { self.b() }\n}\n\n"
           "impl S {\n    pub fn b(&self) {}\n}\n")
    methods, calls = _index(tmp_path, {"src/lib.rs": src})
    assert _methods_of(methods, "src/lib.rs:crate::imp") == {"src/lib.rs:crate::imp::f"}
    assert _methods_of(methods, "src/lib.rs:crate::imp@6") == {"src/lib.rs:crate::imp::f@7",
                                                               "src/lib.rs:crate::imp::g"}
    assert _methods_of(methods, "src/lib.rs:crate::S") == {"src/lib.rs:crate::S::a", "src/lib.rs:crate::S::b"}
    assert ("src/lib.rs:crate::S::a", "src/lib.rs:crate::S::b", "self", 14) in calls


# -- the delta invariant: a later duplicate's node ids carry lines, which edits above or inside it move -------------

DUP_FILES = {
    "base.py": "class Base:\n    def run(self):\n        pass\n\n    def start(self):\n        self.run()\n",
    "main.py": "from base import Base\n\nif X:\n    class P(Base):\n        def run(self):\n            pass\n"
               "else:\n    class P(Base):\n        def run(self):\n            self.go()\n\n"
               "        def go(self):\n            pass\n",
    "user.py": "from main import P\n\n\ndef use():\n    P().run()\n",
}


def test_delta_equals_full_when_lines_move_inside_a_later_duplicate(tmp_path):
    # Base.start's override edge points at `P.run@9`: a blank line between the second `class P` and its
    # `def run` moves that node while the class keeps its line
    _, calls = _index(tmp_path / "full", DUP_FILES)
    assert ("base.py:base.Base.start", "main.py:main.P.run@9", "override", 6) in calls
    moved = DUP_FILES["main.py"].replace("Base):\n        def run(self):\n            self.go",
                                         "Base):\n\n        def run(self):\n            self.go")
    assert moved != DUP_FILES["main.py"]
    _delta_after_rewrite(tmp_path / "a", DUP_FILES, {**DUP_FILES, "main.py": moved})


def test_delta_equals_full_when_a_later_duplicate_moves_or_goes(tmp_path):
    _delta_after_rewrite(tmp_path / "a", DUP_FILES, {**DUP_FILES, "main.py": "\n" + DUP_FILES["main.py"]})
    first_only = DUP_FILES["main.py"].split("else:")[0]
    _delta_after_rewrite(tmp_path / "b", DUP_FILES, {**DUP_FILES, "main.py": first_only})
    _delta_after_rewrite(tmp_path / "c", {**DUP_FILES, "main.py": first_only}, DUP_FILES)
    # the first goes: the later one becomes the first (`P`, no `@8`), its `go` moves from `P@8` to it
    second_only = DUP_FILES["main.py"].replace("    class P(Base):\n        def run(self):\n            pass\nelse:",
                                               "    pass\nelse:")
    assert second_only != DUP_FILES["main.py"]
    _delta_after_rewrite(tmp_path / "d", DUP_FILES, {**DUP_FILES, "main.py": second_only})


