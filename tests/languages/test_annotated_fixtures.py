"""Every annotated fixture under tests/fixtures/lang/<language>/ holds: its `expect:` lines against the graph
that the real pipeline builds from it (format: docs/languages.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.languages.annotated import check, index_graph, unpack

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "lang").glob("*/*.txt"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f"{p.parent.name}/{p.stem}" for p in FIXTURES])
def test_annotated_fixture(fixture, tmp_path):
    expects = unpack(fixture, tmp_path)
    assert expects, "a fixture without expectations proves nothing"
    failed = check(expects, index_graph(tmp_path))
    assert not failed, "\n".join(failed)
