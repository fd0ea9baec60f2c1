"""Correlations are computed from the stored data: known sign and value on a constructed month."""
from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import rankdata

import graphbuddy
from graphbuddy.analytics import correlations as C
from graphbuddy.analytics import samples


@pytest.fixture
def team(team_repo):
    with graphbuddy.open(memory=True) as gb:
        gb.index(team_repo, project="team")          # a Project node, so insights get an ABOUT edge
        gb.ingest_git(team_repo, project="team")
        samples.add_team_month_work(gb, "team")
        yield gb


def _pearson(x, y) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def test_quality_vs_velocity_and_compliance_match_independent_computation(team):
    by_name = {c.name: c for c in team.correlations(project="team", store=False)}
    commits = [n for n, _, _ in samples.DAYS]
    quality = [q for _, _, q in samples.DAYS]
    v = by_name["quality_vs_velocity"]
    assert (v.status, v.n, v.direction, v.strength) == ("ok", 10, "negative", "strong")
    assert v.pearson_r == pytest.approx(_pearson(commits, quality))
    assert v.spearman_rho == pytest.approx(_pearson(rankdata(commits), rankdata(quality)))
    assert 0 < v.pearson_p < 0.01 and 0 < v.spearman_p < 0.01

    compliance = [c / n for n, c, _ in samples.DAYS]
    k = by_name["quality_vs_compliance"]
    assert (k.status, k.n, k.direction) == ("ok", 10, "positive")
    assert k.pearson_r == pytest.approx(_pearson(compliance, quality))

    minutes = [m for _, _, m, _, _ in samples.SESSIONS]
    deltas = [q1 - q0 for *_, q0, q1 in samples.SESSIONS]
    s = by_name["quality_delta_vs_session_length"]
    assert (s.status, s.n, s.direction) == ("ok", 7, "positive")
    assert s.pearson_r == pytest.approx(_pearson(minutes, deltas))


def test_changing_the_data_changes_the_result(team):
    before = {c.name: c.pearson_r for c in team.correlations(project="team", store=False)}
    # the quality of the two busiest days rises: the negative link weakens
    team.analytics.execute("UPDATE checkpoints SET score = 0.95 WHERE ts::DATE IN ('2026-10-09', '2026-10-12')")
    after = {c.name: c.pearson_r for c in team.correlations(project="team", store=False)}
    assert after["quality_vs_velocity"] > before["quality_vs_velocity"] + 0.5
    assert after["quality_delta_vs_session_length"] == before["quality_delta_vs_session_length"]


def test_below_the_minimum_sample_there_is_no_number(team):
    since = samples.START + dt.timedelta(days=len(samples.DAYS) - C.MIN_SAMPLES + 1)   # 4 days left
    result = {c.name: c for c in team.correlations(project="team", since=since)}
    v = result["quality_vs_velocity"]
    assert (v.status, v.n, v.pearson_r, v.strength) == ("not enough data", C.MIN_SAMPLES - 1, None, None)
    assert "not enough data" in v.sentence()
    assert team.query("memory.correlations").rows() == [] or all(
        "quality vs commits" not in r["content"] for r in team.query("memory.correlations").rows())


def test_a_constant_series_has_no_variation():
    c = C.correlate("x", [1, 2, 3, 4, 5, 6], [0.5] * 6, x="a", y="b", unit="day")
    assert (c.status, c.pearson_r) == ("no variation", None)


@pytest.mark.parametrize("r, label", [(0.0, "negligible"), (-0.099, "negligible"), (0.1, "weak"), (-0.29, "weak"),
                                      (0.3, "moderate"), (0.49, "moderate"), (0.5, "strong"), (-0.99, "strong")])
def test_strength_bands(r, label):
    assert C.strength_label(r) == label


def test_negligible_correlation_has_no_direction():
    xs = [1, 2, 3, 4, 5, 6, 7, 8]
    ys = [1, 3, 2, 4, 4, 2, 3, 1]             # symmetric around the middle of xs: r = 0
    c = C.correlate("x", xs, ys, x="a", y="b", unit="day")
    assert c.strength == "negligible" and c.direction == "none"
    assert abs(c.pearson_r) < 0.1


def test_correlations_are_stored_as_dated_insights_and_documents(team):
    team.correlations(project="team")
    team.correlations(project="team")                      # same day, same data: same ids, no copies
    rows = team.query("memory.correlations", project="team").rows()
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert len(rows) == 3 and all(r["content"].startswith(today) for r in rows)
    assert {t for r in rows for t in r["topics"]} >= {"correlation", "quality_vs_velocity"}
    docs = team.sql("SELECT id, kind, project, attrs FROM documents WHERE kind = 'insight'").rows()
    assert {d["id"] for d in docs} == {r["id"] for r in rows}
    velocity = next(json.loads(d["attrs"]) for d in docs if json.loads(d["attrs"])["name"] == "quality_vs_velocity")
    assert velocity["n"] == 10 and velocity["direction"] == "negative"
    about = team.cypher("MATCH (i:Insight)-[:ABOUT]->(p:Project) RETURN p.id AS p, count(*) AS n").rows()
    assert about == [{"p": "team", "n": 3}]
    topics = team.query("memory.insights_by_topic", topic="quality_vs_velocity").rows()
    assert len(topics) == 1


def test_session_quality_falls_back_to_checkpoints(tmp_path):
    with graphbuddy.open(memory=True) as gb:
        begin = dt.datetime(2026, 5, 1, 9)
        minutes = [10, 20, 40, 60, 90, 120]
        gains = [0.01, -0.02, 0.03, 0.05, 0.04, 0.10]
        ts, sid, score = [], [], []
        with gb.graph.transaction():
            for i, (m, g) in enumerate(zip(minutes, gains)):
                start = begin + dt.timedelta(days=i)
                gb.graph.execute("CREATE (:Session {id: $id, project: 'p', started_at: $s, ended_at: $e})",
                                 {"id": f"s{i}", "s": start, "e": start + dt.timedelta(minutes=m)})
                ts += [start, start + dt.timedelta(minutes=m)]
                sid += [f"s{i}", f"s{i}"]
                score += [0.5, 0.5 + g]
        gb.analytics.insert_arrow("checkpoints", pa.table({"session_id": sid, "project": ["p"] * len(ts),
                                                           "ts": ts, "score": score,
                                                           "components": ["{}"] * len(ts)}))
        [s] = [c for c in gb.correlations(store=False) if c.name == "quality_delta_vs_session_length"]
        assert s.n == 6 and s.pearson_r == pytest.approx(_pearson(minutes, gains))


def test_a_chart_that_cannot_be_written_is_a_one_line_error(tmp_path):
    # --chart into a folder that does not exist raised matplotlib's FileNotFoundError (an "internal error")
    from graphbuddy.errors import InvalidArgument

    with graphbuddy.open(memory=True) as gb:
        for name in ("w.png", "w.html"):
            target = tmp_path / "no" / "such" / name
            with pytest.raises(InvalidArgument, match=re.escape(f"cannot write the chart {target}")):
                gb.analytics_report(chart=target)
        (tmp_path / "taken.png").mkdir()
        with pytest.raises(InvalidArgument, match="cannot write the chart .*taken.png"):
            gb.analytics_report(chart=tmp_path / "taken.png")
        assert gb.analytics_report(chart=tmp_path / "w.svg")["chart"] == str(tmp_path / "w.svg")
