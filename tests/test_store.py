"""The store folder: created with a marker, schema applied once with its version, refused when foreign."""
from __future__ import annotations

import pytest

import graphbuddy
from graphbuddy.config import package_data_dir
from graphbuddy.errors import StoreError


def test_schema_applied_once_and_version_recorded(tmp_path):
    store = tmp_path / "s"
    with graphbuddy.open(store) as gb:
        versions = [int(f.name[:3]) for f in package_data_dir("schema").glob("[0-9][0-9][0-9]_*.cypher")]
        latest = max(versions)
        assert gb.graph.schema_version == latest >= 2
        assert {"File", "Function", "Class", "CALLS", "IMPORTS"} <= gb.graph.table_names()
    with graphbuddy.open(store) as gb:                   # reopening does not re-apply
        assert gb.cypher("MATCH (v:SchemaVersion) RETURN count(*) AS n").rows() == [{"n": len(versions)}]
    assert {p.name for p in store.iterdir()} >= {"analytics.duckdb", "graph.kuzu", "graphbuddy.store"}


def test_default_store_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHBUDDY_HOME", str(tmp_path / "home"))
    with graphbuddy.open() as gb:
        assert gb.path == tmp_path / "home"


def test_foreign_folder_and_file_are_refused(tmp_path):
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "x").write_text("x")
    with pytest.raises(StoreError, match="not a graphbuddy store"):
        graphbuddy.open(tmp_path / "f")
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        graphbuddy.open(tmp_path / "file")


def test_two_opens_in_one_process_share_one_database(tmp_path, project_copy):
    store = tmp_path / "s"
    a = graphbuddy.open(store)
    b = graphbuddy.open(store)
    a.index(project_copy, project="sample")
    assert b.cypher("MATCH (p:Project) RETURN p.id AS id").rows() == [{"id": "sample"}]   # writes visible
    b.close()
    assert a.cypher("MATCH (p:Project) RETURN count(*) AS n").rows() == [{"n": 1}]       # still open
    a.close()


def test_a_schema_file_landing_out_of_order_is_still_applied(tmp_path, monkeypatch):
    """Schema numbers are assigned per branch: 004 may reach a store before 003 does."""
    from graphbuddy.store import graph as graph_module

    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "001_base.cypher").write_text("CREATE NODE TABLE SchemaVersion(version INT64 PRIMARY KEY, name STRING, "
                                            "applied_at TIMESTAMP);\nCREATE NODE TABLE A(id STRING PRIMARY KEY);\n")
    (schema / "004_late.cypher").write_text("CREATE NODE TABLE D(id STRING PRIMARY KEY);\n")
    monkeypatch.setattr(graph_module, "package_data_dir", lambda name: schema)
    store = graph_module.GraphStore(tmp_path / "g.kuzu")
    assert store.schema_version == 4
    store.close()
    (schema / "003_middle.cypher").write_text("CREATE NODE TABLE C(id STRING PRIMARY KEY);\n")
    store = graph_module.GraphStore(tmp_path / "g.kuzu")
    assert store.schema_version == 4 and {"A", "C", "D"} <= store.table_names()
    assert sorted(r[0] for r in store.rows("MATCH (v:SchemaVersion) RETURN v.version")) == [1, 3, 4]
    store.close()


def test_the_graph_opens_on_first_use(tmp_path):
    from graphbuddy.store.graph import GraphStore

    store = GraphStore(tmp_path / "g.kuzu", lazy=True)
    assert not store.is_open and not (tmp_path / "g.kuzu").exists()
    assert store.schema_version >= 2 and store.is_open          # first use opens and migrates
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.rows("RETURN 1")


def test_a_store_held_by_another_process_is_locked_at_open(tmp_path):
    """DuckDB is opened first and closed last, so its lock alone tells that another process owns the store,
    even though the graph of that process is opened on first use."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from graphbuddy.errors import StoreLocked

    store = tmp_path / "s"
    graphbuddy.open(store).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import graphbuddy, sys\ngb = graphbuddy.open({str(store)!r})\n"
                               "print('ready', gb.graph.is_open, flush=True)\nsys.stdin.read()\ngb.close()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    try:
        assert holder.stdout.readline().split() == ["ready", "False"]
        with pytest.raises(StoreLocked):
            graphbuddy.open(store)
    finally:
        holder.communicate("", timeout=60)
    with graphbuddy.open(store) as gb:                      # released with the process
        assert gb.projects() == []


def test_first_uses_from_several_threads_open_the_graph_once(tmp_path):
    """A lazily opened graph: a write transaction and reads racing to be first neither deadlock nor migrate twice."""
    import threading
    import time

    from graphbuddy.store.graph import GraphStore

    store = GraphStore(tmp_path / "g.kuzu", lazy=True)
    errors, barrier = [], threading.Barrier(6)

    def write(i):
        try:
            barrier.wait()
            with store.transaction():
                store.execute("CREATE (:ProjectGroup {id: $id})", {"id": f"g{i}"})
        except Exception as exc:        # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def read():
        try:
            barrier.wait()
            store.rows("MATCH (v:SchemaVersion) RETURN count(*)")
        except Exception as exc:        # noqa: BLE001
            errors.append(exc)

    threads = ([threading.Thread(target=write, args=(i,), daemon=True) for i in range(3)]
               + [threading.Thread(target=read, daemon=True) for _ in range(3)])
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "deadlock"
    assert errors == []
    versions = store.rows("MATCH (v:SchemaVersion) RETURN v.version")
    assert len(versions) == len({v[0] for v in versions})          # each schema file applied once
    assert store.rows("MATCH (g:ProjectGroup) RETURN count(*)") == [[3]]
    store.close()


def test_a_store_of_the_older_layout_is_upgraded_in_place(tmp_path, project_copy):
    """index_files lost its primary key (layout 2: it made each delta's COMMIT 3-6 ms slower): a store written
    before is upgraded at open, rows kept, and indexes on as a delta."""
    store = tmp_path / "s"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
        a = gb.analytics
        before = a.rows("SELECT * FROM index_files ORDER BY path")
        cols = ", ".join(r[0] for r in a.rows("SELECT column_name FROM duckdb_columns() "
                                               "WHERE table_name = 'index_files' ORDER BY column_index"))
        # the layout-1 table: same columns, with the key
        a.execute("CREATE TABLE old_files AS SELECT * FROM index_files")
        a.execute("DROP TABLE index_files")
        a.execute("CREATE TABLE index_files AS SELECT * FROM old_files WITH NO DATA")
        a.execute("ALTER TABLE index_files ADD PRIMARY KEY (project, path)")
        a.execute(f"INSERT INTO index_files SELECT {cols} FROM old_files")
        a.execute("DROP TABLE old_files")
        a.execute("DELETE FROM meta WHERE key = 'analytics_layout'")
        assert a.rows("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'index_files' "
                      "AND constraint_type = 'PRIMARY KEY'") == [(1,)]
    with graphbuddy.open(store) as gb:
        a = gb.analytics
        assert a.rows("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'index_files' "
                      "AND constraint_type = 'PRIMARY KEY'") == [(0,)]
        assert a.rows("SELECT * FROM index_files ORDER BY path") == before
        assert a.rows("SELECT value FROM meta WHERE key = 'analytics_layout'") == [("2",)]
        assert gb.index(project_copy, project="sample").mode == "unchanged"
        (project_copy / "added.py").write_text("def added():\n    return 1\n")
        report = gb.index(project_copy, project="sample")
        assert (report.mode, report.files_parsed) == ("delta", 1)
        assert a.rows("SELECT count(*) FROM index_files WHERE path = 'added.py'") == [(1,)]


def test_copy_of_a_chunked_table_with_empty_chunks_writes_every_row_and_the_store_goes_on(tmp_path):
    """COPY skips empty chunks (Kùzu stopped at the first one) without combining the table, and the write
    connection it replaces afterwards (Kùzu holds COPY sources per connection) keeps serving statements."""
    import pyarrow as pa

    from graphbuddy.store.graph import GraphStore

    store = GraphStore(tmp_path / "g.kuzu")
    ids = [f"p:f{i}.py" for i in range(700)]
    part = lambda lo, hi: pa.table({"from": pa.array(["p"] * (hi - lo), pa.string()),
                                    "to": pa.array(ids[lo:hi], pa.string())})
    rels = pa.concat_tables([part(0, 300), part(300, 300), part(300, 700)])
    assert [len(c) for c in rels["to"].chunks] == [300, 0, 400]
    with store.transaction():
        store.execute("CREATE (:Project {id: 'p'})")
        store.execute("UNWIND $ids AS i CREATE (:File {id: i, project: 'p'})", {"ids": ids})
        store.copy("CONTAINS", rels)
        assert store.rows("MATCH (:Project)-[r:CONTAINS]->() RETURN count(r)") == [[700]]
    with store.transaction():
        store.execute("MATCH (f:File {id: $id}) DETACH DELETE f", {"id": ids[0]})
    assert store.rows("MATCH (:Project {id: 'p'})-[r:CONTAINS]->() RETURN count(r)") == [[699]]
    assert store.read_only("MATCH (f:File) RETURN count(f) AS n").column("n").to_pylist() == [699]
    store.close()


def test_a_small_analytics_log_is_kept_at_close_and_a_big_one_checkpointed(tmp_path, monkeypatch):
    """DuckDB checkpoints at close only once its log passed WAL_KEPT_AT_CLOSE (a checkpoint after a delta's
    few document rows cost ~0.5 s of a cold CLI run); a kept log is replayed by the next open, losing nothing."""
    from graphbuddy.store import analytics as an

    path = tmp_path / "a.duckdb"
    wal = tmp_path / "a.duckdb.wal"
    store = an.AnalyticsStore(path)
    store.set_meta("small", "kept")
    store.close()
    assert wal.stat().st_size > 0                                   # left for the next open
    store = an.AnalyticsStore(path)
    assert store.meta("small") == "kept"
    monkeypatch.setattr(an, "WAL_KEPT_AT_CLOSE", wal.stat().st_size - 1)
    store.set_meta("more", "x" * 100)
    store.close()
    assert not wal.exists() or wal.stat().st_size == 0              # past the limit: checkpointed
    store = an.AnalyticsStore(path)
    assert (store.meta("small"), store.meta("more")) == ("kept", "x" * 100)
    store.close()
