"""CLI: search, search-code, embed with --json, and their one-line errors."""
from __future__ import annotations

import json

import pytest

import graphbuddy
from graphbuddy.cli import main
from graphbuddy.search.documents import Document, upsert_documents


@pytest.fixture
def store(tmp_path, sample_root):
    path = tmp_path / "store"
    with graphbuddy.open(path) as gb:
        gb.index(sample_root, project="sample")
        upsert_documents(gb.analytics, [
            Document(id=f"r{i}", kind="reflection", project="sample", content=t, tags=("tip",))
            for i, t in enumerate(["cache the pricing table", "pricing rounds half up", "unrelated words"])])
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_keyword_search_json_and_paging(store, capsys):
    code, out, _ = run(capsys, "search", "pricing", "--mode", "keyword", "--limit", "1", "--store", store, "--json")
    page = json.loads(out)
    assert code == 0 and page["total"] == 2 and len(page["hits"]) == 1 and page["next_cursor"]
    code, out, _ = run(capsys, "search", "pricing", "--mode", "keyword", "--limit", "1", "--cursor",
                       page["next_cursor"], "--store", store, "--json")
    second = json.loads(out)
    assert second["next_cursor"] is None and second["hits"][0]["id"] != page["hits"][0]["id"]
    code, out, _ = run(capsys, "search", "pricing", "--mode", "keyword", "--summary", "--tag", "tip", "--store", store)
    assert code == 0 and out.startswith("2 matching documents")


@pytest.mark.parametrize("argv, message, exit_code", [
    (["search", "  "], "empty search query", 2),
    (["search", "x", "--project", "nope"], "unknown project(s) nope", 6),
    (["search", "x", "--cursor", "zzz"], "malformed cursor", 2),
    (["search", "x", "--since", "someday"], "cannot read time", 2),
])
def test_bad_input_is_one_line(store, capsys, argv, message, exit_code):
    code, out, err = run(capsys, *argv, "--mode", "keyword", "--store", store)
    assert code == exit_code and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_model_path_is_named(store, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GRAPHBUDDY_MODEL", str(tmp_path / "gone"))
    code, _, err = run(capsys, "search-code", "x", "--store", store)
    assert code == 7 and f"does not exist: {tmp_path / 'gone'}" in err


@pytest.mark.slow
def test_embed_then_semantic_code_search(store, capsys):
    code, out, _ = run(capsys, "embed", "--store", store, "--json")
    report = json.loads(out)
    assert code == 0 and report["embedded"] > 20 and report["model"] == "all-MiniLM-L6-v2"
    code, out, _ = run(capsys, "embed", "--store", store, "--json")
    assert json.loads(out)["embedded"] == 0
    code, out, _ = run(capsys, "search-code", "round money to cents", "--store", store, "--json")
    assert json.loads(out)["hits"][0]["title"] == "shop.core.pricing.round_cents"


def test_explain_is_a_readable_line_not_a_python_dict(store, capsys):
    """`search --explain` printed the explanation's repr: {'matched_by': {...}, 'rrf_k': 60.0, ...}."""
    code, out, _ = run(capsys, "search", "pricing", "--mode", "keyword", "--explain", "--store", store)
    why = [line.strip() for line in out.splitlines() if line.strip().startswith("why:")]
    assert code == 0 and len(why) == 2 and "{" not in out, out
    assert why[0].startswith("why: keyword #1 (bm25 ") and "; age " in why[0] and "; votes 0" in why[0], why[0]
    assert why[0].endswith("; filters: kinds reflection, insight, session"), why[0]


def test_memory_hits_show_the_id_a_vote_or_share_takes(store, capsys):
    """Text hits showed no id: voting for or sharing what a search found needed --json."""
    code, out, _ = run(capsys, "search", "pricing", "--mode", "keyword", "--store", store)
    hits = [line for line in out.splitlines() if line.startswith("0.")]
    assert code == 0 and len(hits) == 2 and all(h.endswith((" id r0", " id r1")) for h in hits), out
