"""Cross-project IMPORTS/CALLS: linked instead of external modules, kept right by deltas on either side."""
from __future__ import annotations

import graphbuddy

from .conftest import ORDER, cross_calls, cross_imports, index_all, module_imports

US = "user-service:user_service/api.py"
TOKENS = "auth-service:auth_service/tokens.py"


def test_imports_of_indexed_packages_link_to_their_files(multi_gb):
    links = cross_imports(multi_gb)
    assert {(US, TOKENS), (US, "auth-service:auth_service/__init__.py"),
            (US, "common-lib:src/common_lib/log.py"),                          # src layout, `import x.y as z`
            ("auth-service:auth_service/tokens.py", "common-lib:src/common_lib/log.py"),
            ("legacy-tool:legacy/report.py", TOKENS),                          # `from pkg import submodule`
            ("web-client:src/app.ts", "api-types:src/index.ts"),               # package.json types -> src
            ("web-client:src/app.ts", "api-types:src/dates.ts")} <= links      # subpath import
    # what is linked is no longer an external module; what is not stays one
    assert module_imports(multi_gb, "user-service") == set()
    assert module_imports(multi_gb, "web-client") == {"js:react"}
    assert module_imports(multi_gb, "auth-service") == {"python:time"}


def test_calls_through_linked_imports_bind_to_the_other_projects_functions(multi_gb):
    calls = cross_calls(multi_gb)
    assert (f"{US}:user_service.api.current_user", f"{TOKENS}:auth_service.tokens.verify_token") in calls
    assert (f"{US}:user_service.api.current_user", f"{TOKENS}:auth_service.tokens.TokenStore.__init__") in calls
    assert (f"{US}:user_service.api.profile", f"{TOKENS}:auth_service.tokens.verify_token") in calls  # via __init__
    assert (f"{US}:user_service.api", "common-lib:src/common_lib/log.py:src.common_lib.log.get_logger") in calls
    assert ("legacy-tool:legacy/report.py:legacy.report.audit", f"{TOKENS}:auth_service.tokens.verify_token") in calls
    # typed receivers: `store = TokenStore(); store.is_revoked()` and `TokenStore().is_revoked()`
    assert (f"{US}:user_service.api.is_blocked", f"{TOKENS}:auth_service.tokens.TokenStore.is_revoked") in calls
    assert ("web-client:src/app.ts:src/app.loadUser", "api-types:src/index.ts:src/index.emptyUser") in calls  # default
    assert ("web-client:src/app.ts:src/app.loadUser", "api-types:src/dates.ts:src/dates.formatDate") in calls
    reasons = {r["r"] for r in multi_gb.cypher("MATCH (a:Function)-[c:CALLS]->(b:Function) WHERE a.project <> b.project "
                                               "RETURN DISTINCT c.reason AS r").rows()}
    assert reasons == {"cross_project"}


def test_order_of_indexing_does_not_matter(multi_root, multi_gb):
    with graphbuddy.open(memory=True) as other:
        index_all(other, multi_root, order=tuple(reversed(ORDER)))      # importers first, providers later
        assert cross_imports(other) == cross_imports(multi_gb)
        assert cross_calls(other) == cross_calls(multi_gb)


def test_provider_delta_moves_and_restores_links(multi_root, multi_gb):
    pkg = multi_root / "auth-service" / "auth_service"
    (pkg / "tokens.py").rename(pkg / "session_tokens.py")
    (pkg / "__init__.py").write_text("from .session_tokens import verify_token\n")
    multi_gb.index(multi_root / "auth-service", project="auth-service")
    links = cross_imports(multi_gb)
    assert (US, TOKENS) not in links
    assert "python:auth_service.tokens" in module_imports(multi_gb, "user-service")   # back to an external module
    calls = cross_calls(multi_gb)
    assert (f"{US}:user_service.api.profile",
            "auth-service:auth_service/session_tokens.py:auth_service.session_tokens.verify_token") in calls
    assert not any(b.startswith(TOKENS) for _, b in calls)
    # and back: the module reappears, the link comes back, the Module edge goes away
    (pkg / "session_tokens.py").rename(pkg / "tokens.py")
    (pkg / "__init__.py").write_text("from .tokens import verify_token\n")
    multi_gb.index(multi_root / "auth-service", project="auth-service")
    assert (US, TOKENS) in cross_imports(multi_gb)
    assert module_imports(multi_gb, "user-service") == set()


def test_delta_on_both_sides_equals_a_fresh_index(multi_root, multi_gb):
    api = multi_root / "user-service" / "user_service" / "api.py"
    api.write_text(api.read_text() + "\n\ndef revoke(token):\n    return TokenStore().is_revoked(token)\n")
    multi_gb.index(multi_root / "user-service", project="user-service")
    (multi_root / "auth-service" / "auth_service" / "tokens.py").write_text(
        "def verify_token(token, store=None):\n    return token\n")
    multi_gb.index(multi_root / "auth-service", project="auth-service")
    with graphbuddy.open(memory=True) as fresh:
        index_all(fresh, multi_root)
        assert cross_imports(multi_gb) == cross_imports(fresh)
        assert cross_calls(multi_gb) == cross_calls(fresh)
        for p in ORDER:
            assert module_imports(multi_gb, p) == module_imports(fresh, p)


def test_a_dependency_seen_only_in_code_is_recorded_with_source_code(multi_root):
    with graphbuddy.open(memory=True) as gb:
        (multi_root / "legacy-tool" / "requirements-dev.txt").write_text("")
        (multi_root / "legacy-tool" / "pyproject.toml").write_text("")
        index_all(gb, multi_root)
        deps = [(d.on, d.source) for d in gb.list_dependencies("legacy-tool")]
        assert deps == [("auth-service", "code")]


def _provider_and_consumer(tmp_path) -> None:
    """prov: a package (zlib_x) that no distribution name publishes; cons: a module calling into it."""
    (tmp_path / "prov" / "zlib_x").mkdir(parents=True)
    (tmp_path / "prov" / "pyproject.toml").write_text('[project]\nname = "prov-dist"\n')
    (tmp_path / "prov" / "zlib_x" / "__init__.py").write_text("")
    (tmp_path / "prov" / "zlib_x" / "core.py").write_text("def f():\n    return 1\n")
    (tmp_path / "cons" / "app").mkdir(parents=True)
    (tmp_path / "cons" / "app" / "main.py").write_text("from zlib_x.core import f\n\ndef run():\n    return f()\n")


def test_declaring_or_removing_a_dependency_relinks_imports_of_its_top_level_packages(tmp_path):
    """A Python import of a package no distribution name publishes links to a project the importer declares
    a dependency on: declaring (or removing) that dependency must relink at once. Before, nothing changed
    until the importer's files changed (an index of unchanged files relinks nothing)."""
    _provider_and_consumer(tmp_path)
    with graphbuddy.open(memory=True) as gb:
        gb.index(tmp_path / "prov", project="prov")
        gb.index(tmp_path / "cons", project="cons")
        assert not cross_imports(gb) and module_imports(gb, "cons") == {"python:zlib_x.core"}
        gb.add_dependency("cons", on="prov")
        assert cross_imports(gb) == {("cons:app/main.py", "prov:zlib_x/core.py")}
        assert cross_calls(gb) == {("cons:app/main.py:app.main.run", "prov:zlib_x/core.py:zlib_x.core.f")}
        gb.remove_dependency("cons", on="prov")
        assert not cross_imports(gb) and not cross_calls(gb)
        assert module_imports(gb, "cons") == {"python:zlib_x.core"}
        assert gb.list_dependencies("cons") == []


def test_find_related_code_sees_links_made_without_an_index_run(tmp_path):
    """find_related_code caches edges until a project's index stamp changes; declaring, removing or
    discovering a dependency relinks without an index run, and the cache must not keep the old edges."""
    _provider_and_consumer(tmp_path)
    callee = "prov:zlib_x/core.py:zlib_x.core.f"
    with graphbuddy.open(memory=True) as gb:
        gb.index(tmp_path / "prov", project="prov")
        gb.index(tmp_path / "cons", project="cons")

        def callees():
            return {h.id for h in gb.find_related_code("app.main.run", relations=["calls"])[1]}

        assert callees() == set()
        gb.add_dependency("cons", on="prov")
        assert callees() == {callee}
        gb.remove_dependency("cons", on="prov")
        assert callees() == set() and callees() == set()     # the first walk after a change loads no cache
        (tmp_path / "cons" / "pyproject.toml").write_text('[project]\nname = "cons"\ndependencies = ["prov-dist"]\n')
        gb.discover_dependencies()
        assert callees() == {callee}
