"""Ranking: a pure function over candidate hits, kept apart from retrieval so it can be extended (a later
cross-project feature multiplies in dependency distance).

    score = rrf x decay x vote_factor
    rrf         = sum over retrievers r that matched: weight_r x strength_r / (k + rank_r)   (rank from 1)
    strength    = 1 for the vector retriever; for keyword, floor + (1 - floor) x coverage, coverage being
                  the share of the query's terms the document contains (a BM25 hit on one word of a
                  five-word question is weaker evidence). floor 1 = plain RRF, floor 0 = coverage alone.
    decay       = floor + (1 - floor) x 0.5 ** (age_days / half_life_days)        (1.0 for undated kinds)
    vote_factor = max(0.5, 1 + vote_weight x sign(votes) x ln(1 + |votes|))
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    id: str
    project: str | None
    kind: str
    created_at: datetime | None
    votes: int = 0
    vector_rank: int | None = None       # 1-based rank among vector hits, None: not a vector hit
    vector_score: float | None = None    # cosine similarity
    keyword_rank: int | None = None
    keyword_score: float | None = None   # BM25
    keyword_coverage: float | None = None  # share of the query's terms present in the document (0..1)


@dataclass(frozen=True)
class RankParams:
    rrf_k: float = 60.0
    vector_weight: float = 1.0
    keyword_weight: float = 1.0
    half_life_days: float = 30.0
    decay_floor: float = 0.5
    vote_weight: float = 0.1
    undated_kinds: tuple[str, ...] = ("code",)   # code does not age like a memory does
    coverage_floor: float = 0.0                  # keyword strength = floor + (1 - floor) x coverage


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    rrf: float
    decay: float
    age_days: float | None
    vote_factor: float
    score: float


def rank(candidates: list[Candidate], *, now: datetime, params: RankParams = RankParams()) -> list[Scored]:
    """Candidates scored and sorted best first (ties broken by id, so the order is total and repeatable)."""
    undated = params.undated_kinds
    ages = [None if c.created_at is None or c.kind in undated else age_days(now, c.created_at) for c in candidates]
    parts = score_columns([c.vector_rank for c in candidates], [c.keyword_rank for c in candidates],
                          [c.keyword_coverage for c in candidates], ages, [c.votes for c in candidates], params)
    out = [Scored(c, rrf, decay, age, vote, score)
           for c, age, (rrf, decay, vote, score) in zip(candidates, ages, parts)]
    out.sort(key=lambda s: (-s.score, s.candidate.id))
    return out


def age_days(now: datetime, created_at: datetime) -> float:
    return max(0.0, (now - created_at).total_seconds() / 86400.0)


def age_days_us(now_us: int, created_us: int) -> float:
    """`age_days` for times in integer microseconds since one epoch: the same float, as `total_seconds()` is
    the delta's integer microseconds divided by 10**6."""
    return max(0.0, (now_us - created_us) / 1_000_000 / 86400.0)


def score_columns(vector_ranks: list, keyword_ranks: list, keyword_coverages: list, ages: list, votes: list,
                  params: RankParams = RankParams()) -> list[tuple[float, float, float, float]]:
    """(rrf, decay, vote_factor, score) per candidate given as columns (None: that retriever did not match; an
    age of None: undated). `rank` and the search engine share it: the engine scores its ~200 candidates from
    arrays and builds `Candidate`s only for the hits of the page."""
    # the same arithmetic as the module docstring, with the parameters in locals
    k, vector_weight, keyword_weight = params.rrf_k, params.vector_weight, params.keyword_weight
    floor, half_life, decay_floor = params.coverage_floor, params.half_life_days, params.decay_floor
    vote_weight = params.vote_weight
    log1p, copysign = math.log1p, math.copysign
    out = []
    for vector_rank, keyword_rank, coverage, age, v in zip(vector_ranks, keyword_ranks, keyword_coverages, ages,
                                                           votes):
        rrf = 0.0
        if vector_rank is not None:
            rrf += vector_weight / (k + vector_rank)
        if keyword_rank is not None:
            strength = 1.0 if coverage is None else floor + (1 - floor) * coverage
            rrf += keyword_weight * strength / (k + keyword_rank)
        decay = 1.0
        if age is not None and half_life > 0:
            decay = decay_floor + (1 - decay_floor) * 0.5 ** (age / half_life)
        v = v or 0
        vote = max(0.5, 1.0 + vote_weight * copysign(log1p(abs(v)), v)) if v else 1.0
        out.append((rrf, decay, vote, rrf * decay * vote))
    return out
