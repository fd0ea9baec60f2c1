"""A monorepo indexed as a whole and its sub-packages registered as projects of their own."""
from __future__ import annotations

import json

import graphbuddy

from .conftest import cross_imports


def test_sub_packages_as_projects(tmp_path):
    root = tmp_path / "mono"
    (root / "packages" / "a" / "src").mkdir(parents=True)
    (root / "packages" / "b" / "src").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "mono", "private": True, "workspaces": ["packages/*"]}))
    (root / "packages" / "a" / "package.json").write_text(json.dumps({"name": "@m/a", "dependencies": {"@m/b": "*"}}))
    (root / "packages" / "b" / "package.json").write_text(json.dumps({"name": "@m/b", "main": "src/index.ts"}))
    (root / "packages" / "a" / "src" / "app.ts").write_text(
        'import { helper } from "@m/b";\nexport function run() { return helper(); }\n')
    (root / "packages" / "b" / "src" / "index.ts").write_text("export function helper() { return 1; }\n")
    with graphbuddy.open(memory=True) as gb:
        gb.index(root, project="mono")
        gb.index(root / "packages" / "a", project="a")      # `index PATH --project NAME` on a subfolder
        gb.index(root / "packages" / "b", project="b")
        assert {p["project"] for p in gb.projects()} == {"mono", "a", "b"}
        deps = {(d.project, d.on, d.source) for d in gb.list_dependencies("a")}
        assert deps == {("a", "b", "manifest")}
        assert gb.list_dependencies("mono") == []          # the monorepo does not depend on its own parts
        links = cross_imports(gb)
        assert ("a:src/app.ts", "b:src/index.ts") in links
        assert not any(src.startswith("mono:") for src, _ in links)   # mono holds b's files itself
        calls = gb.cypher("MATCH (x:Function)-[:CALLS]->(y:Function) WHERE x.project = 'a' RETURN y.id AS y").rows()
        assert {"y": "b:src/index.ts:src/index.helper"} in calls
