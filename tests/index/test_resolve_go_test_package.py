"""Go external test packages (`package x_test` beside `package x` in one directory) are another package: their
functions are not the package's, though both carry the directory as qualified-name prefix (real tree-sitter,
real Kùzu). Found on golang.org/x/tools: go/ast/inspector's traverse() called typeOf() of inspector_test.go
(package inspector_test, first in path order) instead of its own typeof.go's."""
from __future__ import annotations

from graphbuddy.languages.annotated import index_packed, parse_packed

PROGRAM = """\
// --- path: go.mod ---
module example.com/app
// --- path: inspector/inspector.go ---
package inspector

func traverse(n int) uint64 {
	return typeOf(n)
}
// --- path: inspector/inspector_test.go ---
package inspector_test

import "example.com/app/inspector"

func typeOf(n int) string { return "" }

func TestTraverse() {
	typeOf(1)
	inspector.Exported()
}
// --- path: inspector/dot_test.go ---
package inspector_test

import . "example.com/app/inspector"

func TestDot() {
	Exported()
}
// --- path: inspector/typeof.go ---
package inspector

func typeOf(n int) uint64 { return 0 }

func Exported() {}
// --- path: main.go ---
package main

import "example.com/app/inspector"

func main() {
	inspector.Exported()
}
"""


def test_external_test_package_is_its_own_namespace(tmp_path):
    gb, _ = index_packed(parse_packed(PROGRAM, language="go"), tmp_path / "src", project="p")
    try:
        rows = gb.cypher("MATCH (a:Function)-[:CALLS]->(b:Function) WHERE a.project = 'p' "
                         "RETURN a.id AS a, b.id AS b").rows()
    finally:
        gb.close()
    edges = {(r["a"], r["b"]) for r in rows}
    traverse = "p:inspector/inspector.go:inspector.traverse"
    test = "p:inspector/inspector_test.go:inspector.TestTraverse"
    assert (traverse, "p:inspector/typeof.go:inspector.typeOf") in edges
    assert (traverse, "p:inspector/inspector_test.go:inspector.typeOf") not in edges
    assert (test, "p:inspector/inspector_test.go:inspector.typeOf") in edges      # its own package's
    assert (test, "p:inspector/typeof.go:inspector.Exported") in edges            # through the import
    assert ("p:main.go:main.main", "p:inspector/typeof.go:inspector.Exported") in edges
    assert ("p:inspector/dot_test.go:inspector.TestDot", "p:inspector/typeof.go:inspector.Exported") in edges
