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
    # the same arithmetic as the docstring, with the parameters in locals (this runs for ~200 candidates a search)
    k, vector_weight, keyword_weight = params.rrf_k, params.vector_weight, params.keyword_weight
    floor, half_life, decay_floor = params.coverage_floor, params.half_life_days, params.decay_floor
    vote_weight, undated = params.vote_weight, params.undated_kinds
    log1p, copysign = math.log1p, math.copysign
    out = []
    for c in candidates:
        rrf = 0.0
        if c.vector_rank is not None:
            rrf += vector_weight / (k + c.vector_rank)
        if c.keyword_rank is not None:
            strength = 1.0 if c.keyword_coverage is None else floor + (1 - floor) * c.keyword_coverage
            rrf += keyword_weight * strength / (k + c.keyword_rank)
        age = None
        decay = 1.0
        if c.created_at is not None and c.kind not in undated:
            age = max(0.0, (now - c.created_at).total_seconds() / 86400.0)
            if half_life > 0:
                decay = decay_floor + (1 - decay_floor) * 0.5 ** (age / half_life)
        v = c.votes or 0
        vote = max(0.5, 1.0 + vote_weight * copysign(log1p(abs(v)), v)) if v else 1.0
        out.append(Scored(c, rrf, decay, age, vote, rrf * decay * vote))
    out.sort(key=lambda s: (-s.score, s.candidate.id))
    return out
