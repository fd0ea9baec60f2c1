"""Memory edges into the code (ABOUT from reflections and insights, TOUCHED from sessions) are not the
index's to recompute: a re-index that rebuilds files (a delta of many files, `full=True`) must write them
back onto the new nodes, and drop only those whose node is gone."""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
PRICING = "sample:shop/core/pricing.py"


def links(gb) -> set[tuple[str, str, str, str]]:
    rows = []
    for rel, prop in (("ABOUT", "how"), ("TOUCHED", "change")):
        rows += [(r["a"], rel, r["b"], r["v"]) for r in gb.cypher(
            f"MATCH (a)-[e:{rel}]->(b) RETURN a.id AS a, b.id AS b, e.{prop} AS v").rows()]
    return set(rows)


def touch_every_file(root: Path) -> int:
    """Edit every module and add a few: more changed files than a delta patches in place, so all are rebuilt."""
    for i in range(3):
        (root / f"extra_{i}.py").write_text(f"def extra_{i}():\n    return {i}\n")
    files = sorted(root.rglob("*.py"))
    for p in files:
        p.write_text(p.read_text() + "\n# touched\n")
    return len(files)


def test_links_to_code_survive_rebuilding_deltas_and_full_reindexes(gb, repo):
    gb.import_transcript(FIXTURES / "claude_session.jsonl", project="sample")       # TOUCHED + insights ABOUT
    gb.add_reflection("pricing rounds half up; the Entity base class owns ids", project="sample",
                      about=["shop/core/pricing.py", "shop.core.pricing.round_cents", "shop.core.models.Entity"])
    before = links(gb)
    into_code = {x for x in before if x[2].startswith("sample:")}
    assert {f"{PRICING}", f"{PRICING}:shop.core.pricing.round_cents", "sample:shop/core/models.py:shop.core.models.Entity"} \
        <= {x[2] for x in into_code}
    assert any(x[1] == "TOUCHED" for x in into_code)

    assert touch_every_file(repo) > 8                  # more files than a delta patches in place: rebuilt
    report = gb.index(repo, project="sample")
    assert report.mode == "delta" and report.files_parsed > 8
    assert links(gb) == before

    assert gb.index(repo, project="sample", full=True).mode == "full"
    assert links(gb) == before

    # a definition that is gone takes its links with it; the rest stay
    pricing = repo / "shop" / "core" / "pricing.py"
    pricing.write_text(pricing.read_text().replace("def round_cents(", "def round_to_cents("))
    touch_every_file(repo)
    gb.index(repo, project="sample")
    gone = {x for x in before if x[2] == f"{PRICING}:shop.core.pricing.round_cents"}
    assert gone and links(gb) == before - gone
