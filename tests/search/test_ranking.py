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
