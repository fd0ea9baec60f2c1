"""Compaction on real Kùzu and DuckDB: every row kept, the index state still valid, kill -9 at each step leaves
the old graph or the new one, refused while another process holds the store."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.errors import InvalidArgument, StoreLocked
from graphbuddy.index.state import IndexState
from graphbuddy.store.compact import TARGET_SUFFIX

from clirun import REPO, run_cli

WORKER = Path(__file__).with_name("compact_worker.py")
PRICING = "shop/core/pricing.py"


def full_dump(gb) -> dict:
    """Every table's definition and every row with every property; rels with their end nodes' keys."""
    g = gb.graph
    out = {}
    for table, kind in g.tables():
        out[f"ddl {table}"] = g.create_statement(table)
        names = [name for name, _, _ in g.columns(table)]
        if kind == "NODE":
            queries = [f"MATCH (n:{table}) RETURN " + ", ".join(f"n.`{c}` AS `{c}`" for c in names)]
        else:
            queries = [f"MATCH (a:{src})-[r:{table}]->(b:{dst}) RETURN a.id AS `from`, b.id AS `to`"
                       + "".join(f", r.`{c}` AS `{c}`" for c in names) for src, dst in g.rel_pairs(table)]
        out[table] = sorted(repr(sorted(row.items())) for q in queries for row in gb.cypher(q).rows())
    return out


def _grown_store(tmp_path, project_copy) -> Path:
    """A store with the sample indexed, memory linked to its code (reflections, an insight, a session, teams,
    votes, a group), then re-indexed in full twice (the growth to take back)."""
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        session = gb.start_session(project_copy, project="sample", agent="test")
        r = gb.add_reflection("`apply_discount` rounds through round_cents; see shop/core/models.py:Order",
                              project="sample", tags=["money"], session_id=session.id)
        gb.capture_insights("`★ Insight ─────`\nA gotcha about `apply_discount` and `round_cents`.\n"
                            "`─────`\n", project="sample", session_id=session.id)
        gb.end_session(session.id, summary="pricing work")
        gb.create_team("core")
        gb.add_member("core", member="ann")
        gb.vote(r.id, member="ann")
        gb.share_reflection(r.id, team="core", by="ann")
        gb.create_group("shops")
        gb.add_to_group("sample", group="shops")
        for _ in range(2):
            gb.index(project_copy, project="sample", full=True)
        gb.index(project_copy, project="sample")          # settles: the next run is a no-change run
        assert gb.index(project_copy, project="sample").mode == "unchanged"
    return store


def _state_matches_graph(gb, project: str = "sample") -> bool:
    stamp = IndexState(gb.analytics).status(project).graph_stamp
    return stamp is not None and gb.graph.rows("MATCH (p:Project {id: $p}) RETURN p.indexed_at", {"p": project}) \
        == [[stamp]]


def test_compact_keeps_every_row_and_the_index_state(tmp_path, project_copy):
    store = _grown_store(tmp_path, project_copy)
    with graphbuddy.open(store) as gb:
        before = full_dump(gb)
        about = [row for row in before["ABOUT"] if "shop.core.pricing.apply_discount" in row]
        assert about, "memory must link into the code for this test"
        assert any("Insight" in k for k in before) and before["VOTED"] and before["SHARED_WITH"]
        related = [gb.find_related_code("shop.core.pricing.apply_discount", depth=2) for _ in range(2)]  # cached
        report = gb.compact()
        assert gb.find_related_code("shop.core.pricing.apply_discount", depth=2) == related[0] == related[1]
        assert report.bytes_after < report.bytes_before
        assert report.nodes + report.rels == sum(len(v) for k, v in before.items() if not k.startswith("ddl "))
        assert full_dump(gb) == before                                  # same process, reopened store
        assert _state_matches_graph(gb)
    assert not [p.name for p in store.iterdir() if TARGET_SUFFIX in p.name]
    with graphbuddy.open(store) as gb:                                  # a new opener
        assert full_dump(gb) == before
        assert gb.index(project_copy, project="sample").mode == "unchanged"
        (project_copy / PRICING).write_text((project_copy / PRICING).read_text() + "\n\ndef added():\n    return 1\n")
        delta = gb.index(project_copy, project="sample")
        assert (delta.mode, delta.files_parsed) == ("delta", 1)         # not a rebuild: the stamp still matches
        assert _state_matches_graph(gb)


def test_cli_compacts_with_one_line_and_json_then_index_is_a_no_change_run(tmp_path, project_copy):
    store = _grown_store(tmp_path, project_copy)
    with graphbuddy.open(store) as gb:
        before = full_dump(gb)
    out = run_cli("store", "compact", "--json", store=store, check=True)
    data = json.loads(out.stdout)
    assert data["bytes_after"] < data["bytes_before"] and data["seconds"] > 0 and data["tables"] >= 20
    text = run_cli("store", "compact", store=store, check=True).stdout.strip().splitlines()
    assert len(text) == 1 and text[0].startswith("compacted ") and " MB -> " in text[0]
    out = run_cli("index", str(project_copy), "--project", "sample", "--json", store=store, check=True)
    assert json.loads(out.stdout)["mode"] == "unchanged"
    with graphbuddy.open(store) as gb:
        assert full_dump(gb) == before and _state_matches_graph(gb)


@pytest.mark.parametrize("phase", ["copying", "closed", "renamed"])
def test_kill_9_at_each_step_leaves_the_old_graph_or_the_new_one(tmp_path, project_copy, phase):
    store = _grown_store(tmp_path, project_copy)
    graph = store / "graph.kuzu"
    with graphbuddy.open(store) as gb:
        before = full_dump(gb)
    size_before = graph.stat().st_size
    marker = tmp_path / "reached"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, str(WORKER), str(store), phase, str(marker)], env=env,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker never reached " + phase
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # the old file until the rename, the new (smaller) one after it; never neither
    assert (graph.stat().st_size < size_before) == (phase == "renamed")
    with graphbuddy.open(store) as gb:
        assert full_dump(gb) == before
        assert _state_matches_graph(gb)
        assert gb.index(project_copy, project="sample").mode == "unchanged"
        report = gb.compact()                      # removes what the killed run left, and works
        assert full_dump(gb) == before
    assert report.bytes_after <= size_before
    assert not [p.name for p in store.iterdir() if TARGET_SUFFIX in p.name]


def test_refused_while_another_process_holds_the_store(tmp_path, project_copy):
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time, graphbuddy\n"
                               "gb = graphbuddy.open(sys.argv[1]); gb.graph.open(); print('ready', flush=True)\n"
                               "time.sleep(120)", str(store)],
                              env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        out = run_cli("store", "compact", store=store)
        assert out.returncode == StoreLocked.exit_code
        assert len(out.stderr.strip().splitlines()) == 1 and "in use by another process" in out.stderr
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_compacts_through_the_store_owner_while_it_serves_reads(tmp_path, project_copy, monkeypatch):
    import threading

    from graphbuddy.owner import discovery

    monkeypatch.setenv("FASTMCP_CHECK_FOR_UPDATES", "off")
    store = _grown_store(tmp_path, project_copy)
    with graphbuddy.open(store) as gb:
        before = full_dump(gb)
    count = "MATCH (:Function)-[c:CALLS]->(:Function) RETURN count(c) AS n"
    info = discovery.ensure_owner(store)
    try:
        client = graphbuddy.connect(store)
        calls = client.cypher(count).rows()
        answers, errors, done = [], [], threading.Event()

        def read():
            while not done.is_set():
                try:
                    answers.append(client.cypher(count).rows())
                except Exception as exc:        # noqa: BLE001 - any failure is what the test looks for
                    errors.append(exc)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            out = run_cli("store", "compact", "--json", store=store, check=True)
        finally:
            done.set()
            reader.join()
        data = json.loads(out.stdout)
        assert data["bytes_after"] < data["bytes_before"]
        assert not errors and answers and all(a == calls for a in answers)
        assert client.index(str(project_copy), project="sample").mode == "unchanged"
        assert discovery.find_owner(store)["pid"] == info["pid"]            # the same owner served it all
    finally:
        os.kill(info["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 20
        while discovery.pid_alive(info["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
    with graphbuddy.open(store) as gb:
        assert full_dump(gb) == before and _state_matches_graph(gb)


def test_refused_for_a_second_opener_in_this_process_and_for_memory(tmp_path, project_copy):
    store = tmp_path / "store"
    a = graphbuddy.open(store)
    b = graphbuddy.open(store)
    try:
        a.index(project_copy, project="sample")
        b.graph.open()                      # lazily opened: only a graph b really holds stops compaction
        with pytest.raises(StoreLocked, match="open twice in this process"):
            a.compact()
        assert b.cypher("MATCH (p:Project) RETURN p.id AS id").rows() == [{"id": "sample"}]   # both still work
    finally:
        b.close()
    a.compact()
    assert a.cypher("MATCH (p:Project) RETURN p.id AS id").rows() == [{"id": "sample"}]
    a.close()
    with graphbuddy.open(memory=True) as gb, pytest.raises(InvalidArgument):
        gb.compact()


def test_a_row_missing_in_the_new_file_aborts_and_keeps_the_old_one(tmp_path, project_copy, monkeypatch):
    from graphbuddy.errors import StoreError
    from graphbuddy.store.graph import GraphStore

    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        before = full_dump(gb)
        real_copy = GraphStore.copy

        def lossy_copy(self, table, data, *, pair=None):      # the new file loses one call
            real_copy(self, table, data.slice(1) if table == "CALLS" and self.path.endswith(TARGET_SUFFIX) else data,
                      pair=pair)

        monkeypatch.setattr(GraphStore, "copy", lossy_copy)
        with pytest.raises(StoreError, match="table CALLS differs"):
            gb.compact()
        monkeypatch.undo()
        assert full_dump(gb) == before                          # the store still works, on the old file
        assert gb.index(project_copy, project="sample").mode in ("unchanged", "delta")
    assert not [p.name for p in store.iterdir() if TARGET_SUFFIX in p.name]


def test_several_projects_with_cross_project_edges_survive(tmp_path):
    import shutil

    root = tmp_path / "multi"
    shutil.copytree(Path(__file__).parent / "fixtures" / "multi", root)
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        for name in ("common-lib", "auth-service", "user-service", "api-types", "web-client", "legacy-tool"):
            gb.index(root / name, project=name)
        gb.index(root / "auth-service", project="auth-service", full=True)     # rebuilt under its dependents
        before = full_dump(gb)
        assert before["DEPENDS_ON"] and gb.cypher("MATCH (a:File)-[:IMPORTS]->(b:File) WHERE a.project <> b.project "
                                                  "RETURN count(*) AS n").rows()[0]["n"] > 0
        gb.compact()
        assert full_dump(gb) == before
        for name in ("common-lib", "auth-service", "user-service"):
            assert _state_matches_graph(gb, name)
