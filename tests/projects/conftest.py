"""The multi-project fixture: small services depending on each other through their manifests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import graphbuddy

MULTI = Path(__file__).resolve().parent.parent / "fixtures" / "multi"
ORDER = ("common-lib", "auth-service", "user-service", "api-types", "web-client", "legacy-tool")


@pytest.fixture
def multi_root(tmp_path) -> Path:
    dst = tmp_path / "multi"
    shutil.copytree(MULTI, dst)
    return dst


def index_all(gb, root: Path, order=ORDER) -> None:
    for name in order:
        gb.index(root / name, project=name)


@pytest.fixture
def multi_gb(multi_root):
    gb = graphbuddy.open(memory=True)
    index_all(gb, multi_root)
    yield gb
    gb.close()


def cross_imports(gb) -> set[tuple[str, str]]:
    rows = gb.cypher("MATCH (a:File)-[:IMPORTS]->(b:File) WHERE a.project <> b.project RETURN a.id AS a, b.id AS b").rows()
    return {(r["a"], r["b"]) for r in rows}


def cross_calls(gb) -> set[tuple[str, str]]:
    rows = gb.cypher("MATCH (a:Function)-[:CALLS]->(b:Function) WHERE a.project <> b.project "
                     "RETURN a.id AS a, b.id AS b").rows()
    return {(r["a"], r["b"]) for r in rows}


def module_imports(gb, project: str) -> set[str]:
    rows = gb.cypher("MATCH (a:File {project: $p})-[:IMPORTS]->(m:Module) RETURN m.id AS m", p=project).rows()
    return {r["m"] for r in rows}
