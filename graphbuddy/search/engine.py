"""Hybrid search over the `documents` table: vector similarity + BM25, fused by reciprocal rank fusion.

Documents, their vectors and the BM25 weights are held in RAM as a snapshot (numpy arrays), reloaded when
`AnalyticsStore.generation` says `documents` or `embeddings` were written. Brute-force cosine over a cached
float32 matrix costs ~3 ms at 100k x 384 (DuckDB's array_cosine_similarity: ~60 ms), and filters are
boolean masks over the same rows, so a query costs little beyond embedding its own text.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pyarrow.compute as pc

from ..errors import InvalidArgument, NotFound
from .cursor import Cursor, decode_cursor, query_key
from .documents import CODE_KIND, MEMORY_KINDS
from .embed import EmbedReport, embed_pending
from .keyword import KeywordIndex
from .ranking import Candidate, RankParams, rank
from .timephrase import parse_since, parse_until, utc_now

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000       # longer queries are cut (and the page says so): the model reads 256 tokens
MAX_LIMIT = 100
POOL = 100                   # candidates per retriever: fixed, so pages of one query come from one ranking
MIN_SIMILARITY = 0.2         # a vector hit below this cosine is noise, not a match (counts in `total`)
MODES = ("hybrid", "vector", "keyword")
ALL_KINDS = MEMORY_KINDS + (CODE_KIND,)
SNIPPET_CHARS = 300


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    project: str | None
    title: str | None
    snippet: str
    tags: tuple[str, ...]
    session_id: str | None
    created_at: datetime | None
    votes: int
    attrs: dict
    score: float
    scores: dict                  # component scores: vector, keyword, rrf, decay, vote_factor
    explanation: dict             # which retrievers matched with ranks, decay, the filters applied

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["tags"] = list(self.tags)
        return d


@dataclass(frozen=True)
class Page:
    query: str
    mode: str
    hits: list[Hit]
    total: int                    # documents matching (keyword match or cosine >= MIN_SIMILARITY) after filters
    next_cursor: str | None
    as_of: datetime
    query_truncated: bool = False
    filters: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["hits"] = [h.as_dict() for h in self.hits]
        return d


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...]
    projects: tuple[str, ...] | None
    tags: tuple[str, ...] | None
    session_id: str | None
    since: datetime | None
    until: datetime | None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class Snapshot:
    """Every document row as numpy arrays (+ its vector for one model), loaded in one query."""

    def __init__(self, analytics, model: str, generation: int):
        self.generation = generation
        self._analytics = analytics
        self._keyword: KeywordIndex | None = None
        self._kind_masks: dict[tuple, np.ndarray] = {}
        t = analytics.arrow(
            "SELECT d.id, d.kind, d.project, d.session_id, d.tags, d.title, d.content, d.created_at, "
            "coalesce(d.updated_at, d.created_at) AS updated_at, coalesce(d.votes, 0) AS votes, d.attrs, e.vector "
            "FROM documents d LEFT JOIN embeddings e ON e.content_hash = d.content_hash AND e.model = ? "
            "ORDER BY d.kind, d.id", [model])
        self.ids: list[str] = t["id"].to_pylist()
        self.n = len(self.ids)
        self.row_of = {i: r for r, i in enumerate(self.ids)}
        self.kind_names, self.kind = _codes(t["kind"])
        # Rows are sorted by kind, so each kind is one contiguous block: a memory search multiplies only the
        # memory rows of the matrix, however many code symbols the store holds.
        edges = np.flatnonzero(np.diff(self.kind)) + 1
        starts, ends = np.concatenate(([0], edges)), np.concatenate((edges, [self.n]))
        self.kind_blocks = {self.kind_names[self.kind[a]]: (int(a), int(b)) for a, b in zip(starts, ends) if b > a}
        self.project_names, self.project = _codes(t["project"])
        self.session_names, self.session = _codes(t["session_id"])
        # Columns only hits need stay Arrow arrays (read per hit): building 100k Python objects per
        # column would dominate the reload after every write.
        self._cols = {name: t[name].combine_chunks() for name in ("tags", "title", "content", "attrs", "created_at")}
        tags = self._cols["tags"]
        flat = pc.list_flatten(tags).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(tags).to_numpy(zero_copy_only=False)
        self.tag_rows = {tag: parents[flat == tag] for tag in set(flat.tolist())}
        self.created = _epoch(t["created_at"])
        self.updated = _epoch(t["updated_at"])
        self.votes = t["votes"].to_numpy(zero_copy_only=False).astype(np.int64)
        vec = t["vector"].combine_chunks()
        self.has_vector = np.asarray(vec.is_valid(), dtype=bool)
        flat = np.asarray(vec.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)   # no copy if float32
        count = int(self.has_vector.sum())
        self.dim = flat.size // count if count else 0
        if count == self.n:             # the usual case: every row has a vector; use Arrow's buffer as is
            self.matrix = flat.reshape(count, self.dim)
        else:
            self.matrix = np.zeros((self.n, self.dim), dtype=np.float32)
            if count:
                self.matrix[self.has_vector] = flat.reshape(count, self.dim)

    def mask(self, f: Filters, as_of: datetime) -> np.ndarray:
        if f.kinds not in self._kind_masks:
            self._kind_masks[f.kinds] = _member(self.kind, self.kind_names, f.kinds)
        m = self._kind_masks[f.kinds].copy()
        if self.n and _ts(as_of) + 1e-6 < self.updated.max():     # a cursor's snapshot older than some rows
            m &= self.updated <= _ts(as_of) + 1e-6
        if f.projects is not None:
            m &= _member(self.project, self.project_names, f.projects)
        if f.session_id is not None:
            m &= _member(self.session, self.session_names, (f.session_id,))
        for tag in f.tags or ():
            has = np.zeros(self.n, dtype=bool)
            has[self.tag_rows.get(tag, np.zeros(0, dtype=np.int64))] = True
            m &= has
        if f.since is not None:
            m &= self.created >= _ts(f.since)
        if f.until is not None:
            m &= self.created < _ts(f.until)
        return m


    def value(self, column: str, row: int):
        return self._cols[column][row].as_py()

    def tags_of(self, row: int) -> tuple[str, ...]:
        return tuple(self.value("tags", row) or ())


def _codes(column) -> tuple[list, np.ndarray]:
    """Dictionary-encode a string column: (names, int32 code per row); null is a name too."""
    enc = column.combine_chunks().dictionary_encode()
    names = enc.dictionary.to_pylist()
    codes = enc.indices.fill_null(len(names)).to_numpy(zero_copy_only=False).astype(np.int32)
    return names + [None], codes


def _member(codes: np.ndarray, names: list, wanted) -> np.ndarray:
    ids = [i for i, n in enumerate(names) if n in set(wanted)]
    return np.isin(codes, ids) if ids else np.zeros(len(codes), dtype=bool)


def _ts(moment: datetime) -> float:
    """Naive datetimes in the store are UTC; `datetime.timestamp()` alone would read them as local time."""
    return moment.replace(tzinfo=timezone.utc).timestamp() if moment.tzinfo is None else moment.timestamp()


def _epoch(col) -> np.ndarray:
    """Naive-UTC timestamps as float seconds; missing ones as -inf (older than anything)."""
    arr = col.combine_chunks() if hasattr(col, "combine_chunks") else col
    out = arr.cast("int64").to_numpy(zero_copy_only=False).astype(np.float64) / 1e6
    out[~np.asarray(arr.is_valid(), dtype=bool)] = -np.inf
    return out


class Searcher:
    """Search over one store's documents with one embedder. Thread-safe; one per `GraphBuddy`."""

    def __init__(self, analytics, embedder, *, params: RankParams = RankParams(), known_projects=None):
        self.analytics = analytics
        self.embedder = embedder
        self.params = params
        self._known_projects = known_projects or (lambda: [])
        self._snap: Snapshot | None = None
        self._embedded_at: dict[tuple, int] = {}     # kinds -> generation when nothing was pending
        self._lock = threading.RLock()

    # -- embeddings --------------------------------------------------------------------------------------
    def embed_pending(self, kinds: tuple[str, ...] | None = None) -> EmbedReport:
        with self._lock:
            report = embed_pending(self.analytics, self.embedder, kinds=kinds)
            self._embedded_at[kinds] = self.analytics.generation
            return report

    def _ensure_embedded(self, kinds: tuple[str, ...]) -> None:
        if self._embedded_at.get(kinds) != self.analytics.generation and \
                self._embedded_at.get(None) != self.analytics.generation:
            self.embed_pending(kinds)

    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._snap is None or self._snap.generation != self.analytics.generation:
                self._snap = Snapshot(self.analytics, self.embedder.name, self.analytics.generation)
            return self._snap

    def _keyword(self, snap: Snapshot) -> KeywordIndex:
        with self._lock:
            if snap._keyword is None:
                before = self.analytics.generation
                snap._keyword = KeywordIndex(self.analytics, snap.row_of, snap.n)
                if snap.generation == before:   # only the index rebuild wrote: the snapshot is still current
                    snap.generation = self.analytics.generation
            return snap._keyword

    # -- search ------------------------------------------------------------------------------------------
    def search(self, query: str, *, kinds=None, projects=None, tags=None, session_id=None, since=None,
               until=None, limit: int = 10, cursor: str | None = None, mode: str = "hybrid") -> Page:
        text, truncated = _check_query(query)
        if mode not in MODES:
            raise InvalidArgument(f"unknown search mode {mode!r}: use {', '.join(MODES)}")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidArgument(f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}")
        filters = self._filters(kinds, projects, tags, session_id, since, until)
        key = query_key(q=text, mode=mode, **filters.as_dict())
        pos = decode_cursor(cursor, query_key=key) if cursor else Cursor(key, utc_now(), 0)
        snap, ranked, total = self._ranked(text, filters, mode, pos.as_of)
        page = ranked[pos.offset:pos.offset + limit]
        nxt = Cursor(key, pos.as_of, pos.offset + limit).encode() if pos.offset + limit < len(ranked) else None
        hits = [self._hit(snap, s, filters) for s in page]
        return Page(text, mode, hits, total, nxt, pos.as_of, truncated, filters.as_dict())

    def summary(self, query: str, **kw) -> dict:
        text, truncated = _check_query(query)
        mode = kw.pop("mode", "hybrid")
        filters = self._filters(kw.get("kinds"), kw.get("projects"), kw.get("tags"), kw.get("session_id"),
                                kw.get("since"), kw.get("until"))
        snap, matched, _, _ = self._retrieve(text, filters, mode, utc_now())
        rows = np.flatnonzero(matched)
        by_project, by_kind, by_tag = {}, {}, {}
        for r in rows:
            p, k = snap.project_names[snap.project[r]], snap.kind_names[snap.kind[r]]
            by_project[p] = by_project.get(p, 0) + 1
            by_kind[k] = by_kind.get(k, 0) + 1
            for t in snap.tags_of(r):
                by_tag[t] = by_tag.get(t, 0) + 1
        order = lambda d: dict(sorted(d.items(), key=lambda kv: (-kv[1], str(kv[0]))))  # noqa: E731
        return {"query": text, "mode": mode, "total": len(rows), "by_project": order(by_project),
                "by_kind": order(by_kind), "by_tag": order(by_tag), "query_truncated": truncated,
                "filters": filters.as_dict()}

    def _filters(self, kinds, projects, tags, session_id, since, until) -> Filters:
        kinds = tuple(_as_list(kinds) or MEMORY_KINDS)
        bad = sorted(set(kinds) - set(ALL_KINDS))
        if bad:
            raise InvalidArgument(f"unknown kind(s) {', '.join(bad)}: use {', '.join(ALL_KINDS)}")
        projects = _as_list(projects)
        if projects:
            known = set(self._known_projects()) | set(self.snapshot().project_names)
            unknown = sorted(set(projects) - known)
            if unknown:
                raise NotFound(f"unknown project(s) {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(p for p in known if p)) or 'none'}")
        now = utc_now()
        s, u = parse_since(since, now=now), parse_until(until, now=now)
        if s is not None and u is not None and s >= u:
            raise InvalidArgument(f"empty time range: since {s:%Y-%m-%d %H:%M} is not before until {u:%Y-%m-%d %H:%M}")
        return Filters(kinds, tuple(projects) if projects else None, tuple(_as_list(tags)) or None, session_id, s, u)

    def _retrieve(self, text: str, f: Filters, mode: str, as_of: datetime):
        """(snapshot, matched mask, vector ranking, keyword ranking) under the filters."""
        if mode != "keyword":
            self._ensure_embedded(f.kinds)
        snap = self.snapshot()
        mask = snap.mask(f, as_of)
        matched = np.zeros(snap.n, dtype=bool)
        vec = kw = (np.zeros(0, dtype=np.int64), None, None)
        if mode != "keyword" and snap.dim:
            q = self.embedder.embed([text])[0]
            if q.shape[0] != snap.dim:
                raise InvalidArgument(f"model {self.embedder.name} gives {q.shape[0]}-d vectors, stored ones are "
                                      f"{snap.dim}-d")
            sims = np.full(snap.n, -np.inf, dtype=np.float32)
            for kind in f.kinds:
                a, b = snap.kind_blocks.get(kind, (0, 0))
                sims[a:b] = snap.matrix[a:b] @ q
            ok = sims >= MIN_SIMILARITY      # rows without a vector are zeros: similarity 0, never a match
            ok &= mask
            matched |= ok
            ranked = np.where(ok, sims, -np.inf)
            vec = (_top(ranked, int(ok.sum())), sims, None)
        if mode != "vector" and snap.n:
            scores, coverage = self._keyword(snap).scores(text)
            ok = scores > 0
            ok &= mask
            matched |= ok
            kw = (_top(np.where(ok, scores, -np.inf), int(ok.sum())), scores, coverage)
        return snap, matched, vec, kw

    def _ranked(self, text: str, f: Filters, mode: str, as_of: datetime):
        snap, matched, (vrows, vscore, _), (krows, kscore, kcover) = self._retrieve(text, f, mode, as_of)
        found: dict[int, dict] = {}
        for rank_no, r in enumerate(vrows, 1):
            found.setdefault(int(r), {})["v"] = (rank_no, float(vscore[r]))
        for rank_no, r in enumerate(krows, 1):
            found.setdefault(int(r), {})["k"] = (rank_no, float(kscore[r]), float(kcover[r]))
        cands = []
        for r, m in found.items():
            v, k = m.get("v", (None, None)), m.get("k", (None, None, None))
            cands.append(Candidate(snap.ids[r], snap.project_names[snap.project[r]], snap.kind_names[snap.kind[r]],
                                   snap.value("created_at", r), int(snap.votes[r]), v[0], v[1], k[0], k[1], k[2]))
        return snap, rank(cands, now=as_of, params=self.params), int(matched.sum())

    def _hit(self, snap: Snapshot, s, f: Filters) -> Hit:
        c = s.candidate
        r = snap.row_of[c.id]
        content = snap.value("content", r) or ""
        matched = {}
        if c.vector_rank is not None:
            matched["vector"] = {"rank": c.vector_rank, "similarity": round(c.vector_score, 4)}
        if c.keyword_rank is not None:
            matched["keyword"] = {"rank": c.keyword_rank, "bm25": round(c.keyword_score, 4),
                                  "coverage": round(c.keyword_coverage, 3)}
        scores = {"vector": c.vector_score, "keyword": c.keyword_score, "keyword_coverage": c.keyword_coverage,
                  "rrf": s.rrf, "decay": s.decay,
                  "vote_factor": s.vote_factor}
        explanation = {"matched_by": matched, "rrf_k": self.params.rrf_k,
                       "age_days": None if s.age_days is None else round(s.age_days, 2), "decay": round(s.decay, 4),
                       "votes": c.votes, "vote_factor": round(s.vote_factor, 4), "filters": f.as_dict()}
        attrs = snap.value("attrs", r)
        return Hit(c.id, c.kind, c.project, snap.value("title", r),
                   content if len(content) <= SNIPPET_CHARS else content[:SNIPPET_CHARS - 1] + "…",
                   snap.tags_of(r), snap.session_names[snap.session[r]], c.created_at, c.votes,
                   json.loads(attrs) if isinstance(attrs, str) else (attrs or {}), s.score, scores, explanation)


def _top(values: np.ndarray, available: int) -> np.ndarray:
    """Row numbers of the POOL largest finite values, best first (ties by row, i.e. by id)."""
    k = min(POOL, available)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-values, k - 1)[:k] if k < len(values) else np.arange(len(values))
    return part[np.lexsort((part, -values[part]))]


def _as_list(v) -> list:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def _check_query(query) -> tuple[str, bool]:
    if not isinstance(query, str) or not query.strip():
        raise InvalidArgument("empty search query: give some words to search for")
    text = " ".join(query.split())
    if len(text) > MAX_QUERY_CHARS:
        log.warning("search query cut to %d characters (was %d)", MAX_QUERY_CHARS, len(text))
        return text[:MAX_QUERY_CHARS], True
    return text, False


def memory_stats(analytics, model: str) -> dict:
    by_kind = analytics.rows("SELECT kind, count(*), min(created_at), max(created_at) FROM documents "
                             "GROUP BY kind ORDER BY kind")
    by_project = analytics.rows("SELECT coalesce(project, ''), kind, count(*) FROM documents GROUP BY ALL "
                                "ORDER BY 1, 2")
    models = analytics.rows("SELECT model, count(*) FROM embeddings GROUP BY model ORDER BY model")
    pending = analytics.rows(
        "SELECT count(*), count(DISTINCT content_hash) FROM documents d WHERE NOT EXISTS "
        "(SELECT 1 FROM embeddings e WHERE e.content_hash = d.content_hash AND e.model = ?)", [model])[0]
    projects: dict = {}
    for p, k, n in by_project:
        projects.setdefault(p or None, {})[k] = n
    return {"documents": sum(r[1] for r in by_kind),
            "by_kind": {k: {"count": n, "oldest": lo, "newest": hi} for k, n, lo, hi in by_kind},
            "by_project": projects, "model": model, "embeddings_by_model": dict(models),
            "pending_documents": pending[0], "pending_texts": pending[1]}
