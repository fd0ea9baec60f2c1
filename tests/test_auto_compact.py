"""Automatic compaction after index runs, on real Kùzu and DuckDB: when it runs (the policy and its
baseline), that it keeps every row, that a failed one leaves the run as it was, and what the CLI shows.

Also the regression that shaped the baseline: a CHECKPOINT statement between index runs in one process
crashed Kùzu 0.11.3 (segfault in the next cross-project link scan), so nothing checkpoints between runs."""
from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.store.compact import BASELINE_KEY as COMPACT_BASELINE
from graphbuddy.errors import InvalidArgument
from graphbuddy.store.compact import TARGET_SUFFIX, AutoCompact, graph_bytes

from clirun import run_cli
from test_compact import PRICING, _state_matches_graph, full_dump

MB = 2 ** 20
EVERY_GROWTH = AutoCompact(factor=1.0, min_growth=0)     # compact after any run that grew the file


def edit(project, n: int = 1) -> None:
    f = project / PRICING
    f.write_text(f.read_text() + f"\n\ndef added_{n}():\n    return {n}\n")


def lasting(dump: dict) -> dict:
    """`full_dump` without the timestamps a run writes (two runs of one edit differ only there)."""
    return {k: v if k.startswith("ddl ") else sorted(r for r in v if "datetime.datetime(" not in r) for k, v in
            dump.items()} | {f"{k} timestamps": len([r for r in v if "datetime.datetime(" in r]) for k, v in
                              dump.items() if not k.startswith("ddl ")}


def test_policy_factor_and_minimum_growth():
    policy = AutoCompact(factor=4.0, min_growth=64 * MB)
    assert not policy.due(399 * MB, 100 * MB) and policy.due(400 * MB, 100 * MB)
    assert not policy.due(60 * MB, 10 * MB)                   # 6x, but only 50 MB more
    assert policy.due(74 * MB, 10 * MB)
    assert not AutoCompact(factor=0).due(10 ** 12, 1)
    assert AutoCompact.from_env({}) == AutoCompact(4.0, 64 * MB)
    assert AutoCompact.from_env({"GRAPHBUDDY_AUTO_COMPACT": "off"}).factor == 0
    assert AutoCompact.from_env({"GRAPHBUDDY_AUTO_COMPACT": "2.5", "GRAPHBUDDY_AUTO_COMPACT_MIN_MB": "1"}) == \
        AutoCompact(2.5, MB)
    for env in ({"GRAPHBUDDY_AUTO_COMPACT": "often"}, {"GRAPHBUDDY_AUTO_COMPACT": "0.5"},
                {"GRAPHBUDDY_AUTO_COMPACT_MIN_MB": "-3"}):
        with pytest.raises(InvalidArgument):
            AutoCompact.from_env(env)


def test_baseline_is_the_size_a_run_first_found_then_each_compaction(tmp_path, project_copy):
    store = tmp_path / "store"
    graph = store / "graph.kuzu"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        assert gb.analytics.meta(COMPACT_BASELINE) is None             # a new file: nothing to go by
    found = graph_bytes(graph)                                         # checkpointed at close
    with graphbuddy.open(store) as gb:
        edit(project_copy)
        gb.index(project_copy, project="sample")
        assert int(gb.analytics.meta(COMPACT_BASELINE)) == found
        shutil.copytree(project_copy, tmp_path / "other")
        gb.index(tmp_path / "other", project="other")
        gb.index(project_copy, project="sample", full=True)
        assert int(gb.analytics.meta(COMPACT_BASELINE)) == found       # growth, new data or waste
        report = gb.compact()
        assert int(gb.analytics.meta(COMPACT_BASELINE)) == report.bytes_after


def test_an_index_run_compacts_once_grown_and_keeps_what_a_run_without_gives(tmp_path, project_copy):
    store = tmp_path / "store"
    for full in (False, True, True, True):                     # grow the file: rebuilds, each closed
        with graphbuddy.open(store, auto_compact=0) as gb:
            gb.index(project_copy, project="sample", full=full)
    with graphbuddy.open(store) as gb:
        gb.analytics.set_meta(COMPACT_BASELINE, str(graph_bytes(store / "graph.kuzu") // 2))
    twin = tmp_path / "twin"
    shutil.copytree(store, twin)
    edit(project_copy)
    with graphbuddy.open(twin, auto_compact=0) as gb:          # the same run, never compacting
        plain = gb.index(project_copy, project="sample")
        assert plain.compaction is None
        expected = lasting(full_dump(gb))
    with graphbuddy.open(store, auto_compact=EVERY_GROWTH) as gb:
        size = graph_bytes(store / "graph.kuzu")
        report = gb.index(project_copy, project="sample")
        c = report.compaction
        assert c is not None and c.bytes_before >= size > c.bytes_after
        assert report.as_dict()["compaction"]["bytes_after"] == c.bytes_after
        assert (report.mode, report.files_parsed, report.calls) == (plain.mode, plain.files_parsed, plain.calls)
        assert lasting(full_dump(gb)) == expected
        assert int(gb.analytics.meta(COMPACT_BASELINE)) == c.bytes_after
        assert _state_matches_graph(gb)
        assert gb.index(project_copy, project="sample").mode == "unchanged"
        edit(project_copy, 2)
        assert gb.index(project_copy, project="sample").files_parsed == 1      # a delta, not a rebuild


def test_a_failed_compaction_leaves_the_run_and_waits_for_more_growth(tmp_path, project_copy, caplog):
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        edit(project_copy, 0)
        gb.index(project_copy, project="sample")                      # the baseline: what this run found
    blocker = store / ("graph.kuzu" + TARGET_SUFFIX)           # what a compaction must clear first: unremovable
    blocker.mkdir()
    (blocker / "x").write_text("x")
    edit(project_copy)
    with graphbuddy.open(store, auto_compact=EVERY_GROWTH) as gb:
        report = gb.index(project_copy, project="sample")
        assert report.mode == "delta" and report.files_parsed == 1 and report.compaction is None
        assert "automatic compaction failed, the graph is unchanged" in caplog.text
        assert int(gb.analytics.meta(COMPACT_BASELINE)) == graph_bytes(store / "graph.kuzu")     # backs off
        assert _state_matches_graph(gb)
        assert "added_1" in {r["name"] for r in gb.cypher("MATCH (f:Function) RETURN f.name AS name").rows()}
    with graphbuddy.open(store) as gb:
        assert gb.index(project_copy, project="sample").mode == "unchanged"


def test_cli_reports_the_compaction_in_text_and_json_and_refuses_a_bad_setting(tmp_path, project_copy,
                                                                                monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("GRAPHBUDDY_AUTO_COMPACT", "1")
    monkeypatch.setenv("GRAPHBUDDY_AUTO_COMPACT_MIN_MB", "0")
    out = run_cli("index", str(project_copy), "--project", "sample", "--json", store=store, check=True)
    assert json.loads(out.stdout)["compaction"] is None               # a new store: no baseline yet
    edit(project_copy, 0)
    out = run_cli("index", str(project_copy), "--project", "sample", "--json", store=store, check=True)
    assert json.loads(out.stdout)["compaction"] is None               # this run took the baseline
    edit(project_copy)
    out = run_cli("index", str(project_copy), "--project", "sample", "--json", store=store, check=True)
    data = json.loads(out.stdout)["compaction"]
    assert data["bytes_after"] < data["bytes_before"] and data["tables"] >= 20
    edit(project_copy, 2)
    lines = run_cli("index", str(project_copy), "--project", "sample", store=store, check=True).stdout.splitlines()
    assert lines[-1].startswith("  compacted ") and "GRAPHBUDDY_AUTO_COMPACT" in lines[-1]
    monkeypatch.setenv("GRAPHBUDDY_AUTO_COMPACT", "sometimes")
    bad = run_cli("index", str(project_copy), "--project", "sample", store=store)
    assert bad.returncode == InvalidArgument.exit_code and bad.stderr.strip().count("\n") == 0
    assert "GRAPHBUDDY_AUTO_COMPACT must be a number or off" in bad.stderr


def test_watch_line_names_the_compaction(tmp_path, project_copy):
    from graphbuddy.watch import WatchUpdate

    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        edit(project_copy, 0)
        gb.index(project_copy, project="sample")
    edit(project_copy)
    with graphbuddy.open(store, auto_compact=EVERY_GROWTH) as gb:
        report = gb.index(project_copy, project="sample")
    line = WatchUpdate(events=1, paths=(PRICING,), report=report, error=None, index_ms=5.0).line()
    assert "parsed 1" in line and "; compacted " in line and " MB -> " in line


def test_in_memory_and_switched_off_stores_never_compact(tmp_path, project_copy):
    with graphbuddy.open(memory=True, auto_compact=EVERY_GROWTH) as gb:
        assert gb.index(project_copy, project="sample").compaction is None
    store = tmp_path / "store"
    with graphbuddy.open(store, auto_compact=0) as gb:
        gb.index(project_copy, project="sample")
        gb.index(project_copy, project="sample", full=True)
        assert gb.index(project_copy, project="sample", full=True).compaction is None
        assert gb.analytics.meta(COMPACT_BASELINE) is None


def test_index_runs_of_several_projects_in_one_process(tmp_path):
    """Each a new project: the runs that crashed when each one was followed by a CHECKPOINT."""
    root = tmp_path / "multi"
    shutil.copytree(Path(__file__).parent / "fixtures" / "multi", root)
    with graphbuddy.open(tmp_path / "store", auto_compact=EVERY_GROWTH) as gb:
        for name in ("common-lib", "auth-service", "user-service", "api-types", "web-client", "legacy-tool"):
            gb.index(root / name, project=name)
        gb.index(root / "auth-service", project="auth-service", full=True)
        assert len(gb.projects()) == 6


def test_timestamps_filter_sees_datetimes():
    assert lasting({"T": [repr(sorted({"a": datetime(2026, 1, 1)}.items())), "x"]}) == {"T": ["x"], "T timestamps": 1}


def test_a_second_holder_in_this_process_skips_the_compaction_without_backing_off(tmp_path, project_copy):
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        gb.analytics.set_meta(COMPACT_BASELINE, "1")
    a = graphbuddy.open(store, auto_compact=EVERY_GROWTH)
    b = graphbuddy.open(store)
    try:
        b.graph.open()
        edit(project_copy)
        report = a.index(project_copy, project="sample")
        assert report.files_parsed == 1 and report.compaction is None
        assert a.analytics.meta(COMPACT_BASELINE) == "1"              # not moved: it tries again next run
    finally:
        b.close()
    edit(project_copy, 2)
    assert a.index(project_copy, project="sample").compaction is not None
    a.close()
