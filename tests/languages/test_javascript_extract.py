"""JavaScript / TypeScript / TSX extraction and resolution hooks (real tree-sitter, fixtures in tests/fixtures/js)."""
from __future__ import annotations

from pathlib import Path

import pytest

from graphbuddy.index.facts import Binding, Import
from graphbuddy.languages import adapter_for

FIXTURES = Path(__file__).parent.parent / "fixtures" / "js"


def extract(language: str, fixture: str, path: str):
    return adapter_for(language).extract((FIXTURES / fixture).read_bytes(), path=path, hash="h")


def defs(facts) -> dict:
    return {d.qualified_name: d for d in facts.definitions}


def calls(facts) -> set:
    return {(c.caller, c.name, c.receiver, c.is_new) for c in facts.calls}


def imports(facts) -> list:
    return [(i.line, i.module, i.name, i.alias, i.reexport) for i in facts.imports]


# -- JavaScript ---------------------------------------------------------------------------------------------
M = "src/sample"


@pytest.fixture(scope="module")
def js():
    return extract("javascript", "sample.js", "src/sample.js")


def test_js_file_facts(js):
    assert (js.language, js.module, js.syntax_errors) == ("javascript", M, 0)
    assert js.definitions[0].kind == "module" and js.definitions[0].name == "sample"
    assert js.extra["default_export"] == "Shape"


def test_js_definitions(js):
    d = defs(js)
    # (kind, parent, exported) for every definition; object-literal methods (`api.get`) are not definitions
    assert {qn: (x.kind, x.parent, x.exported) for qn, x in d.items() if x.kind != "module"} == {
        f"{M}.add": ("function", None, True),                   # export function
        f"{M}.double": ("function", None, True),                # export const f = () =>
        f"{M}.square": ("function", None, False),               # single-parameter arrow
        f"{M}.legacy": ("function", None, True),                # module.exports.legacy = legacy
        f"{M}.counter": ("function", None, True),               # generator, exports.counter = counter
        f"{M}.Shape": ("class", None, True),
        f"{M}.Shape.constructor": ("constructor", f"{M}.Shape", True),
        f"{M}.Shape.area": ("method", f"{M}.Shape", True),
        f"{M}.Shape.#secret": ("method", f"{M}.Shape", False),
        f"{M}.Shape._internal": ("method", f"{M}.Shape", False),
        f"{M}.Shape.onClick": ("method", f"{M}.Shape", True),   # arrow class field
        f"{M}.Anon": ("class", None, False),                    # const Anon = class ...
        f"{M}.Circle": ("class", None, False),
        f"{M}.Circle.area": ("method", f"{M}.Circle", False),
        f"{M}.make": ("function", None, True),                  # exports.make = function ...
    }
    assert d[f"{M}.add"].docstring == "Adds two numbers.\n@param {number} a"
    assert (d[f"{M}.add"].start_line, d[f"{M}.add"].end_line) == (17, 19)
    assert d[f"{M}.double"].docstring == "Doubles."
    assert d[f"{M}.Shape"].docstring == "The base shape."
    assert d[f"{M}.Shape.area"].docstring == "Area, to override."
    assert d[f"{M}.square"].docstring == "" and d[f"{M}.Shape.constructor"].docstring == ""
    assert (d[f"{M}.Shape"].bases, d[f"{M}.Shape"].base_kinds) == (("ns.Base",), ("extends",))
    assert d[f"{M}.Anon"].bases == ("Shape",) and d[f"{M}.Circle"].bases == ("Shape",)
    assert d[f"{M}.add"].signature == "add(a, b)"
    assert d[f"{M}.square"].signature == "square(x)"


def test_js_imports(js):
    assert imports(js) == [
        (2, "./lib/a", "default", "Default", False),
        (2, "./lib/a", "named", "named", False),
        (2, "./lib/a", "orig", "renamed", False),
        (3, "../shared/ns", None, "ns", False),
        (4, "./polyfill", None, None, False),
        (5, "./lib/helpers", "helper", "helper", True),
        (5, "./lib/helpers", "other", "alias", True),
        (6, "./lib/all", "*", None, True),
        (7, "./lib/grouped", None, "grouped", True),
        (8, "fs", None, "fs", False),
        (9, "./io", "readFile", "readFile", False),
        (9, "./io", "writeFile", "write", False),
        (10, "./util", "pick", "pick", False),
        (11, "./side-effect", None, None, False),
    ]


def test_js_calls(js):
    assert calls(js) == {
        (f"{M}.add", "helper", None, False),
        (f"{M}.double", "add", None, False),
        (f"{M}.counter", "square", None, False),
        (f"{M}.Shape.constructor", "constructor", "super", False),   # super(name)
        (f"{M}.Shape.constructor", "Store", None, True),
        (f"{M}.Shape.area", "area", "super", False),
        (f"{M}.Shape.area", "scale", "this", False),
        (f"{M}.Shape.onClick", "area", "this", False),
        (f"{M}.Circle.area", "Shape", "ns", True),                    # new ns.Shape()
        (f"{M}.Circle.area", "save", "this.store", False),
        (f"{M}.Circle.area", "radius", "Circle()", False),            # new Circle().radius()
        (f"{M}.Circle.area", "Circle", None, True),
        (f"{M}.make", "Circle", None, True),
        (M, "readFileSync", "fs", False),                             # module-level code is the caller
    }                                                                 # require() is an import, not a call


def test_js_bindings(js):
    assert set(js.bindings) == {
        Binding(f"{M}.Shape", "self.store", "Store"),                 # this.store = new Store()
        Binding(f"{M}.Circle.area", "s", "ns.Shape"),                 # const s = new ns.Shape()
        Binding(f"{M}.make", "<return>", "Circle"),                  # return new Circle(): types make()
    }


# -- TypeScript ---------------------------------------------------------------------------------------------
T = "src/svc/sample"


@pytest.fixture(scope="module")
def ts():
    return extract("typescript", "sample.ts", "src/svc/sample.ts")


def test_ts_definitions(ts):
    d = defs(ts)
    assert {qn: (x.kind, x.parent, x.exported) for qn, x in d.items() if x.kind != "module"} == {
        f"{T}.Entity": ("interface", None, True),
        f"{T}.Entity.describe": ("method", f"{T}.Entity", True),        # interface method signature
        f"{T}.Color": ("enum", None, True),
        f"{T}.Service": ("class", None, True),
        f"{T}.Service.run": ("method", f"{T}.Service", True),          # abstract method signature
        f"{T}.Service.constructor": ("constructor", f"{T}.Service", True),
        f"{T}.Service.describe": ("method", f"{T}.Service", True),
        f"{T}.Service.reset": ("method", f"{T}.Service", False),       # private
        f"{T}.Service.hook": ("method", f"{T}.Service", False),        # protected
        f"{T}.overloaded": ("function", None, False),                  # overload signatures skipped
        f"{T}.handler": ("function", None, True),
        f"{T}.Local": ("class", None, True),                           # export { Local }
        f"{T}.Decorated": ("class", None, True),
    }                                                                  # `declare function` skipped
    assert (d[f"{T}.Entity"].bases, d[f"{T}.Entity"].base_kinds) == (("Base", "ns.Named"), ("extends", "extends"))
    assert (d[f"{T}.Service"].bases, d[f"{T}.Service"].base_kinds) == (
        ("BaseService", "Entity", "ns.Startable"), ("extends", "implements", "implements"))
    assert d[f"{T}.Entity"].docstring == "A thing with an id."
    assert d[f"{T}.Service"].docstring == "Abstract service."
    assert d[f"{T}.Service.run"].docstring == "Runs it."
    assert d[f"{T}.Service.describe"].docstring == "Describes it."                 # above a decorator
    assert d[f"{T}.Decorated"].docstring == "Decorated."                          # decorated export
    assert d[f"{T}.Service.run"].signature == "run(input: T): Promise<void>"
    assert d[f"{T}.overloaded"].start_line == 37
    assert d[f"{T}.handler"].signature == \
        "handler(req: Request, repo?: db.Repo, rows: Row[] = []): Promise<number>"
    assert "default_export" not in ts.extra


def test_ts_imports(ts):
    assert imports(ts) == [
        (2, "./config", "Config", "Config", False),                    # import type {...}
        (3, "@/db/repo", "Repo", "Repo", False),
        (3, "@/db/repo", "Row", "Row", False),                         # inline `type Row`
        (4, "node-fetch", None, "fetch", False),                       # import x = require(...)
    ]


def test_ts_calls(ts):
    assert calls(ts) == {
        (f"{T}.Service.constructor", "constructor", "super", False),
        (T, "logged", None, False),                                    # decorators run at class definition
        (T, "Injectable", None, False),
        (f"{T}.Service.describe", "find", "this.repo", False),
        (f"{T}.Service.describe", "get", "this.cache", False),
        (f"{T}.handler", "make", None, False),
        (f"{T}.handler", "Repo", None, True),
        (f"{T}.handler", "count", "r", False),
    }


def test_ts_bindings(ts):
    got = set(ts.bindings)
    assert len(got) == len(ts.bindings)                                # no duplicates
    assert {
        Binding(f"{T}.Service", "self.cache", "Cache"),                # field `cache: Cache`
        Binding(f"{T}.Service", "self.repo", "Repo"),                  # parameter property
        Binding(f"{T}.Service", "self.config", "Config"),
        Binding(f"{T}.Service.constructor", "repo", "Repo"),
        Binding(f"{T}.handler", "req", "Request"),
        Binding(f"{T}.handler", "repo", "db.Repo"),                    # optional parameter, qualified type
        Binding(f"{T}.handler", "r", "Repo"),                          # `r: Repo = new Repo()`, once
    } <= got
    assert Binding(f"{T}.handler", "svc", "Service") in got               # `Service<string>`: its base type
    assert not any(b.name == "rows" for b in got)                      # arrays are skipped


# -- TSX ------------------------------------------------------------------------------------------------------
X = "web/App"


def test_tsx_extraction():
    f = extract("tsx", "sample.tsx", "web/App.tsx")
    assert (f.language, f.module, f.syntax_errors) == ("tsx", X, 0)
    d = defs(f)
    assert {qn: (x.kind, x.exported) for qn, x in d.items() if x.kind != "module"} == {
        f"{X}.App": ("function", True), f"{X}.Card": ("function", True),
        f"{X}.Panel": ("class", False), f"{X}.Panel.render": ("method", False),
    }
    assert d[f"{X}.App"].docstring == "The app."
    assert d[f"{X}.Panel"].bases == ("React.Component",)
    assert f.extra["default_export"] == "App"
    assert imports(f) == [(2, "react", "default", "React", False), (2, "react", "useState", "useState", False),
                          (3, "./Button", "Button", "Button", False)]
    assert calls(f) == {(f"{X}.App", "useState", None, False), (f"{X}.App", "setN", None, False)}
    assert set(f.bindings) == {Binding(f"{X}.Card", "props", "CardProps")}


# -- smaller forms ------------------------------------------------------------------------------------------
def test_anonymous_default_exports_are_named_default():
    a = adapter_for("javascript")
    f = a.extract(b"/** Main. */\nexport default function (x) { return x; }\n", path="m.js", hash="h")
    assert [(d.qualified_name, d.exported, d.docstring) for d in f.definitions[1:]] == [("m.default", True, "Main.")]
    assert f.extra["default_export"] == "default"
    f = a.extract(b"export default class extends Base { run() {} }\n", path="c.js", hash="h")
    assert [(d.qualified_name, d.bases) for d in f.definitions[1:]] == [("c.default", ("Base",)), ("c.default.run", ())]
    f = a.extract(b"function f() {}\nexport { f as default };\n", path="e.js", hash="h")
    assert f.extra["default_export"] == "f" and f.definitions[1].exported


def test_nested_and_multi_declarator_definitions():
    src = b"/** Doc. */\nconst a = () => 1, b = () => 2;\nexport function outer() { function inner() {} }\n"
    d = defs(adapter_for("javascript").extract(src, path="n.js", hash="h"))
    assert (d["n.a"].docstring, d["n.b"].docstring) == ("Doc.", "")
    assert d["n.outer.inner"].parent == "n.outer" and not d["n.outer.inner"].exported


def test_syntax_errors_do_not_crash():
    src = (b"function ok() { a(); }\nclass X { m( {\nconst = require(;\nimport {a from './x'\n"
           b"function tail() { ok(); }\n")
    f = adapter_for("javascript").extract(src, path="broken.js", hash="h")
    assert f.syntax_errors > 0
    assert "broken.ok" in defs(f)


@pytest.mark.parametrize("language,fixture", [("javascript", "sample.js"), ("typescript", "sample.ts"),
                                              ("tsx", "sample.tsx")])
def test_truncated_sources_do_not_crash(language, fixture):
    src = (FIXTURES / fixture).read_bytes()
    adapter = adapter_for(language)
    for cut in range(0, len(src), max(1, len(src) // 60)):
        adapter.extract(src[:cut], path="t.ts", hash="h")


def test_adapter_attributes():
    for lang in ("javascript", "typescript", "tsx"):
        a = adapter_for(lang)
        assert (a.name, a.grammar) == (lang, lang)
        assert (a.self_names, a.class_self_names, a.super_names, a.constructor_names) == (
            ("this",), (), ("super",), ("constructor",))
        assert a.config_files() == ("tsconfig.json", "jsconfig.json")


# -- resolution hooks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,module", [
    ("src/util/helpers.ts", "src/util/helpers"), ("types/api.d.ts", "types/api"), ("index.js", "index"),
    ("lib/a.b.mjs", "lib/a.b"),
])
def test_module_name(path, module):
    assert adapter_for("typescript").module_name(path) == module


def test_qualified_names_use_the_path_module():
    f = adapter_for("typescript").extract(b"export function helper() {}\nclass Cls { method() {} }\n",
                                          path="src/util/helpers.ts", hash="h")
    assert [d.qualified_name for d in f.definitions] == [
        "src/util/helpers", "src/util/helpers.helper", "src/util/helpers.Cls", "src/util/helpers.Cls.method"]


def test_module_keys():
    keys = adapter_for("typescript").module_keys
    assert keys("src/a.ts", frozenset()) == [("src/a", 0), ("src/a.ts", 0)]
    assert keys("src/a.js", frozenset()) == [("src/a", 3), ("src/a.js", 0)]
    assert keys("src/types.d.ts", frozenset()) == [("src/types", 2), ("src/types.d.ts", 0)]
    assert keys("src/lib/index.tsx", frozenset()) == [("src/lib/index", 1), ("src/lib/index.tsx", 0), ("src/lib", 21)]
    assert keys("index.cjs", frozenset()) == [("index", 6), ("index.cjs", 0), ("", 26)]


def imp(spec: str) -> Import:
    return Import(1, spec, None, None)


@pytest.mark.parametrize("spec,importer,expected", [
    ("./b", "src/a.ts", ["src/b"]),
    ("../lib/c", "src/app/a.ts", ["src/lib/c"]),
    (".", "src/lib/a.ts", ["src/lib"]),                      # the directory's index file
    ("..", "src/lib/a.ts", ["src"]),
    ("./lib/", "src/a.ts", ["src/lib"]),
    ("./b.js", "src/a.ts", ["src/b.js", "src/b"]),           # TS: "./b.js" may mean b.ts
    ("./style.css", "src/a.ts", ["src/style.css"]),
    ("../../outside", "src/a.ts", []),
])
def test_relative_import_candidates(spec, importer, expected):
    assert adapter_for("typescript").import_candidates(imp(spec), importer, {}) == expected


CONFIG = {
    "tsconfig.json": {"compilerOptions": {"baseUrl": "src", "paths": {
        "@/*": ["*"], "@app/*": ["app/*", "../gen/*"], "config": ["settings/index.ts"], "@app/core/*": ["core/*"]}}},
    "web/jsconfig.json": {"compilerOptions": {"paths": {"~/*": ["./src/*"]}}},
    "tools/tsconfig.json": {"compilerOptions": {}},
}


@pytest.mark.parametrize("spec,importer,expected", [
    ("@/util/x", "src/a.ts", ["src/util/x", "src/@/util/x"]),          # paths relative to baseUrl, then baseUrl
    ("@app/y", "src/a.ts", ["src/app/y", "gen/y", "src/@app/y"]),      # every substitution, in order
    ("@app/core/z", "src/a.ts", ["src/core/z", "src/@app/core/z"]),    # the longest prefix wins
    ("config", "src/a.ts", ["src/settings/index.ts", "src/settings/index", "src/config"]),   # exact pattern
    ("lodash", "src/deep/a.ts", ["src/lodash"]),                       # baseUrl only
    ("~/z", "web/src/p.js", ["web/src/z"]),                            # nearest config, no baseUrl
    ("lodash", "web/p.js", []),
    ("lodash", "tools/x.ts", []),                                      # nearest config has no paths/baseUrl
    ("node:fs", "src/a.ts", []),
])
def test_config_import_candidates(spec, importer, expected):
    assert adapter_for("typescript").import_candidates(imp(spec), importer, CONFIG) == expected


def test_non_relative_without_config_is_external():
    assert adapter_for("javascript").import_candidates(imp("react"), "src/a.js", {}) == []


@pytest.mark.parametrize("spec,name", [
    ("lodash", "lodash"), ("lodash/fp", "lodash"), ("@scope/pkg", "@scope/pkg"), ("@scope/pkg/sub/x", "@scope/pkg"),
    ("node:fs", "fs"), ("node:fs/promises", "fs"), ("./local", "./local"),
])
def test_external_module_name(spec, name):
    assert adapter_for("javascript").external_module_name(imp(spec)) == name
