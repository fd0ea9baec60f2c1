"""Shared fixtures: the sample multi-language project, indexed once per session into an in-memory store."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import graphbuddy

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Path:
    """A private copy of tests/fixtures/sample (outside any git work tree)."""
    dst = tmp_path_factory.mktemp("sample") / "sample"
    shutil.copytree(FIXTURES / "sample", dst)
    return dst


@pytest.fixture(scope="session")
def sample_gb(sample_root):
    """The sample indexed once; tests must only read from it."""
    gb = graphbuddy.open(memory=True)
    gb.index(sample_root, project="sample")
    yield gb
    gb.close()


@pytest.fixture
def project_copy(tmp_path) -> Path:
    dst = tmp_path / "sample"
    shutil.copytree(FIXTURES / "sample", dst)
    return dst


def call_edges(gb, project: str = "sample") -> set[tuple[str, str, str]]:
    rows = gb.cypher("MATCH (a:Function {project: $p})-[c:CALLS]->(b:Function) "
                     "RETURN a.qualified_name AS a, b.qualified_name AS b, c.reason AS reason", p=project).rows()
    return {(r["a"], r["b"], r["reason"]) for r in rows}


def graph_dump(gb, project: str) -> dict:
    """Everything a project contributes to the graph, minus timestamps: equal dumps = equal graphs."""
    def rows(q):
        return sorted(tuple(sorted(r.items())) for r in gb.cypher(q, p=project).rows())

    return {
        "files": rows("MATCH (f:File {project: $p}) RETURN f.id, f.path, f.language, f.module, f.hash, f.size, "
                      "f.lines, f.syntax_errors"),
        "functions": rows("MATCH (f:Function {project: $p}) RETURN f.id, f.file, f.name, f.qualified_name, f.kind, "
                          "f.signature, f.docstring, f.start_line, f.end_line, f.exported"),
        "classes": rows("MATCH (c:Class {project: $p}) RETURN c.id, c.file, c.name, c.qualified_name, c.kind, "
                        "c.start_line, c.end_line, c.docstring"),
        "contains": rows("MATCH (p:Project {id: $p})-[:CONTAINS]->(f:File) RETURN f.id"),
        "defines": rows("MATCH (f:File {project: $p})-[:DEFINES]->(d) RETURN f.id, d.id"),
        "methods": rows("MATCH (c:Class {project: $p})-[:HAS_METHOD]->(m) RETURN c.id, m.id"),
        "calls": rows("MATCH (a:Function {project: $p})-[c:CALLS]->(b) RETURN a.id, b.id, c.line, c.confidence, "
                      "c.reason"),
        "imports": rows("MATCH (a:File {project: $p})-[i:IMPORTS]->(b) RETURN a.id, b.id, i.line, i.name"),
        "inherits": rows("MATCH (a:Class {project: $p})-[i:INHERITS]->(b) RETURN a.id, b.id, i.kind"),
        "modules": rows("MATCH (:File {project: $p})-[:IMPORTS]->(m:Module) RETURN DISTINCT m.id, m.name, m.language"),
        # a Module node nothing imports any more (a full index never leaves one); store-wide, $p unused
        "orphan_modules": rows("MATCH (m:Module) WHERE $p IS NOT NULL AND NOT EXISTS { MATCH (:File)-[:IMPORTS]->(m) } "
                               "RETURN m.id"),
    }
