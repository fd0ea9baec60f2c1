"""Bad input for the Ruby, PHP, C and C++ adapters: partial trees or counted skips, never a crash."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.languages import adapter_for
from graphbuddy.languages.annotated import unpack_file

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lang"
EXT = {"ruby": "rb", "php": "php", "c": "c", "cpp": "cpp"}
GOOD = {
    "ruby": b"def good(a)\n  a\nend\n",
    "php": b"<?php\nfunction good($a) { return $a; }\n",
    "c": b"int good(int a) { return a; }\n",
    "cpp": b"int good(int a) { return a; }\n",
}
DEEP = {
    "ruby": lambda n: b"def deep\n" + b"[" * n + b"]" * n + b"\nend\n",
    "php": lambda n: b"<?php function deep() { return " + b"(" * n + b"1" + b")" * n + b"; }\n",
    "c": lambda n: b"int deep(void) { return " + b"(" * n + b"1" + b")" * n + b"; }\n",
    "cpp": lambda n: b"int deep() { " + b"{" * n + b"}" * n + b" return 1; }\n",
}


def _names(facts) -> set[str]:
    return {d.name for d in facts.definitions}


@pytest.mark.parametrize("language", sorted(EXT))
def test_long_lines_deep_nesting_and_mixed_encodings_still_extract(language):
    adapter = adapter_for(language)
    long_line = GOOD[language] + (b"// " if language != "ruby" else b"# ") + b"x" * 300_000 + b"\n"
    assert "good" in _names(adapter.extract(long_line, path=f"a.{EXT[language]}", hash="h"))
    # 3,000 levels: the nested function may come back partial (C++ loses it), what follows it does not
    after = GOOD[language].replace(b"<?php\n", b"")
    deep = adapter.extract(DEEP[language](3000) + after, path=f"d.{EXT[language]}", hash="h")
    assert "good" in _names(deep)
    assert "deep" in _names(adapter.extract(DEEP[language](50), path=f"d.{EXT[language]}", hash="h"))
    mixed = GOOD[language] + b"\n" + ("# caf\xe9" if language == "ruby" else "// caf\xe9").encode("latin-1") \
        + b"\n" + "// \u00fcber".encode("utf-8").replace(b"//", b"#" if language == "ruby" else b"//") + b"\n"
    assert "good" in _names(adapter.extract(mixed, path=f"m.{EXT[language]}", hash="h"))


@pytest.mark.parametrize("language", sorted(EXT))
def test_random_bytes_and_truncated_files_never_crash(language, tmp_path):
    adapter = adapter_for(language)
    rng = random.Random(language)
    sources = []
    for fixture in sorted((FIXTURES / language).glob("*.txt")):
        root = tmp_path / fixture.stem
        unpack_file(fixture, root)
        sources += [p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()]
    assert sources
    for i in range(60):
        src = rng.choice(sources)
        cut = src[: rng.randrange(len(src) + 1)] if i % 2 else bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        facts = adapter.extract(cut, path=f"src/f{i}.{EXT[language]}", hash="h")
        assert facts.definitions[0].kind == "module"             # always at least the module itself


def test_unparseable_files_are_counted_and_the_rest_indexed(tmp_path):
    (tmp_path / "ok.rb").write_text("def fine\n  1\nend\n")
    (tmp_path / "broken.rb").write_text("class Broken\n  def half(\nend end end\n")
    (tmp_path / "broken.php").write_text("<?php class { function ( {{{ \n")
    (tmp_path / "ok.c").write_bytes(b"/* caf\xe9 */ int fine_c(void) { return 0; }\n")
    (tmp_path / "broken.cpp").write_text("namespace { class X : public { void f( }\n")
    (tmp_path / "blob.h").write_bytes(b"\x00\xff\x10" * 200)
    with graphbuddy.open(memory=True) as gb:
        report = gb.index(tmp_path, project="bad")
        names = {r["n"] for r in gb.cypher("MATCH (f:Function {project: 'bad'}) RETURN f.name AS n").rows()}
    assert {"fine", "fine_c"} <= names
    assert report.syntax_error_files == 3
    assert report.skipped.get("binary") == 1


def test_a_composer_json_with_odd_psr4_entries_is_indexed_not_a_crash(tmp_path):
    """composer.json is user input: a non-string directory in a PSR-4 list is ignored, the string ones still
    resolve `use` (it crashed the resolver with a TypeError from posixpath.join)."""
    import json

    (tmp_path / "composer.json").write_text(json.dumps({"autoload": {"psr-4": {"App\\": [None, 3, "src/"]}}}))
    (tmp_path / "src").mkdir()
    (tmp_path / "src/Helper.php").write_text("<?php\nnamespace App;\n\nclass Helper {\n"
                                             "  public static function go() { return 1; }\n}\n")
    (tmp_path / "main.php").write_text("<?php\nuse App\\Helper;\n\nfunction main() {\n  return Helper::go();\n}\n")
    with graphbuddy.open(memory=True) as gb:
        gb.index(tmp_path, project="odd")
        calls = gb.cypher("MATCH (a:Function {project: 'odd'})-[:CALLS]->(b) RETURN a.name AS a, b.name AS b").rows()
    assert {"a": "main", "b": "go"} in calls
