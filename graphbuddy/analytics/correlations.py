"""Correlations of work measures, computed from the stored data (never constants).

Three pairs, each over the samples the named queries return:
- quality vs commit velocity: per project-day with a quality checkpoint, mean score vs commits that day
  (0 when none) (`analytics.daily_work`);
- conventional compliance vs quality: the same days, restricted to days with at least one commit;
- session length vs quality delta: per ended session, minutes vs quality_end - quality_start
  (`sessions.durations`; when a session lacks quality fields, its first/last checkpoint scores).

Pearson r and Spearman rho with two-sided p-values (scipy.stats), labelled by |Pearson r|:
< 0.1 negligible, < 0.3 weak, < 0.5 moderate, >= 0.5 strong (Cohen's bands). Fewer than `MIN_SAMPLES`
pairs gives status "not enough data"; a series without variation gives "no variation"; no numbers then.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import asdict, dataclass

MIN_SAMPLES = 5
STRENGTH_BANDS = ((0.1, "negligible"), (0.3, "weak"), (0.5, "moderate"), (math.inf, "strong"))


@dataclass(frozen=True)
class Correlation:
    name: str                   # e.g. quality_vs_velocity
    x: str
    y: str
    unit: str                   # what one sample is: "day", "session"
    project: str | None
    n: int
    status: str                 # ok | not enough data | no variation
    pearson_r: float | None = None
    pearson_p: float | None = None
    spearman_rho: float | None = None
    spearman_p: float | None = None
    strength: str | None = None
    direction: str | None = None    # positive | negative | none (negligible)

    def as_dict(self) -> dict:
        return asdict(self)

    def sentence(self) -> str:
        where = f" for {self.project}" if self.project else ""
        head = f"{self.y} vs {self.x} (per {self.unit}{where})"
        if self.status != "ok":
            return f"{head}: {self.status} (n={self.n}, minimum {MIN_SAMPLES})"
        rel = "no correlation" if self.direction == "none" else f"{self.strength} {self.direction} correlation"
        return (f"{head}: {rel}, Pearson r={self.pearson_r:+.3f} (p={self.pearson_p:.3g}), "
                f"Spearman rho={self.spearman_rho:+.3f} (p={self.spearman_p:.3g}), n={self.n}")


def strength_label(r: float) -> str:
    return next(label for bound, label in STRENGTH_BANDS if abs(r) < bound)


def correlate(name: str, xs: list[float], ys: list[float], *, x: str, y: str, unit: str,
              project: str | None = None) -> Correlation:
    """Pearson and Spearman over paired samples (pairs with a missing value are dropped)."""
    pairs = [(float(a), float(b)) for a, b in zip(xs, ys) if a is not None and b is not None
             and not (isinstance(a, float) and math.isnan(a)) and not (isinstance(b, float) and math.isnan(b))]
    base = dict(name=name, x=x, y=y, unit=unit, project=project, n=len(pairs))
    if len(pairs) < MIN_SAMPLES:
        return Correlation(**base, status="not enough data")
    a, b = zip(*pairs)
    if len(set(a)) < 2 or len(set(b)) < 2:
        return Correlation(**base, status="no variation")
    from scipy import stats

    pr = stats.pearsonr(a, b)
    sr = stats.spearmanr(a, b)
    r = float(pr.statistic)
    strength = strength_label(r)
    direction = "none" if strength == "negligible" else ("positive" if r > 0 else "negative")
    return Correlation(**base, status="ok", pearson_r=r, pearson_p=float(pr.pvalue),
                       spearman_rho=float(sr.statistic), spearman_p=float(sr.pvalue), strength=strength,
                       direction=direction)


def compute_correlations(gb, *, project: str | None = None, since: dt.datetime | None = None) -> list[Correlation]:
    days = gb.query("analytics.daily_work", project=project, since=since).rows()
    sessions = gb.query("sessions.durations", project=project, since=since).rows()
    spans = {r["session_id"]: r for r in gb.query("analytics.session_checkpoints", project=project,
                                                  since=since).rows()}
    deltas = []
    for s in sessions:
        delta = s["quality_delta"]
        if delta is None and s["session"] in spans:
            span = spans[s["session"]]
            delta = span["last_score"] - span["first_score"] if span["checkpoints"] > 1 else None
        deltas.append(delta)
    with_commits = [d for d in days if d["commits"] > 0]
    return [
        correlate("quality_vs_velocity", [d["commits"] for d in days], [d["quality"] for d in days],
                  x="commits per day", y="quality", unit="day", project=project),
        correlate("quality_vs_compliance", [d["compliance"] for d in with_commits],
                  [d["quality"] for d in with_commits], x="conventional-commit compliance", y="quality",
                  unit="day", project=project),
        correlate("quality_delta_vs_session_length", [s["minutes"] for s in sessions], deltas,
                  x="session minutes", y="quality delta", unit="session", project=project),
    ]


def store_correlations(gb, correlations: list[Correlation], *, now: dt.datetime | None = None) -> list[str]:
    """Computed correlations become Insight nodes (type `correlation`, dated) mirrored as `documents` rows.

    The id is the sha256 of the dated sentence: re-running on the same day with the same data rewrites the
    same insight instead of adding a copy. Returns the ids written.
    """
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ids = []
    done = [c for c in correlations if c.status == "ok"]
    if not done:
        return ids
    projects = {p["project"] for p in gb.projects()}
    with gb.graph.transaction():
        for c in done:
            content = f"{now.date().isoformat()}: {c.sentence()}"
            iid = hashlib.sha256(content.strip().lower().encode()).hexdigest()
            props = {"id": iid, "p": c.project, "c": content, "t": ["correlation", c.name], "conf": 1 - c.pearson_p,
                     "at": now}
            gb.graph.execute("MERGE (i:Insight {id: $id}) SET i.project = $p, i.content = $c, i.type = 'correlation', "
                             "i.topics = $t, i.confidence = $conf, i.created_at = $at", props)
            if c.project in projects:
                gb.graph.execute("MATCH (i:Insight {id: $id}), (p:Project {id: $p}) MERGE (i)-[:ABOUT {how: "
                                 "'correlation'}]->(p)", {"id": iid, "p": c.project})
            ids.append((iid, c, content))
    with gb.analytics.transaction():
        for iid, c, content in ids:
            gb.analytics.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, 'insight', ?, NULL, ?, ?, ?, ?, ?, ?, 0, ?)",
                [iid, c.project, ["correlation", c.name], f"{c.y} vs {c.x}", content,
                 hashlib.sha256(content.encode()).hexdigest(), now, now, json.dumps(c.as_dict())])
    return [iid for iid, _, _ in ids]
