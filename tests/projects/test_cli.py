"""The cross-project CLI on a real store folder: --json output, one-line errors with exit codes."""
from __future__ import annotations

import json

from graphbuddy.cli import main

from .conftest import ORDER


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_round_trip(tmp_path, multi_root, capsys):
    store = str(tmp_path / "store")
    for name in ORDER:
        assert run(capsys, "index", str(multi_root / name), "--project", name, "--store", store, "--json")[0] == 0
    code, out, _ = run(capsys, "depend", "list", "user-service", "--store", store, "--json")
    assert code == 0 and {d["on"] for d in json.loads(out)} == {"auth-service", "common-lib"}
    code, out, _ = run(capsys, "depend", "discover", "--store", store)
    assert code == 0 and "1 malformed" in out and "legacy-tool/pyproject.toml" in out
    assert run(capsys, "depend", "add", "web-client", "user-service", "--type", "references", "--store", store)[0] == 0
    code, out, _ = run(capsys, "impact", "auth_service.tokens.verify_token", "--store", store, "--json")
    assert code == 0 and "user-service" in json.loads(out)["projects"]
    code, out, _ = run(capsys, "hotspots", "--limit", "3", "--store", store, "--json")
    assert code == 0 and len(json.loads(out)) == 3
    assert run(capsys, "group", "create", "identity", "--description", "auth", "--store", store)[0] == 0
    assert run(capsys, "group", "add", "identity", "auth-service", "--store", store)[0] == 0
    code, out, _ = run(capsys, "group", "list", "--store", store, "--json")
    assert json.loads(out) == [{"name": "identity", "description": "auth", "projects": ["auth-service"]}]
    assert run(capsys, "team", "create", "core", "--store", store)[0] == 0
    assert run(capsys, "team", "add-member", "core", "ana", "--store", store)[0] == 0
    assert run(capsys, "reflect", "verify_token rejects tokens 30 seconds early because of clock skew",
               "--project", "auth-service", "--store", store)[0] == 0
    code, out, _ = run(capsys, "search", "why are tokens rejected early", "--project", "user-service", "--scope",
                       "deps", "--store", store, "--json")
    hits = json.loads(out)
    assert code == 0 and hits[0]["project"] == "auth-service" and "direct dependency" in hits[0]["explanation"]
    code, _, err = run(capsys, "search", "tokens", "--scope", "deps", "--store", store)
    assert code == 2 and "exactly one --project" in err
    code, out, _ = run(capsys, "project", "rename", "legacy-tool", "legacy", "--store", store)
    assert code == 0
    code, out, _ = run(capsys, "project", "remove", "auth-service", "--store", store, "--json")
    assert code == 0 and json.loads(out)["dependents"] == ["legacy", "user-service"]
    code, out, _ = run(capsys, "project", "list", "--store", store, "--json")
    assert {r["project"] for r in json.loads(out)} == {"common-lib", "user-service", "api-types", "web-client", "legacy"}


def test_cli_errors_are_one_line(tmp_path, capsys):
    store = str(tmp_path / "store")
    code, _, err = run(capsys, "depend", "add", "a", "b", "--store", store)
    assert code == 6 and err.count("\n") == 1 and "no project named 'a'" in err
    code, _, err = run(capsys, "team", "share", "nope", "core", "--store", store)
    assert code == 6 and "no reflection or insight" in err
