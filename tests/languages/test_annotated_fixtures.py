"""Every annotated fixture in tests/fixtures/lang/<language>/<case>.txt, indexed with the real pipeline into an
in-memory store; each `expect:` comment must hold (format: graphbuddy/languages/annotated.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from graphbuddy.languages import supported_languages
from graphbuddy.languages.annotated import index_packed, parse_packed

LANG_FIXTURES = Path(__file__).parent.parent / "fixtures" / "lang"
CASES = sorted(LANG_FIXTURES.glob("*/*.txt"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_annotated_fixture(case: Path, tmp_path):
    language = case.parent.name
    assert language in supported_languages(), f"fixture folder {language!r} is not a registered language"
    packed = parse_packed(case.read_text(encoding="utf-8"), language=language)
    assert packed.expectations, "a fixture without expectations tests nothing"
    from graphbuddy.languages.annotated import check

    gb, facts = index_packed(packed, tmp_path / "src")
    try:
        failed = check(packed.expectations, facts)
    finally:
        gb.close()
    assert not failed, "\n".join(failed)


def test_packed_format_splits_files_and_reads_expectations():
    text = ("# --- path: pkg/a.py ---\n"
            "def f(): pass  # expect: def function pkg.a.f\n"
            "// --- path: b.py ---\n"
            "# expect: call b -> pkg.a.f\n"
            "/* expect: inherits b.C -> pkg.a.B implements */\n")
    packed = parse_packed(text, language="python")
    assert list(packed.files) == ["pkg/a.py", "b.py"]
    assert [str(e) for e in packed.expectations] == [
        "def function pkg.a.f", "call b -> pkg.a.f", "inherits b.C -> pkg.a.B [implements]"]
    single = parse_packed("x = 1\n# expect: def module main\n", language="python")
    assert list(single.files) == ["main.py"]
    with pytest.raises(ValueError):
        parse_packed("# expect: call a b\n", language="python")
