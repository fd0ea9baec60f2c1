"""The snapshot and BM25 postings follow writes incrementally: after any sequence of inserts, updates and
deletes, search answers exactly what a freshly loaded snapshot over a freshly built fts index answers."""
from __future__ import annotations

import random

import pytest

from graphbuddy.search import snapshot as snapshot_module
from graphbuddy.search.documents import Document, upsert_documents
from graphbuddy.search.engine import Searcher

from .conftest import add_docs

WORDS = ("cache token writer index vector kuzu duckdb retry lock queue parser config session deploy "
         "timeout schema sidebar payment second first new old value twice").split()
QUERIES = ("cache token", "second writer", "retry the payment after timeout", "index vector duckdb",
           "old value twice", "lock queue session")


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))


def _answers(searcher: Searcher, mode: str) -> list:
    out = []
    for q in QUERIES:
        page = searcher.search(q, mode=mode, limit=20, kinds=["reflection", "insight", "code"])
        out.append((page.total, [(h.id, round(h.scores["rrf"], 9), h.scores["keyword"] and round(h.scores["keyword"], 4))
                                 for h in page.hits]))          # rrf and bm25: the score without the clock
    return out


def _edit(gb, rng: random.Random, step: int, ids: list[str]) -> None:
    action = rng.random()
    if action < 0.5 or len(ids) < 5:
        doc_id = f"n{step}"
        ids.append(doc_id)
        kind = rng.choice(["reflection", "insight", "code"])
        upsert_documents(gb.analytics, [Document(id=doc_id, kind=kind, content=_text(rng), project="p")])
    elif action < 0.75:
        doc_id = rng.choice(ids)
        upsert_documents(gb.analytics, [Document(id=doc_id, kind="reflection", content=_text(rng), project="p",
                                                 title=rng.choice([None, "cache notes"]))])
    elif action < 0.9:
        doc_id = ids.pop(rng.randrange(len(ids)))
        gb.analytics.execute("DELETE FROM documents WHERE id = ?", [doc_id])
    else:
        gb.analytics.execute("UPDATE documents SET votes = votes + 1 WHERE id = ?", [rng.choice(ids)])


@pytest.mark.parametrize("compact_min", [4096, 3])        # the second compacts every few writes
def test_incremental_snapshot_equals_a_fresh_one(gb, fake, monkeypatch, compact_min):
    monkeypatch.setattr(snapshot_module, "COMPACT_MIN", compact_min)
    rng = random.Random(compact_min)
    ids = [f"d{i}" for i in range(30)]
    upsert_documents(gb.analytics, [Document(id=i, kind=rng.choice(["reflection", "code"]), content=_text(rng),
                                             project="p") for i in ids])
    engine = gb._search_engine()
    engine.search("warm up", kinds=["reflection", "insight", "code"])       # loads snapshot + keyword index
    first = engine.snapshot()
    assert first.keyword is not None and int(first.alive.sum()) == 30
    loads = []
    real_load = snapshot_module.Snapshot.load.__func__
    monkeypatch.setattr(snapshot_module.Snapshot, "load",
                        classmethod(lambda cls, *a: loads.append(a) or real_load(cls, *a)))
    for step in range(40):
        _edit(gb, rng, step, ids)
        if step % 4 == 3:
            mine = {mode: _answers(engine, mode) for mode in ("hybrid", "keyword")}
            loads_before = len(loads)
            fresh = Searcher(gb.analytics, fake)                          # full load, fts index rebuilt
            assert {mode: _answers(fresh, mode) for mode in ("hybrid", "keyword")} == mine, step
            del loads[loads_before:]
    assert loads == []                 # never reloaded: every write was applied to the snapshot
    snap = engine.snapshot()
    assert int(snap.alive.sum()) == len(ids)
    if compact_min == 3:
        assert snap.n - snap.n_main < 8                # compacted along the way
    else:
        assert snap.n_main == 30


def test_keyword_scores_after_writes_equal_duckdb_match_bm25(gb):
    add_docs(gb, *(f"duckdb index note {i} about documents" for i in range(5)), "unrelated words")
    gb.search("duckdb", mode="keyword")                                    # main postings from the fts index
    add_docs(gb, {"id": "late", "content": "late duckdb documents index index"},
             {"id": "later", "content": "documents documents", "title": "index"})
    gb.analytics.execute("DELETE FROM documents WHERE id = (SELECT min(id) FROM documents WHERE id LIKE 'reflection%')")
    page = gb.search("duckdb index documents", mode="keyword", limit=20)
    snap = gb._search_engine().snapshot()
    assert snap.n > snap.n_main and not snap.keyword.rebuilt                # applied, not rebuilt
    ours = {h.id: h.scores["keyword"] for h in page.hits}
    from graphbuddy.search.keyword import ensure_fts_index
    assert ensure_fts_index(gb.analytics)[0]                               # the stale index, rebuilt fresh
    theirs = dict(gb.analytics.rows(
        "SELECT id, s FROM (SELECT id, fts_main_documents.match_bm25(id, 'duckdb index documents') AS s "
        "FROM documents) WHERE s IS NOT NULL"))
    assert set(ours) == set(theirs) and {"late", "later"} <= set(ours)
    for k, v in theirs.items():
        assert ours[k] == pytest.approx(v, rel=1e-5)


def test_a_write_does_not_reload_the_snapshot_or_rebuild_the_index(gb, fake):
    add_docs(gb, *(f"note {i} about the scheduler queue" for i in range(50)))
    gb.embed_pending()
    gb.search("scheduler")
    engine = gb._search_engine()
    first = engine.snapshot()
    calls = fake.calls
    add_docs(gb, {"id": "fresh", "content": "the scheduler deadlocked on shutdown"})
    page = gb.search("scheduler deadlocked")
    assert page.hits[0].id == "fresh"
    assert fake.calls == calls + 2                  # the new text and the query: nothing else re-embedded
    snap = engine.snapshot()
    assert snap.matrix is first.matrix and snap.n == first.n + 1 and snap.alive.all()   # one row appended, in place
    assert not snap.keyword.rebuilt and snap.keyword.parts[0] is first.keyword.parts[0]


def test_stop_words_are_function_words_only(gb):
    """fts's default English list (SMART, 571 words) would drop 'second', 'new', 'value', 'twice'."""
    add_docs(gb, {"id": "w", "content": "a second writer fails twice"},
             {"id": "v", "content": "the new value is cached"}, {"id": "x", "content": "the writer is fine"})
    assert [h.id for h in gb.search("second", mode="keyword").hits] == ["w"]
    assert [h.id for h in gb.search("new value", mode="keyword").hits] == ["v"]
    assert gb.search("the of and", mode="keyword").total == 0
