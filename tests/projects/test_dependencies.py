"""Typed dependencies: declared, discovered from manifests (two ecosystems in the fixture), bad input."""
from __future__ import annotations

import pytest

import graphbuddy
from graphbuddy.errors import InvalidArgument, NotFound
from graphbuddy.projects.dependencies import Dependency, dependency_closure
from graphbuddy.projects.manifests import scan

from .conftest import index_all


def pairs(deps, source=None):
    return {(d.project, d.on) for d in deps if source is None or d.source == source}


def test_dependencies_are_discovered_from_python_and_npm_manifests(multi_gb):
    from graphbuddy.projects.dependencies import all_dependencies

    found = pairs(all_dependencies(multi_gb.graph), "manifest")
    assert found == {("auth-service", "common-lib"),          # pyproject [project.dependencies]
                     ("user-service", "auth-service"),        # setup.cfg + requirements.txt (Auth_Service==1.4.0)
                     ("user-service", "common-lib"),          # requirements.txt, -e line skipped
                     ("web-client", "api-types"),             # package.json, scoped name
                     ("legacy-tool", "auth-service")}         # requirements-dev.txt despite a broken pyproject


def test_malformed_manifest_is_counted_and_the_rest_still_read(multi_gb):
    report = multi_gb.discover_dependencies()
    assert [(p, path) for p, path, _ in report.errors] == [("legacy-tool", "pyproject.toml")]
    assert "TOMLDecodeError" in report.errors[0][2]
    assert report.added == () and report.removed == ()        # idempotent: nothing changed since indexing
    assert report.manifests == 7                         # the broken one is not counted as read


def test_manual_dependency_is_typed_and_listed(multi_gb):
    multi_gb.add_dependency("web-client", on="user-service", type="references", description="calls its REST API")
    deps = multi_gb.list_dependencies("web-client")
    assert Dependency("web-client", "user-service", "references", "manual", "calls its REST API") in deps
    assert multi_gb.remove_dependency("web-client", on="user-service") == 1
    assert ("web-client", "user-service") not in pairs(multi_gb.list_dependencies("web-client"))


def test_bad_dependencies_are_refused_and_nothing_is_lost(multi_gb):
    before = multi_gb.list_dependencies("user-service")
    with pytest.raises(NotFound, match="no project named 'nope'"):
        multi_gb.add_dependency("user-service", on="nope")
    with pytest.raises(InvalidArgument, match="cannot depend on itself"):
        multi_gb.add_dependency("user-service", on="user-service")
    with pytest.raises(InvalidArgument, match="unknown dependency type"):
        multi_gb.add_dependency("user-service", on="api-types", type="likes")
    assert multi_gb.list_dependencies("user-service") == before


def test_transitive_dependencies_follow_the_chain_and_survive_cycles(multi_gb):
    multi_gb.add_dependency("common-lib", on="user-service", type="references")      # a cycle
    closure = multi_gb.list_dependencies("user-service", transitive=True)
    got = {e.project: e.distance for e in closure}
    assert got == {"auth-service": 1, "common-lib": 1}
    legacy = {e.project: (e.distance, e.path) for e in multi_gb.list_dependencies("legacy-tool", transitive=True)}
    assert legacy["common-lib"] == (2, (("legacy-tool", "auth-service", "uses"), ("auth-service", "common-lib", "uses")))
    assert legacy["user-service"][0] == 3          # through the cycle edge common-lib -> user-service


def test_closure_directions_and_strongest_parallel_edge():
    edges = [Dependency("a", "b", "references", "manual"), Dependency("a", "b", "uses", "manifest"),
             Dependency("b", "c", "extends", "manual"), Dependency("d", "a", "uses", "manual"),
             Dependency("c", "a", "uses", "manual")]
    c = dependency_closure(edges, "a")
    assert c["b"].direction == "upstream" and c["b"].first_type == "uses"
    assert c["c"].distance == 2 and c["c"].direction == "upstream"       # upstream wins over the cycle back
    assert c["d"].direction == "downstream" and c["d"].path == (("d", "a", "uses"),)
    assert c["a"].direction == "self"


MANIFESTS = {
    "go.mod": "module github.com/acme/billing\n\ngo 1.22\n\nrequire (\n\tgithub.com/acme/auth v1.2.0 // indirect\n)\n"
              "require github.com/x/y v0.1.0\n",
    "Cargo.toml": '[package]\nname = "billing_core"\n[dependencies]\nauth-client = "1"\nrenamed = { package = "acme_util", version = "2" }\n'
                  '[workspace]\nmembers = ["crates/*"]\n',
    "billing.gemspec": 'Gem::Specification.new do |spec|\n  spec.name = "billing"\n  spec.add_dependency "auth-rb", "~> 1"\nend\n',
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\ngem \"auth-rb\"\n",
    "pom.xml": '<project xmlns="http://maven.apache.org/POM/4.0.0"><groupId>com.acme</groupId><artifactId>billing</artifactId>'
               '<dependencies><dependency><groupId>com.acme</groupId><artifactId>auth</artifactId></dependency></dependencies></project>',
    "build.gradle": "group = 'com.acme'\ndependencies {\n  implementation 'com.acme:ledger:1.0'\n}\n",
    "composer.json": '{"name": "Acme/Billing", "require": {"php": ">=8", "acme/auth": "^1"}}',
    "Billing.Api.csproj": '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Acme.Auth" Version="1" />'
                          '<ProjectReference Include="..\\Ledger\\Ledger.csproj" /></ItemGroup></Project>',
    "package.json": '{"name": "billing-ui", "workspaces": ["packages/*"], "peerDependencies": {"react": "18"}}',
    "sub/setup.cfg": "[metadata\nbroken",
}


def test_every_manifest_format_is_read(tmp_path):
    for rel, text in MANIFESTS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    s = scan(tmp_path)
    assert s.provided() == {("go", "github.com/acme/billing"), ("cargo", "billing-core"), ("ruby", "billing"),
                            ("maven", "com.acme:billing"), ("maven", f"com.acme:{tmp_path.name}"),
                            ("composer", "acme/billing"), ("nuget", "billing.api"), ("npm", "billing-ui")}
    assert set(s.required()) >= {("go", "github.com/acme/auth"), ("go", "github.com/x/y"), ("cargo", "auth-client"),
                                 ("cargo", "acme-util"), ("ruby", "auth-rb"), ("ruby", "rails"),
                                 ("maven", "com.acme:auth"), ("maven", "com.acme:ledger"), ("composer", "acme/auth"),
                                 ("nuget", "acme.auth"), ("nuget", "ledger"), ("npm", "react")}
    assert ("composer", "php") not in s.required()
    assert [e[0] for e in s.errors] == ["sub/setup.cfg"]


def test_a_manifest_edit_is_picked_up_by_the_next_index_run(multi_root, multi_gb):
    (multi_root / "legacy-tool" / "requirements-dev.txt").write_text("# nothing any more\n")
    report = multi_gb.index(multi_root / "legacy-tool", project="legacy-tool")
    assert report.mode == "unchanged"                          # no source changed, the manifest did
    # the import of auth_service still links, so the dependency remains, now seen in code only
    assert [(d.on, d.source) for d in multi_gb.list_dependencies("legacy-tool")] == [("auth-service", "code")]


def test_a_manifest_edit_is_seen_by_a_no_change_run_in_a_new_process(multi_root, tmp_path):
    """The cold path checks the project's cached manifest scan from DuckDB alone; a changed manifest still
    leads to the full rediscovery."""
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        index_all(gb, multi_root)
        before = [(d.on, d.source) for d in gb.list_dependencies("legacy-tool")]
    assert ("auth-service", "manifest") in before
    (multi_root / "legacy-tool" / "requirements-dev.txt").write_text("# nothing any more\n")
    with graphbuddy.open(store) as gb:
        assert gb.index(multi_root / "legacy-tool", project="legacy-tool").mode == "unchanged"
        assert [(d.on, d.source) for d in gb.list_dependencies("legacy-tool")] == [("auth-service", "code")]
