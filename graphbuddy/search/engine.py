"""Hybrid search over the `documents` table: vector similarity + BM25, fused by reciprocal rank fusion.

Documents, their vectors and the BM25 postings are held in RAM as a snapshot (`snapshot.py`), brought up to
date with the rows that changed when `AnalyticsStore.generation` says `documents` or `embeddings` were
written. Cosine is exact brute force over a cached float32 matrix, read through an fp16 copy first
(`vectors.py`: ~1.3-2 ms at 100k x 384, a plain float32 scan ~3-8 ms, DuckDB's array_cosine_similarity ~60 ms),
and filters are boolean masks over the same rows, so a query costs little beyond embedding its own text.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import numpy as np
from ..errors import InvalidArgument, NotFound
from .cursor import Cursor, decode_cursor, query_key, shown_key
from .documents import CODE_KIND, MEMORY_KINDS
from .embed import MAX_CHARS, EmbedReport, dimension_mismatch, embed_and_store, embed_pending
from .ranking import Candidate, RankParams, Scored, age_days, age_days_us, score_columns
from .snapshot import COMPACT_MIN, Snapshot, _member
from .vectors import kth_largest
from .timephrase import parse_since, parse_until, utc_now

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000       # longer queries are cut (and the page says so): the model reads 256 tokens
MAX_LIMIT = 100
POOL = 100                   # candidates per retriever: fixed, so pages of one query come from one ranking
MIN_SIMILARITY = 0.2         # a vector hit below this cosine is noise, not a match (counts in `total`)
MODES = ("hybrid", "vector", "keyword")
ALL_KINDS = MEMORY_KINDS + (CODE_KIND,)
SNIPPET_CHARS = 300
_EPOCH, _ONE_US = datetime(1970, 1, 1), timedelta(microseconds=1)


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


def _mask(snap: Snapshot, f: Filters, as_of: datetime, session_members=()) -> np.ndarray:
    """Live rows passing the filters (and, for a cursor's later pages, not updated after its snapshot time).
    Read-only: without filters, the snapshot's own kind mask (no copy). `session_members`: ids of the memories
    captured in `f.session_id` (a row names only the first session its memory was captured in)."""
    conditions = []
    if snap.n and _ts(as_of) + 1e-6 < snap.updated_max:
        conditions.append(snap.updated <= _ts(as_of) + 1e-6)
    if f.projects is not None:
        conditions.append(_member(snap.project, snap.project_names, f.projects))
    if f.session_id is not None:
        in_session = _member(snap.session, snap.session_names, (f.session_id,))
        in_session[[snap.row_of[i] for i in session_members if i in snap.row_of]] = True
        conditions.append(in_session)
    for tag in f.tags or ():
        has = np.zeros(snap.n, dtype=bool)
        has[snap.tag_rows.get(tag, np.zeros(0, dtype=np.int64))] = True
        conditions.append(has)
    if f.since is not None:
        conditions.append(snap.created >= _ts(f.since))
    if f.until is not None:
        conditions.append(snap.created < _ts(f.until))
    m = snap.kind_mask(f.kinds)
    for i, condition in enumerate(conditions):
        m = m & condition if i == 0 else np.logical_and(m, condition, out=m)
    return m


def _ts(moment: datetime) -> float:
    """Naive datetimes in the store are UTC; `datetime.timestamp()` alone would read them as local time."""
    return moment.replace(tzinfo=timezone.utc).timestamp() if moment.tzinfo is None else moment.timestamp()


class Searcher:
    """Search over one store's documents with one embedder. Thread-safe; one per `GraphBuddy`."""

    def __init__(self, analytics, embedder, *, params: RankParams = RankParams(), known_projects=None,
                 session_members=None, progress=None):
        self.progress = progress or (lambda: None)     # -> the caller's progress(stage, done, total), or None
        self.analytics = analytics
        self.embedder = embedder
        self.params = params
        self._known_projects = known_projects or (lambda: [])
        self._session_members = session_members or (lambda session_id: [])     # -> memory ids (CAPTURED_IN)
        self._snap: Snapshot | None = None
        self._lock = threading.RLock()

    # -- embeddings --------------------------------------------------------------------------------------
    def embed_pending(self, kinds=None) -> EmbedReport:
        """`kinds`: one kind or several (None: every kind)."""
        kinds = _check_kinds(kinds) or None
        with self._lock:
            return embed_pending(self.analytics, self.embedder, kinds=kinds, progress=self.progress())

    def _current(self, kinds: tuple[str, ...] | None, *, embed: bool, keyword: bool) -> Snapshot:
        """The snapshot brought up to date; with `embed`, texts of those kinds that have no vector yet are
        embedded first (found in the snapshot itself: no query over the tables); with `keyword`, its BM25
        postings are ready. One lock, so a search never mixes two snapshot versions."""
        with self._lock:
            snap = self._refresh()
            if embed and kinds is not None:
                missing = snap.missing_vectors(kinds)
                if len(missing):
                    snap = self._embed_rows(snap, missing)
            if keyword and snap.keyword is None:
                before = self.analytics.generation
                snap.with_keyword(self.analytics)
                if snap.generation == before:   # only the index rebuild wrote: the snapshot is still current
                    snap.generation = self.analytics.generation
            return snap

    def _refresh(self) -> Snapshot:
        gen = self.analytics.generation
        if self._snap is None:
            self._snap = Snapshot.load(self.analytics, self.embedder.name, gen)
        elif self._snap.generation != gen:
            self._snap = self._snap.refreshed(self.analytics, gen)
        return self._snap

    def _embed_rows(self, snap: Snapshot, rows: np.ndarray) -> Snapshot:
        hashes = snap.values("content_hash", rows)
        texts: dict[str, str] = {}
        for h, text in zip(hashes, snap.values("content", rows)):
            if h and h not in texts:               # a row without its hash breaks the contract: not embeddable
                texts[h] = (text or "")[:MAX_CHARS]
        if not texts:
            return snap
        before = self.analytics.generation
        vectors, inserts, _ = embed_and_store(self.analytics, self.embedder, list(texts), list(texts.values()),
                                              self.progress())
        if self.analytics.generation == before + inserts and snap.generation == before:
            # only our insert happened: the rows with these texts (of any kind) get their vectors
            waiting = np.flatnonzero(snap.alive & ~snap.has_vector)
            hashes = snap.values("content_hash", waiting)
            rows = np.asarray([r for r, h in zip(waiting.tolist(), hashes) if h in texts], dtype=np.int64)
            if len(rows) > COMPACT_MIN:          # a bulk embedding: let the refresh decide (a full load, likely)
                return self._refresh()
            position = {h: i for i, h in enumerate(texts)}
            new = snap.with_vectors(self.analytics.generation, rows,
                                    vectors[[position[h] for h in hashes if h in texts]])
            if new is None:                      # main rows: re-read them, now with their vectors
                new = snap.applied(self.analytics, self.analytics.generation, dead=rows,
                                   fetch=[snap.ids[r] for r in rows.tolist()],
                                   vector_count=snap.vector_count + len(texts))
                new.scan_hashes = snap.scan_hashes            # vectors do not change the rows' hashes
            self._snap = new
            return new
        return self._refresh()

    def snapshot(self) -> Snapshot:
        return self._current(None, embed=False, keyword=False)

    # -- search ------------------------------------------------------------------------------------------
    def search(self, query: str, *, kinds=None, projects=None, tags=None, session_id=None, since=None,
               until=None, limit: int = 10, cursor: str | None = None, mode: str = "hybrid") -> Page:
        text, truncated = _check_query(query)
        _check_mode(mode)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidArgument(f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}")
        now = utc_now()
        filters = self._filters(kinds, projects, tags, session_id, since, until, now=now)
        # the fingerprint holds the time phrases as given: resolved, "last week" names another moment on every
        # call (and "today" another day after midnight), so the next page was refused as another query
        given = {k: v for k, v in (("since", since), ("until", until)) if v is not None}
        key = query_key(q=text, mode=mode, **{**filters.as_dict(), **given})
        if cursor:
            pos = decode_cursor(cursor, query_key=key)
            # later pages read the phrases at the first page's time, as they read the documents as of then
            filters = replace(filters, since=parse_since(since, now=pos.as_of),
                              until=parse_until(until, now=pos.as_of))
        else:
            pos = Cursor(key, now, 0)
        snap, ranked, total = self._ranked(text, filters, mode, pos.as_of)
        if pos.shown is None:        # a cursor of the previous format: ranks [0, offset) were shown
            pos = Cursor(key, pos.as_of).after(b"".join(map(shown_key, ranked.ids(range(pos.offset)))))
        ranks, more = ranked.unseen(pos.shown_keys(), limit)
        rows, page = ranked.page(ranks)
        nxt = pos.after(b"".join(shown_key(s.candidate.id) for s in page)).encode() if more else None
        columns = snap.columns(("title", "content", "tags", "attrs"), rows)
        applied = filters.as_dict()
        hits = [self._hit(snap, r, s, applied, *values) for r, s, *values in zip(rows, page, *columns.values())]
        return Page(text, mode, hits, total, nxt, pos.as_of, truncated, filters.as_dict())

    def summary(self, query: str, **kw) -> dict:
        text, truncated = _check_query(query)
        mode = kw.pop("mode", "hybrid")
        _check_mode(mode)
        filters = self._filters(kw.get("kinds"), kw.get("projects"), kw.get("tags"), kw.get("session_id"),
                                kw.get("since"), kw.get("until"))
        snap, matched, _, _ = self._retrieve(text, filters, mode, utc_now())
        rows = np.flatnonzero(matched)
        by_project, by_kind, by_tag = {}, {}, {}
        for r in rows:
            p, k = snap.project_names[snap.project[r]], snap.kind_names[snap.kind[r]]
            p = p or ""           # no project: "" as in memory stats (a None key became "None" in MCP, "null" in --json)
            by_project[p] = by_project.get(p, 0) + 1
            by_kind[k] = by_kind.get(k, 0) + 1
            for t in snap.tags_of(r):
                by_tag[t] = by_tag.get(t, 0) + 1
        order = lambda d: dict(sorted(d.items(), key=lambda kv: (-kv[1], str(kv[0]))))  # noqa: E731
        return {"query": text, "mode": mode, "total": len(rows), "by_project": order(by_project),
                "by_kind": order(by_kind), "by_tag": order(by_tag), "query_truncated": truncated,
                "filters": filters.as_dict()}

    def _filters(self, kinds, projects, tags, session_id, since, until, *, now: datetime | None = None) -> Filters:
        kinds = _check_kinds(kinds) or MEMORY_KINDS
        projects = _as_list(projects)
        if projects:
            # projects of live rows only: the snapshot's names also hold removed projects (never forgotten)
            known = set(self._known_projects()) | self.snapshot().live_projects()
            unknown = sorted(set(projects) - known)
            if unknown:
                raise NotFound(f"unknown project(s) {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(p for p in known if p)) or 'none'}")
        now = now or utc_now()
        s, u = parse_since(since, now=now), parse_until(until, now=now)
        if s is not None and u is not None and s >= u:
            raise InvalidArgument(f"empty time range: since {s:%Y-%m-%d %H:%M} is not before until {u:%Y-%m-%d %H:%M}")
        # tags are stored stripped and lower-cased (memory.store.clean_tags): compare them the same way
        tags = tuple(dict.fromkeys(t for t in (str(x).strip().lower() for x in _as_list(tags)) if t))
        return Filters(kinds, tuple(projects) if projects else None, tags or None, session_id, s, u)

    def _retrieve(self, text: str, f: Filters, mode: str, as_of: datetime):
        """(snapshot, matched mask, vector pool, keyword pool) under the filters; a pool is (rows best first,
        their scores, their keyword coverage or None)."""
        snap = self._current(f.kinds, embed=mode != "keyword", keyword=mode != "vector")
        members = self._session_members(f.session_id) if f.session_id is not None else ()
        mask = _mask(snap, f, as_of, members)
        matched = None
        vec = kw = (np.zeros(0, dtype=np.int64), None, None)
        if mode != "keyword" and snap.dim:
            q = self.embedder.embed([text])[0]
            if q.shape[0] != snap.dim:
                raise dimension_mismatch(self.embedder.name, q.shape[0], snap.dim)
            # rows without a vector score 0: never a match
            matched, best, sims = snap.vector_matches(q, mask, f.kinds, threshold=MIN_SIMILARITY, pool=POOL)
            order = _pool(best, sims, snap.ids)
            vec = (best[order], sims[order], None)
        if mode != "vector" and snap.n:
            scores, hit, coverage = snap.keyword.scores(text)
            hit &= mask                            # a positive float64 BM25 score stays positive in float32
            rows = np.flatnonzero(hit)
            matched = hit if matched is None else np.logical_or(matched, hit, out=matched)
            values = scores[rows].astype(np.float32)
            order = _pool(rows, values, snap.ids)
            kw = (rows[order], values[order], coverage(rows[order]))
        return snap, np.zeros(snap.n, dtype=bool) if matched is None else matched, vec, kw

    def _ranked(self, text: str, f: Filters, mode: str, as_of: datetime):
        snap, matched, (vrows, vscore, _), (krows, kscore, kcover) = self._retrieve(text, f, mode, as_of)
        vector = {r: (n, s) for n, (r, s) in enumerate(zip(vrows.tolist(), vscore.tolist()), 1)} if len(vrows) else {}
        keyword = {r: (n, s, c) for n, (r, s, c) in enumerate(zip(krows.tolist(), kscore.tolist(),
                                                                  kcover.tolist()), 1)} if len(krows) else {}
        rows = list(vector) + [r for r in keyword if r not in vector]
        return snap, _Ranking(snap, rows, vector, keyword, as_of, self.params), int(np.count_nonzero(matched))

    def _hit(self, snap: Snapshot, r: int, s, filters: dict, title, content, tags, attrs) -> Hit:
        c = s.candidate
        content = content or ""
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
                       "votes": c.votes, "vote_factor": round(s.vote_factor, 4), "filters": dict(filters)}
        return Hit(c.id, c.kind, c.project, title,
                   content if len(content) <= SNIPPET_CHARS else content[:SNIPPET_CHARS - 1] + "…",
                   tuple(tags or ()), snap.session_names[snap.session[r]], c.created_at, c.votes,
                   _attrs(attrs), s.score, scores, explanation)


class _Ranking:
    """The fused candidates of one search, scored by `ranking.score_columns` (the arithmetic of
    `ranking.rank`) and sorted best first, ties by id; `Candidate` and `Scored` objects are built only for the
    page asked for (a search ranks ~200 candidates to show 10)."""

    def __init__(self, snap: Snapshot, rows: list[int], vector: dict, keyword: dict, now: datetime,
                 params: RankParams):
        at = np.asarray(rows, dtype=np.int64)
        kinds = snap.kind[at].tolist()
        votes = snap.votes[at].tolist()
        undated = {i for i, name in enumerate(snap.kind_names) if name in params.undated_kinds}
        micros = snap.created_micros(at)
        if micros is None:                     # not microsecond timestamps: through datetimes, as `rank` does
            ages = [None if c is None or k in undated else age_days(now, c)
                    for c, k in zip(snap.created_at(at), kinds)]
        else:
            now_us = (now - _EPOCH) // _ONE_US
            ages = [None if u is None or k in undated else age_days_us(now_us, u) for u, k in zip(micros, kinds)]
        no_vector, no_keyword = (None, None), (None, None, None)
        self._vector = [vector.get(r, no_vector) for r in rows]
        self._keyword = [keyword.get(r, no_keyword) for r in rows]
        self._parts = score_columns([v[0] for v in self._vector], [k[0] for k in self._keyword],
                                    [k[2] for k in self._keyword], ages, votes, params)
        ids = snap.ids            # (-score, id, position) tuples compared in C; ids are distinct
        self._order = [i for _, _, i in sorted(zip([-p[3] for p in self._parts], [ids[r] for r in rows],
                                                   range(len(rows))))]
        self._snap, self._rows, self._kinds, self._votes, self._ages = snap, rows, kinds, votes, ages

    def __len__(self) -> int:
        return len(self._rows)

    def ids(self, ranks) -> list[str]:
        ids, rows, order = self._snap.ids, self._rows, self._order
        return [ids[rows[order[n]]] for n in ranks if n < len(order)]

    def unseen(self, shown: frozenset[bytes], limit: int) -> tuple[list[int], bool]:
        """The ranks of the next page: the first `limit` whose document is not in `shown` (the `shown_key`s of
        the hits of earlier pages), and whether any other is left after them."""
        if not shown:                # page one
            return list(range(min(limit, len(self._order)))), limit < len(self._order)
        ranks = []
        for n, doc_id in enumerate(self.ids(range(len(self._order)))):
            if shown_key(doc_id) not in shown:
                if len(ranks) == limit:
                    return ranks, True
                ranks.append(n)
        return ranks, False

    def page(self, ranks: list[int]) -> tuple[list[int], list[Scored]]:
        """(snapshot rows, scored candidates) of these ranks."""
        snap, at = self._snap, [self._order[n] for n in ranks]
        rows = [self._rows[i] for i in at]
        project = snap.project[np.asarray(rows, dtype=np.int64)].tolist()
        out = []
        for i, r, p, created in zip(at, rows, project, snap.created_at(rows)):
            c = Candidate(snap.ids[r], snap.project_names[p], snap.kind_names[self._kinds[i]], created,
                          self._votes[i], *self._vector[i], *self._keyword[i])
            rrf, decay, vote, score = self._parts[i]
            out.append(Scored(c, rrf, decay, self._ages[i], vote, score))
        return rows, out


def _pool(rows: np.ndarray, values: np.ndarray, ids: list[str]) -> np.ndarray:
    """Positions in `rows` of the POOL rows of largest value, best first, equal values by id: the pool and its
    order do not depend on where a row sits in the snapshot (appended rows, compaction)."""
    k = min(POOL, len(rows))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    at = np.arange(len(rows))
    if k < len(rows):
        edge = kth_largest(values, k)
        at = np.flatnonzero(values >= edge)       # the k best and every row tied with the last of them
    # (-value, id, position) tuples: compared in C, without a key function (ids are distinct: positions are
    # never compared)
    best = sorted(zip((-values[at]).tolist(), [ids[r] for r in rows[at].tolist()], at.tolist()))[:k]
    return np.asarray([i for _, _, i in best], dtype=np.int64)


def _attrs(attrs) -> dict:
    if isinstance(attrs, str):
        return {} if attrs == "{}" else json.loads(attrs)    # most memories have none: no cold JSON decoder
    return attrs or {}


def _check_mode(mode) -> None:
    if mode not in MODES:
        raise InvalidArgument(f"unknown search mode {mode!r}: use {', '.join(MODES)}")


def _check_kinds(kinds) -> tuple[str, ...]:
    """One kind or several as a tuple (empty: none given); an unknown one is an error naming the known ones."""
    kinds = tuple(_as_list(kinds))
    bad = sorted(set(kinds) - set(ALL_KINDS))
    if bad:
        raise InvalidArgument(f"unknown kind(s) {', '.join(bad)}: use {', '.join(ALL_KINDS)}")
    return kinds


def _as_list(v) -> list:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def _check_query(query) -> tuple[str, bool]:
    if not isinstance(query, str) or not query.strip():
        raise InvalidArgument("empty search query: give some words to search for")
    text = " ".join(query.split())
    if not text.isascii():          # ASCII (most queries) is UTF-8: no encoding pass
        text = _valid_utf8(text)
    if len(text) > MAX_QUERY_CHARS:
        log.warning("search query cut to %d characters (was %d)", MAX_QUERY_CHARS, len(text))
        return text[:MAX_QUERY_CHARS], True
    return text, False


def _valid_utf8(text: str) -> str:
    """A non-UTF-8 byte of argv reaches Python as a lone surrogate, which the model's tokenizer refuses (a raw
    TypeError): the bytes are read as UTF-8 with replacement characters, as git ingestion reads messages."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:          # a surrogate that stands for no byte
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "replace")


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
