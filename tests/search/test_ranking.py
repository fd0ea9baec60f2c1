"""The pure ranking function: RRF, keyword coverage, decay, votes, total order."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from graphbuddy.search.ranking import Candidate, RankParams, rank

NOW = datetime(2026, 11, 21, 12, 0)


def cand(id, *, v=None, k=None, cov=1.0, age=0.0, votes=0, kind="reflection"):
    return Candidate(id, "p", kind, NOW - timedelta(days=age), votes, v, 0.5 if v else None, k,
                     1.0 if k else None, cov if k else None)


def test_rrf_sums_reciprocal_ranks():
    s = rank([cand("a", v=1, k=3), cand("b", v=2)], now=NOW)
    assert [x.candidate.id for x in s] == ["a", "b"]
    assert s[0].rrf == pytest.approx(1 / 61 + 1 / 63) and s[1].rrf == pytest.approx(1 / 62)


def test_keyword_term_is_scaled_by_query_term_coverage():
    weak = cand("weak", k=1, cov=0.25)                  # one word of a four-word question
    vector = cand("vector", v=2)
    s = rank([weak, vector], now=NOW, params=RankParams(coverage_floor=0.0))
    assert [x.candidate.id for x in s] == ["vector", "weak"] and s[1].rrf == pytest.approx(0.25 / 61)
    assert rank([weak], now=NOW, params=RankParams(coverage_floor=0.5))[0].rrf == pytest.approx(0.625 / 61)
    plain = rank([weak, vector], now=NOW, params=RankParams(coverage_floor=1.0))
    assert plain[0].candidate.id == "weak" and plain[0].rrf == pytest.approx(1 / 61)


def test_decay_halves_towards_the_floor_and_skips_code():
    s = {x.candidate.id: x for x in rank([cand("new", v=1), cand("month", v=1, age=30),
                                          cand("ancient", v=1, age=3000), cand("code", v=1, age=3000, kind="code")],
                                         now=NOW)}
    assert s["new"].decay == pytest.approx(1.0)
    assert s["month"].decay == pytest.approx(0.75)
    assert s["ancient"].decay == pytest.approx(0.5, abs=1e-6)
    assert s["code"].decay == 1.0 and s["code"].age_days is None


def test_votes_scale_the_score_both_ways_with_a_floor():
    s = {x.candidate.id: x.vote_factor for x in rank(
        [cand("up", v=1, votes=3), cand("none", v=1), cand("down", v=1, votes=-3), cand("buried", v=1, votes=-10**9)],
        now=NOW)}
    assert s["up"] > 1.0 == s["none"] > s["down"] >= s["buried"] == 0.5


def test_order_is_total_and_repeatable():
    cands = [cand(x, v=1) for x in "dcba"]
    assert [s.candidate.id for s in rank(cands, now=NOW)] == ["a", "b", "c", "d"]
    assert rank(cands, now=NOW) == rank(list(reversed(cands)), now=NOW)


def test_age_from_microseconds_is_the_age_from_datetimes():
    import random

    from graphbuddy.search.ranking import age_days, age_days_us

    epoch, rng = datetime(1970, 1, 1), random.Random(4)
    now_us = (NOW - epoch) // timedelta(microseconds=1)
    for _ in range(20000):
        created_us = now_us - rng.randrange(-10**12, 10**14)       # future ones included (age 0)
        created = epoch + timedelta(microseconds=created_us)
        assert age_days_us(now_us, created_us) == age_days(NOW, created)


def test_the_engine_ranks_as_rank_does(gb):
    """The engine scores its candidates from arrays and builds objects for the page only: every page must
    equal `rank` over the Candidates built the plain way (same floats, same order)."""
    import numpy as np

    from .conftest import add_docs

    words = "cache token writer index vector retry lock queue parser config session deploy".split()
    rng = np.random.default_rng(8)
    add_docs(gb, *[{"content": " ".join(rng.choice(words, rng.integers(2, 7))), "age_days": float(rng.uniform(0, 90)),
                    "kind": ("reflection", "insight", "code")[i % 3], "votes": int(rng.integers(-3, 4))}
                   for i in range(400)])
    engine = gb._search_engine()
    for q in ("cache token", "retry lock after deploy", "parser"):
        for kinds in (None, ["reflection", "code"]):
            f = engine._filters(kinds, None, None, None, None, None)
            snap, ranked, _ = engine._ranked(q, f, "hybrid", NOW)
            _, (vrows, vscore, _), (krows, kscore, kcover) = engine._retrieve(q, f, "hybrid", NOW)[1:]
            vector = {r: (n, s) for n, (r, s) in enumerate(zip(vrows.tolist(), vscore.tolist()), 1)}
            keyword = {r: (n, s, c) for n, (r, s, c) in enumerate(zip(krows.tolist(), kscore.tolist(),
                                                                      kcover.tolist()), 1)}
            rows = list(vector) + [r for r in keyword if r not in vector]
            cands = [Candidate(snap.ids[r], snap.project_names[snap.project[r]], snap.kind_names[snap.kind[r]],
                               snap.created_at([r])[0], int(snap.votes[r]), *vector.get(r, (None, None)),
                               *keyword.get(r, (None, None, None))) for r in rows]
            want = rank(cands, now=NOW, params=engine.params)
            assert len(ranked) == len(want) > 20
            pages = [list(range(n, min(n + 7, len(want)))) for n in range(0, len(want), 7)]
            got = [s for ranks in pages for s in ranked.page(ranks)[1]]
            assert got == want
