"""Projects and groups: rename re-keys both stores, remove tells dependents, groups hold members."""
from __future__ import annotations

import pytest

from graphbuddy.errors import InvalidArgument, NotFound

from .conftest import cross_calls, cross_imports, module_imports


def _doc(gb, id_, project, kind="code"):
    gb.analytics.execute("INSERT INTO documents (id, kind, project, content, created_at, votes) "
                         "VALUES (?, ?, ?, 'text', now(), 0)", [id_, kind, project])


def test_rename_rewrites_ids_in_both_stores_and_keeps_every_edge(multi_root, multi_gb):
    gb = multi_gb
    _doc(gb, "sha-of-a-reflection", "auth-service", "reflection")
    gb.add_dependency("auth-service", on="api-types", type="references")
    before_imports = {(a.replace("auth-service:", "auth:"), b.replace("auth-service:", "auth:"))
                      for a, b in cross_imports(gb)}
    before_calls = {(a.replace("auth-service:", "auth:"), b.replace("auth-service:", "auth:"))
                    for a, b in cross_calls(gb)}
    stats = gb.stats("auth-service")[0]
    gb.rename_project("auth-service", new="auth")
    assert cross_imports(gb) == before_imports and cross_calls(gb) == before_calls
    assert {**gb.stats("auth")[0], "project": "auth-service"} == stats
    assert not gb.cypher("MATCH (n) WHERE n.id STARTS WITH 'auth-service:' RETURN n.id").rows()
    assert {(d.on, d.type) for d in gb.list_dependencies("auth")} == {("common-lib", "uses"), ("api-types", "references")}
    assert ("user-service", "auth") in {(d.project, d.on) for d in gb.list_dependencies("user-service")}
    docs = dict(gb.analytics.rows("SELECT id, project FROM documents WHERE project IN ('auth', 'auth-service') "
                                  "ORDER BY id"))          # code symbols (written at index time) and memory
    assert docs["auth:auth_service/tokens.py:auth_service.tokens.verify_token"] == "auth"
    assert docs["sha-of-a-reflection"] == "auth"
    assert set(docs.values()) == {"auth"} and not any(i.startswith("auth-service:") for i in docs)
    assert gb.analytics.rows("SELECT count(*) FROM index_files WHERE project = 'auth-service'")[0][0] == 0
    # the renamed project re-indexes by delta (its state moved with it), from the same folder
    report = gb.index(multi_root / "auth-service", project="auth")
    assert report.mode == "unchanged"
    assert cross_imports(gb) == before_imports


def test_rename_moves_code_documents_to_the_new_file_ids(tmp_path):
    """A code document names its file in attrs: a rename rewrites it too, and a later re-index of many
    files (documents matched by that file id) replaces them instead of inserting duplicates."""
    import json

    import graphbuddy

    src = tmp_path / "src"
    src.mkdir()
    for i in range(70):            # a delta of more than 64 files finds its old documents by attrs.file
        (src / f"m{i}.py").write_text(f"def f{i}():\n    return {i}\n")
    with graphbuddy.open(memory=True) as gb:
        gb.index(src, project='we"ird')
        gb.rename_project('we"ird', new="fine")
        files = {json.loads(a)["file"] for (a,) in gb.analytics.rows(
            "SELECT attrs FROM documents WHERE kind = 'code' AND project = 'fine'")}
        assert files == {f"fine:m{i}.py" for i in range(70)}
        for p in src.glob("*.py"):
            p.write_text(p.read_text() + "\n\ndef g():\n    return 0\n")
        report = gb.index(src, project="fine")
        assert report.mode == "delta" and report.files_parsed == 70
        rows = gb.analytics.rows("SELECT id, attrs FROM documents WHERE kind = 'code' AND project = 'fine'")
        assert len(rows) == 140 and len({i for i, _ in rows}) == 140
        assert {json.loads(a)["file"] for _, a in rows} == files


def test_rename_refuses_bad_names_and_clashes(multi_gb):
    with pytest.raises(InvalidArgument, match="already exists"):
        multi_gb.rename_project("auth-service", new="common-lib")
    with pytest.raises(InvalidArgument, match="invalid project name"):
        multi_gb.rename_project("auth-service", new="a:b")
    with pytest.raises(NotFound):
        multi_gb.rename_project("ghost", new="spirit")
    assert "auth-service" in {p["project"] for p in multi_gb.projects()}


def test_remove_project_tells_dependents_and_unlinks_importers(multi_gb):
    gb = multi_gb
    _doc(gb, "auth-service:x", "auth-service")
    _doc(gb, "user-service:y", "user-service")
    count = "SELECT count(*) FROM documents WHERE project = ?"
    auth_docs, user_docs = (gb.analytics.rows(count, [p])[0][0] for p in ("auth-service", "user-service"))
    gb.analytics.execute("UPDATE documents SET content_hash = sha256(content)")
    gb.analytics.execute("INSERT INTO embeddings SELECT DISTINCT content_hash, 'm', [1.0, 0.0], now() FROM documents "
                         "WHERE project IN ('auth-service', 'user-service')")
    vectors = "SELECT count(*) FROM embeddings WHERE content_hash IN (SELECT content_hash FROM documents WHERE project = ?)"
    user_vectors = gb.analytics.rows(vectors, ["user-service"])[0][0]
    total_vectors = gb.analytics.rows("SELECT count(*) FROM embeddings")[0][0]
    removed = gb.remove_project("auth-service")
    assert removed.dependents == ("legacy-tool", "user-service")
    assert removed.files == 2 and removed.documents == auth_docs > 1       # code symbols + the extra row
    assert "auth-service" not in {p["project"] for p in gb.projects()}
    assert not gb.cypher("MATCH (n) WHERE n.id STARTS WITH 'auth-service:' RETURN n.id").rows()
    assert "python:auth_service.tokens" in module_imports(gb, "user-service")     # importers fall back
    assert not any("auth-service" in b for _, b in cross_calls(gb))
    assert all(d.on != "auth-service" for d in gb.list_dependencies("user-service"))
    assert gb.analytics.rows("SELECT count(*) FROM index_files WHERE project = 'auth-service'")[0][0] == 0
    assert gb.analytics.rows(count, ["auth-service"])[0][0] == 0
    assert gb.analytics.rows(count, ["user-service"])[0][0] == user_docs      # other projects' rows untouched
    assert gb.analytics.rows(vectors, ["user-service"])[0][0] == user_vectors > 0  # their vectors stay
    assert 0 < gb.analytics.rows("SELECT count(*) FROM embeddings")[0][0] < total_vectors  # its own are gone
    assert not gb.analytics.rows("SELECT count(*) FROM embeddings e WHERE NOT EXISTS "
                                 "(SELECT 1 FROM documents d WHERE d.content_hash = e.content_hash)")[0][0]
    with pytest.raises(NotFound):
        gb.remove_project("auth-service")


def test_groups(multi_gb):
    gb = multi_gb
    gb.create_group("identity", description="login and users")
    gb.add_to_group("auth-service", group="identity")
    gb.add_to_group("user-service", group="identity")
    gb.add_to_group("user-service", group="identity")          # idempotent
    [g] = gb.list_groups()
    assert (g.name, g.description, g.projects) == ("identity", "login and users", ("auth-service", "user-service"))
    assert gb.remove_from_group("auth-service", group="identity")
    assert gb.list_groups()[0].projects == ("user-service",)
    with pytest.raises(InvalidArgument, match="already exists"):
        gb.create_group("identity")
    with pytest.raises(NotFound, match="no group"):
        gb.add_to_group("user-service", group="nope")
    with pytest.raises(NotFound, match="no project"):
        gb.add_to_group("nope", group="identity")


def test_links_into_a_renamed_project_still_follow_its_deltas(multi_root, multi_gb):
    multi_gb.rename_project("auth-service", new="auth")
    pkg = multi_root / "auth-service" / "auth_service"
    (pkg / "tokens.py").rename(pkg / "session_tokens.py")
    (pkg / "__init__.py").write_text("from .session_tokens import verify_token\n")
    multi_gb.index(multi_root / "auth-service", project="auth")
    assert ("user-service:user_service/api.py", "auth:auth_service/tokens.py") not in cross_imports(multi_gb)
    assert "python:auth_service.tokens" in module_imports(multi_gb, "user-service")


def test_remove_and_rename_touch_only_that_projects_meta_keys(tmp_path):
    """Per-project bookkeeping lives under `<kind>:<project>` keys: a project name with SQL wildcards
    (`a_b`) or one that ends another key (`v3` vs `search:fts_fingerprint:v3`) must not reach other keys."""
    import graphbuddy

    def keys(gb):
        return {k for (k,) in gb.analytics.rows("SELECT key FROM meta")}

    with graphbuddy.open(memory=True) as gb:
        for name in ("a_b", "axb", "v3", "analytics_layout"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "m.py").write_text("def f():\n    return 1\n")
            gb.index(tmp_path / name, project=name)
        gb.analytics.execute("INSERT OR REPLACE INTO meta VALUES ('search:fts_fingerprint:v3', 'fp')")
        before = keys(gb)
        assert {"root:axb", "root:a_b", "root:v3"} <= before
        gb.remove_project("a_b")
        assert keys(gb) == {k for k in before if not k.endswith(":a_b")}
        gb.rename_project("v3", new="v4")
        after = keys(gb)
        assert "search:fts_fingerprint:v3" in after and "root:v4" in after and "root:v3" not in after
        assert {k for k in after if k.endswith(":axb")} == {k for k in before if k.endswith(":axb")}
        assert gb.index(tmp_path / "axb", project="axb").mode == "unchanged"
        gb.remove_project("analytics_layout")           # a name equal to a key without a kind
        assert "analytics_layout" in keys(gb)


def test_project_names_with_control_characters_are_refused(tmp_path):
    """A NUL cut the SQL text of the no-change check (`root:<name>` inlined as a literal): a project renamed
    to such a name could never be indexed again. Control characters are refused like ':' and '/'."""
    import graphbuddy

    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    with graphbuddy.open(memory=True) as gb:
        for bad in ("a\x00b", "tab\there", "new\nline", ".", ".."):     # dots: the store keeps handoffs/<name>/
            with pytest.raises(InvalidArgument, match="invalid project name"):
                gb.index(tmp_path, project=bad)
        gb.index(tmp_path, project="ok")
        with pytest.raises(InvalidArgument, match="invalid project name"):
            gb.rename_project("ok", new="o\x00k")
        assert [p["project"] for p in gb.projects()] == ["ok"]
        assert gb.index(tmp_path, project="ok").mode == "unchanged"


def test_groups_without_members_are_listed_empty(multi_gb):
    """A group just created, or whose last member was removed from it or removed as a project: Kùzu's
    collect() over no match is NULL, and list_groups raised TypeError (CLI `group list`: internal error)."""
    gb = multi_gb
    gb.create_group("empty")
    gb.create_group("one", description="d")
    gb.add_to_group("legacy-tool", group="one")
    gb.remove_project("legacy-tool")
    assert [(g.name, g.projects) for g in gb.list_groups()] == [("empty", ()), ("one", ())]
    assert [r["projects"] for r in gb.query("projects.groups").rows()] == [[], []]


def test_teams_without_members_are_listed_empty():
    import graphbuddy

    with graphbuddy.open(memory=True) as gb:
        gb.create_team("solo")
        assert [(t.name, t.members) for t in gb.list_teams()] == [("solo", ())]


def test_rename_rewrites_what_memory_documents_are_about(multi_gb):
    """A reflection's `documents` row lists the nodes it is about (attrs.about, shown on search hits): after a
    rename they named the old project's ids, which no longer exist."""
    import json

    gb = multi_gb
    r = gb.add_reflection("verify_token in auth_service/tokens.py must check expiry", project="auth-service")
    assert "auth-service:auth_service/tokens.py" in r.about

    def about():
        [(attrs,)] = gb.analytics.rows("SELECT attrs FROM documents WHERE id = ?", [r.id])
        return json.loads(attrs)["about"]

    before = about()
    gb.rename_project("auth-service", new="auth")
    assert about() == sorted(a.replace("auth-service:", "auth:", 1) for a in before)
    assert "auth:auth_service/tokens.py" in about()
    [hit] = gb.search("verify_token expiry", kinds=["reflection"], mode="keyword").hits
    assert hit.attrs["about"] == about()


def test_rename_onto_a_name_with_leftover_history_merges_it(tmp_path):
    """git history can be ingested under a name no project has. Renaming a project onto it failed in DuckDB
    (duplicate commits and meta keys) after the graph had been re-keyed: the graph said `q`, DuckDB `p`."""
    import subprocess

    import graphbuddy

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "m.py").write_text("def f():\n    return 1\n")
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(repo, project="p")
        gb.ingest_git(repo, project="p")
        gb.ingest_git(repo, project="q")
        gb.rename_project("p", new="q")
        assert [p["project"] for p in gb.projects()] == ["q"]
        assert gb.analytics.rows("SELECT project, count(*) FROM commits GROUP BY 1") == [("q", 1)]
        assert gb.analytics.rows("SELECT DISTINCT project FROM index_files") == [("q",)]
        assert not gb.analytics.rows("SELECT key FROM meta WHERE key LIKE '%:p'")
        assert gb.index(repo, project="q").mode == "unchanged"
