"""Fuzz every registered language adapter: random bytes and random truncations/splices of real source files.

Extraction must never raise; broken input yields a partial tree (counted in `syntax_errors`) and facts that
still make sense. A pipeline run over the mangled files must index them all without error.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.languages import EXTENSIONS, adapter_for, supported_languages
from graphbuddy.languages.annotated import default_extension, parse_packed

ROOT = Path(__file__).resolve().parent.parent.parent
LANGUAGES = supported_languages()


def real_sources(language: str) -> list[bytes]:
    """Source files of `language` from the annotated fixtures, the accuracy suite and the sample project."""
    out = []
    for folder in (ROOT / "tests" / "fixtures" / "lang" / language, ROOT / "bench" / "accuracy" / language):
        for case in sorted(folder.glob("*.txt")):
            packed = parse_packed(case.read_text(encoding="utf-8"), language=language)
            out.extend(text.encode() for path, text in packed.files.items()
                       if EXTENSIONS.get(Path(path).suffix) == language)
    exts = {e for e, lang in EXTENSIONS.items() if lang == language}
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*")):
        if path.suffix in exts and path.is_file():
            out.append(path.read_bytes())
    return out


def mangled(language: str, rng: random.Random, n: int) -> list[bytes]:
    samples = [rng.randbytes(rng.randint(0, 400)) for _ in range(n)]
    samples.append(b"(" * 3000 + b"{" * 3000)                 # deep nesting
    samples.append(b"\xff\xfe" + "é€😀".encode("utf-16-le") * 50)   # another encoding
    sources = real_sources(language)
    for _ in range(n if sources else 0):
        src = rng.choice(sources)
        cut = rng.randint(0, len(src))
        kind = rng.randrange(3)
        if kind == 0:
            samples.append(src[:cut])                            # truncated
        elif kind == 1:
            other = rng.choice(sources)
            samples.append(src[:cut] + other[rng.randint(0, len(other)):])   # spliced
        else:
            junk = bytes(rng.choice(b"{}()[];:.,<>\"'`#/\\*\n\t ") for _ in range(rng.randint(1, 30)))
            samples.append(src[:cut] + junk + src[cut:])        # noise inserted
    return samples


@pytest.mark.parametrize("language", LANGUAGES)
def test_adapter_never_crashes_on_mangled_input(language):
    rng = random.Random(f"fuzz-{language}")
    adapter = adapter_for(language)
    partial = 0
    samples = mangled(language, rng, 40)
    for i, data in enumerate(samples):
        facts = adapter.extract(data, path=f"fuzz/f{i}{default_extension(language)}", hash="h")
        assert facts.definitions and facts.definitions[0].kind == "module"
        assert facts.lines >= 0 and facts.size == len(data)
        for d in facts.definitions:
            assert 1 <= d.start_line <= d.end_line or d.kind == "module"
        for c in facts.calls:
            assert c.name and c.caller
        partial += facts.syntax_errors > 0
    assert partial > 0, "random bytes should give at least one partial tree"
    print(f"{language}: {len(samples)} mangled inputs, {partial} partial trees")


@pytest.mark.slow
def test_pipeline_indexes_mangled_files_of_every_language(tmp_path):
    rng = random.Random("fuzz-pipeline")
    root = tmp_path / "mangled"
    expected = 0
    for language in LANGUAGES:
        ext = default_extension(language)
        for i, data in enumerate(mangled(language, rng, 6)):
            if b"\0" in data[:8192]:
                continue                                         # screened as binary: a counted skip
            out = root / language / f"f{i}{ext}"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            expected += 1
    with graphbuddy.open(memory=True) as gb:
        report = gb.index(root, project="fuzz")
        rows = gb.cypher("MATCH (f:File {project: 'fuzz'}) RETURN count(f) AS n").rows()
    assert rows[0]["n"] > 0
    assert rows[0]["n"] + sum(report.skipped.values()) == expected      # every file indexed or a counted skip
