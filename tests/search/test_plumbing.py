"""Search plumbing with the deterministic fake embedder: caching, filters, cursors, explanations, bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest

import graphbuddy
from graphbuddy.errors import InvalidArgument, ModelError, NotFound
from graphbuddy.search.documents import Document, upsert_documents
from graphbuddy.search.engine import MAX_QUERY_CHARS
from graphbuddy.search.timephrase import utc_now

from .conftest import add_docs

NOTES = [
    "jwt token verification fails when clock skew exceeds the leeway",
    "duckdb full text index must be rebuilt after inserting documents",
    "kuzu allows only one write transaction at a time",
    "numpy matmul beats duckdb cosine similarity at 100k vectors",
    "retry the flaky network test with exponential backoff",
]


def test_embeddings_are_cached_by_content_hash(gb, fake):
    add_docs(gb, NOTES[0], NOTES[1], {"content": NOTES[0], "id": "same-text-other-doc"})
    r = gb.embed_pending()
    assert (r.embedded, r.documents) == (2, 3)          # two distinct texts for three documents
    assert gb.embed_pending().embedded == 0
    calls = fake.calls
    gb.search("clock skew")                              # only the query itself goes to the model
    assert fake.calls == calls + 1
    add_docs(gb, {"content": NOTES[1], "id": "another"}, NOTES[2])
    assert gb.embed_pending().embedded == 1              # NOTES[1] was embedded already
    assert gb.analytics.rows("SELECT count(*) FROM embeddings")[0][0] == 3


def test_search_embeds_pending_memories_lazily_and_finds_new_ones(gb):
    add_docs(gb, *NOTES)
    hits = gb.search("kuzu write transaction").hits
    assert hits[0].snippet == NOTES[2]
    add_docs(gb, {"content": "kuzu refuses a second concurrent writer", "id": "new"})
    page = gb.search("kuzu concurrent writer")
    assert page.hits[0].id == "new"                      # snapshot and fts index follow the write
    assert gb.memory_stats()["pending_documents"] == 0


def test_a_first_search_embeds_in_chunks_reports_progress_and_keeps_what_it_stored(gb, fake, monkeypatch):
    from graphbuddy.search import embed

    monkeypatch.setattr(embed, "CHUNK", 2)
    add_docs(gb, *[f"note {i} about clock skew number {i}" for i in range(5)])
    seen = []
    gb.progress = lambda stage, done, total: seen.append((stage, done, total))
    real = fake.embed

    def fail_on_the_third_chunk(texts):
        if fake.batches == 2:
            raise KeyboardInterrupt           # Ctrl-C while the model works on the third chunk
        return real(texts)

    monkeypatch.setattr(fake, "embed", fail_on_the_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        gb.search("clock skew")
    assert seen == [("embed", 0, 5), ("embed", 2, 5), ("embed", 4, 5)]
    assert gb.analytics.rows("SELECT count(*) FROM embeddings")[0][0] == 4      # the two chunks done are kept
    monkeypatch.setattr(fake, "embed", real)
    seen.clear()
    assert gb.search("clock skew").total == 5
    assert seen == [("embed", 0, 1), ("embed", 1, 1)]                           # only the fifth text is left
    assert gb.embed_pending().embedded == 0


def test_hits_explain_which_retrievers_matched(gb):
    add_docs(gb, *NOTES)
    hit = gb.search("duckdb full text index").hits[0]
    assert hit.snippet == NOTES[1]
    m = hit.explanation["matched_by"]
    assert m["keyword"]["rank"] == 1 and m["vector"]["rank"] == 1
    assert hit.scores["rrf"] == pytest.approx(2 / 61)
    assert hit.score == pytest.approx(hit.scores["rrf"] * hit.scores["decay"] * hit.scores["vote_factor"])
    kw = gb.search("duckdb full text index", mode="keyword").hits[0]
    assert set(kw.explanation["matched_by"]) == {"keyword"} and kw.scores["vector"] is None
    vec = gb.search("duckdb full text index", mode="vector").hits[0]
    assert set(vec.explanation["matched_by"]) == {"vector"}


def test_keyword_scores_equal_duckdb_match_bm25(gb):
    add_docs(gb, *NOTES, *(f"{n} again with duckdb words" for n in NOTES[:3]))
    page = gb.search("duckdb index documents", mode="keyword", limit=20)
    ours = {h.id: h.scores["keyword"] for h in page.hits}
    theirs = dict(gb.analytics.rows(
        "SELECT id, s FROM (SELECT id, fts_main_documents.match_bm25(id, 'duckdb index documents') AS s "
        "FROM documents) WHERE s IS NOT NULL"))
    assert set(ours) == set(theirs) and len(ours) >= 4
    for k, v in theirs.items():
        assert ours[k] == pytest.approx(v, rel=1e-5)


@pytest.fixture
def varied(gb):
    now = utc_now()
    add_docs(gb,
             {"content": "cache invalidation bug in the pricing service", "tags": ("bug", "pricing"), "age_days": 0,
              "session_id": "s1"},
             {"content": "cache warmup decision for pricing", "tags": ("decision",), "age_days": 0.9,
              "kind": "insight"},
             {"content": "cache sizes measured on the build server", "tags": ("bug",), "age_days": 10,
              "project": "p2"},
             {"content": "cache eviction policy summary", "age_days": 40, "kind": "session"},
             now=now)
    return gb


@pytest.mark.parametrize("filters, expected", [
    ({}, 4),
    ({"kinds": "insight"}, 1),
    ({"kinds": ["reflection", "session"]}, 3),
    ({"projects": "p2"}, 1),
    ({"tags": "bug"}, 2),
    ({"tags": ["bug", "pricing"]}, 1),
    ({"session_id": "s1"}, 1),
    ({"since": "yesterday"}, 2),
    ({"since": "last 3 days"}, 2),
    ({"since": "last week"}, 2),
    ({"until": "last week"}, 2),
    ({"since": "last 30 days", "until": "2 days ago"}, 1),
])
def test_filters(varied, filters, expected):
    page = varied.search("cache", **filters)
    assert page.total == expected == len(page.hits)
    summary = varied.search_summary("cache", **filters)
    assert summary["total"] == expected


def test_tag_filters_match_whatever_the_case(gb):
    # add_reflection stores tags lower-cased, so tags=["Money"] found nothing for a reflection tagged "Money"
    r = gb.add_reflection("rounding money needs Decimal", tags=["Money"])
    for tags in (["Money"], ["MONEY"], [" money "], "Money"):
        assert [h.id for h in gb.search("rounding", tags=tags).hits] == [r.id]
        assert gb.search_summary("rounding", tags=tags)["total"] == 1


def test_summary_counts_by_project_kind_and_tag(varied):
    s = varied.search_summary("cache")
    assert s["by_project"] == {"p1": 3, "p2": 1}
    assert s["by_kind"] == {"reflection": 2, "insight": 1, "session": 1}
    assert s["by_tag"] == {"bug": 2, "decision": 1, "pricing": 1}
    q = varied.quick_search("cache")
    assert q["count"] == 4 and len(q["hits"]) == 3
    # a memory without a project was counted under None: "None" through MCP, "null" in the CLI's --json
    r = varied.add_reflection("cache of no project")
    assert varied.search_summary("cache")["by_project"] == {"p1": 3, "": 1, "p2": 1}, r


def test_recent_memories_rank_above_old_ones_with_equal_match(gb):
    add_docs(gb, {"content": "same words here", "id": "old", "age_days": 90},
             {"content": "same words here", "id": "new", "age_days": 0})
    hits = gb.search("same words here").hits
    assert [h.id for h in hits] == ["new", "old"]
    assert hits[1].scores["decay"] < hits[0].scores["decay"] <= 1.0


def test_cursor_pages_are_disjoint_complete_and_stable_under_inserts(gb):
    add_docs(gb, *(f"cache note number {i} about eviction" for i in range(25)))
    first = gb.search("cache eviction", limit=10)
    assert first.total == 25 and first.next_cursor
    add_docs(gb, *(f"cache eviction newcomer {i}" for i in range(5)))   # written between pages
    second = gb.search("cache eviction", limit=10, cursor=first.next_cursor)
    third = gb.search("cache eviction", limit=10, cursor=second.next_cursor)
    assert third.next_cursor is None
    ids = [h.id for p in (first, second, third) for h in p.hits]
    assert len(ids) == len(set(ids)) == 25
    assert not any("newcomer" in h.snippet for p in (second, third) for h in p.hits)
    assert gb.search("cache eviction", limit=10).total == 30     # a new query sees them


def test_bad_cursors(gb):
    add_docs(gb, *NOTES)
    page = gb.search("duckdb", limit=1)
    assert page.next_cursor
    with pytest.raises(InvalidArgument, match="another query"):
        gb.search("kuzu", limit=1, cursor=page.next_cursor)
    with pytest.raises(InvalidArgument, match="another query"):
        gb.search("duckdb", limit=1, cursor=page.next_cursor, kinds="insight")
    tampered = page.next_cursor[:-1] + ("1" if page.next_cursor[-1] == "0" else "0")
    for bad in ("garbage", tampered, "x.y", page.next_cursor.replace(".", "")):
        with pytest.raises(InvalidArgument, match="malformed cursor"):
            gb.search("duckdb", limit=1, cursor=bad)


@pytest.mark.parametrize("query", ["", "   ", "\n\t", None])
def test_empty_query_is_an_error(gb, query):
    with pytest.raises(InvalidArgument, match="empty search query"):
        gb.search(query)


def test_huge_query_is_cut_and_says_so(gb):
    add_docs(gb, *NOTES)
    page = gb.search("kuzu " * 5000)
    assert page.query_truncated and len(page.query) == MAX_QUERY_CHARS
    assert page.hits[0].snippet == NOTES[2]


def test_unknown_project_kind_mode_limit_and_time(gb):
    add_docs(gb, *NOTES)
    with pytest.raises(NotFound, match="unknown project.*nope.*known: p1"):
        gb.search("x", projects=["nope"])
    with pytest.raises(InvalidArgument, match="unknown kind"):
        gb.search("x", kinds="memo")
    with pytest.raises(InvalidArgument, match="unknown search mode"):
        gb.search("x", mode="fuzzy")
    with pytest.raises(InvalidArgument, match="limit"):
        gb.search("x", limit=0)
    with pytest.raises(InvalidArgument, match="cannot read time"):
        gb.search("x", since="someday")
    with pytest.raises(InvalidArgument, match="empty time range"):
        gb.search("x", since="today", until="yesterday")


def test_votes_raise_a_hit(gb):
    add_docs(gb, {"content": "same words", "id": "a", "votes": 0}, {"content": "same words", "id": "b", "votes": 5})
    assert [h.id for h in gb.search("same words").hits] == ["b", "a"]


def test_a_model_path_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "no-model"
    with pytest.raises(ModelError, match=f"does not exist: {missing}"):
        graphbuddy.open(memory=True, model=str(missing))
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ModelError, match="not a folder"):
        graphbuddy.open(memory=True, model=str(f))


def test_model_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GRAPHBUDDY_MODEL", str(tmp_path / "env-model"))
    with pytest.raises(ModelError, match="env-model"):
        graphbuddy.open(memory=True)


def test_stats(gb):
    add_docs(gb, *NOTES[:3])
    add_docs(gb, NOTES[3], kind="insight", project="p2")
    s = gb.memory_stats()
    assert s["documents"] == 4 and s["pending_documents"] == 4
    assert s["by_project"] == {"p1": {"reflection": 3}, "p2": {"insight": 1}}
    gb.embed_pending()
    s = gb.memory_stats()
    assert s["pending_documents"] == 0 and s["embeddings_by_model"] == {"fake-hash": 4}


def test_replacing_a_document_replaces_its_search_text(gb):
    add_docs(gb, {"content": "original wording about parsers", "id": "d"})
    assert gb.search("parsers").total == 1
    upsert_documents(gb.analytics, [Document(id="d", kind="reflection", content="now about lexers", project="p1")])
    assert gb.search("parsers", mode="keyword").total == 0
    assert gb.search("lexers").hits[0].id == "d"


def test_kinds_are_searched_in_their_own_blocks(gb):
    add_docs(gb, {"content": "parse the config file", "id": "code-1", "kind": "code"},
             {"content": "parse the config file", "id": "mem-1"},
             {"content": "parse the config file", "id": "ins-1", "kind": "insight"},
             {"content": "render sidebar widgets", "id": "code-2", "kind": "code"})
    assert {h.id for h in gb.search("parse config", mode="vector").hits} == {"mem-1", "ins-1"}
    assert [h.id for h in gb.search("parse config", mode="vector", kinds="code").hits] == ["code-1"]
    both = gb.search("parse the config file", mode="vector", kinds=["code", "insight"]).hits
    assert {h.id for h in both} == {"code-1", "ins-1"}
    assert both[0].explanation["matched_by"]["vector"]["similarity"] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("since, first_at, next_at", [
    ("last week", "2026-03-10T12:00:00", "2026-03-10T12:00:07"),     # the span moved 7 s on
    ("today", "2026-03-10T23:59:58", "2026-03-11T00:00:03"),         # midnight passed between the pages
])
def test_cursor_pages_of_a_relative_time_phrase_read_it_at_the_first_page_time(gb, monkeypatch, since, first_at,
                                                                              next_at):
    # The cursor's fingerprint held the phrase as resolved on each call, so page two (a moment later) was
    # refused as "another query", and a later page re-read "today" on another day.
    from datetime import datetime

    from graphbuddy.search import engine

    first_now, next_now = datetime.fromisoformat(first_at), datetime.fromisoformat(next_at)
    add_docs(gb, *(f"cache note number {i} about eviction" for i in range(15)),
             now=first_now - timedelta(hours=1))
    monkeypatch.setattr(engine, "utc_now", lambda: first_now)
    first = gb.search("cache eviction", limit=10, since=since)
    assert first.total == 15 and first.next_cursor
    monkeypatch.setattr(engine, "utc_now", lambda: next_now)
    second = gb.search("cache eviction", limit=10, since=since, cursor=first.next_cursor)
    assert second.total == 15 and second.next_cursor is None
    assert len({h.id for p in (first, second) for h in p.hits}) == 15
    assert second.filters["since"] == first.filters["since"]
    with pytest.raises(InvalidArgument, match="another query"):
        gb.search("cache eviction", limit=10, since="last 3 days", cursor=first.next_cursor)


def test_summary_refuses_an_unknown_mode(gb):
    # search_summary took any mode and answered as if it were hybrid, echoing the bad name back
    add_docs(gb, *NOTES)
    with pytest.raises(InvalidArgument, match="unknown search mode"):
        gb.search_summary("duckdb", mode="fuzzy")
    assert gb.search_summary("duckdb", mode="keyword")["total"] == 2


def test_embed_pending_takes_one_kind_or_several_and_refuses_unknown_ones(gb):
    # kinds="code" became tuple("code") = ('c', 'o', 'd', 'e'): nothing embedded, no error; unknown kinds
    # (`graphbuddy embed --kind codes`) embedded nothing silently as well
    add_docs(gb, NOTES[0], {"content": "def parse_config(path): read the config file", "id": "code-1",
                            "kind": "code"})
    with pytest.raises(InvalidArgument, match="unknown kind.*codes"):
        gb.embed_pending(kinds=["codes"])
    assert gb.embed_pending(kinds="code").embedded == 1
    assert gb.embed_pending(kinds=["reflection", "insight"]).embedded == 1
    assert gb.memory_stats()["pending_documents"] == 0


def test_vectors_of_another_size_under_the_same_model_name_are_refused(tmp_path):
    # A model folder replaced by a model of another size keeps its name (the path): its vectors were stored
    # beside the old ones and the snapshot reshaped the mixed list into rows of a made-up size; a query of
    # the other size was an InvalidArgument (exit 2) though nothing in the arguments was wrong.
    from graphbuddy.embedding import FakeEmbedder

    store = tmp_path / "store"
    with graphbuddy.open(store, model=FakeEmbedder(dim=64, name="models/current")) as g:
        add_docs(g, NOTES[0], NOTES[1])
        assert g.embed_pending().embedded == 2
    with graphbuddy.open(store, model=FakeEmbedder(dim=32, name="models/current")) as g:
        with pytest.raises(ModelError, match="models/current gives 32-d vectors.*64-d"):
            g.search("kuzu write transaction")
        add_docs(g, NOTES[2])
        with pytest.raises(ModelError, match="models/current gives 32-d vectors.*64-d"):
            g.embed_pending()
        with pytest.raises(ModelError, match="models/current gives 32-d vectors.*64-d"):
            g.search("kuzu write transaction")
        assert g.analytics.rows("SELECT DISTINCT len(vector) FROM embeddings") == [(64,)]


def test_a_removed_project_is_unknown_to_the_project_filter(sample_root):
    # the snapshot's project names only grow: after remove_project, --project of it found nothing silently
    # instead of the NotFound that lists the known projects
    from graphbuddy.embedding import FakeEmbedder

    with graphbuddy.open(memory=True, model=FakeEmbedder()) as gb:
        gb.index(sample_root, project="sample")
        add_docs(gb, {"content": "pricing rounds half up", "id": "m-1"}, project="sample")
        add_docs(gb, {"content": "pricing in the other project", "id": "m-2"}, project="other")
        assert gb.search("pricing", projects=["sample"]).total == 1
        gb.remove_project("sample")
        with pytest.raises(NotFound, match="unknown project.*sample; known: other$"):
            gb.search("pricing", projects=["sample"])
        assert gb.search("pricing", projects=["other"]).total == 1


def test_a_model_path_for_another_process_is_absolute(tmp_path, monkeypatch):
    from graphbuddy.embedding import absolute_model_spec

    monkeypatch.chdir(tmp_path)
    (tmp_path / "local-model").mkdir()
    assert absolute_model_spec("local-model") == str(tmp_path / "local-model")       # a folder here
    assert absolute_model_spec("./gone") == str(tmp_path / "gone")                   # a path, even missing
    assert absolute_model_spec("sentence-transformers/all-mpnet-base-v2") == "sentence-transformers/all-mpnet-base-v2"
    assert absolute_model_spec("all-MiniLM-L6-v2") == "all-MiniLM-L6-v2"
    assert absolute_model_spec("/abs/model") == "/abs/model"
