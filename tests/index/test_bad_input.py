"""Bad input is counted or refused, never a crash, never damage to what is stored."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.errors import IndexingError
from graphbuddy.index.parse import Task, extract_one
from tests.conftest import graph_dump


def test_odd_files_are_counted_not_fatal(tmp_path):
    (tmp_path / "ok.py").write_text("def fine():\n    return 1\n")
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\ndef cafe():\n    return '\xe9'\n")
    (tmp_path / "broken.py").write_text("def good():\n    pass\n\ndef bad(:\n    pass\n\nclass After:\n    pass\n")
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "app.min.js").write_text("var a=1;")
    (tmp_path / "notes.txt").write_text("not code")
    (tmp_path / "loop").symlink_to(tmp_path)                 # a directory link loop
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    with graphbuddy.open(memory=True) as gb:
        report = gb.index(tmp_path, project="odd")
        names = {r["n"] for r in gb.cypher("MATCH (f:Function {project: 'odd'}) RETURN f.name AS n").rows()}
    assert {"fine", "cafe", "good"} <= names                  # invalid UTF-8 and broken files still indexed
    assert report.syntax_error_files == 1
    assert report.skipped["binary"] == 1 and report.skipped["generated"] == 1
    assert report.skipped["unsupported_language"] >= 1
    assert report.skipped["vanished_or_broken_link"] == 1


def test_a_file_deleted_mid_index_is_skipped(tmp_path):
    assert extract_one(str(tmp_path), Task("gone.py", "python", None)).reason == "vanished"


def test_missing_path_and_file_path_are_errors(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    with graphbuddy.open(memory=True) as gb:
        with pytest.raises(IndexingError, match="does not exist"):
            gb.index(tmp_path / "nope")
        with pytest.raises(IndexingError, match="not a directory"):
            gb.index(tmp_path / "a.py")


def test_project_name_taken_by_another_root(tmp_path, project_copy):
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.py").write_text("def f():\n    pass\n")
    with graphbuddy.open(memory=True) as gb:
        gb.index(project_copy, project="sample")
        before = graph_dump(gb, "sample")
        with pytest.raises(IndexingError, match="already indexed from"):
            gb.index(other, project="sample")
        assert graph_dump(gb, "sample") == before


def _survivors(cmdline_part: str, wait: float = 5.0) -> list[int]:
    """Pids of processes still running `python -c <cmdline_part>` (forked workers keep their parent's cmdline)."""
    deadline = time.monotonic() + wait
    while True:
        pids = []
        for proc_dir in Path("/proc").glob("[0-9]*"):
            try:
                if cmdline_part.encode() in (proc_dir / "cmdline").read_bytes():
                    pids.append(int(proc_dir.name))
            except OSError:
                continue
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


@pytest.mark.slow
def test_kill_9_mid_index_then_the_next_run_converges(tmp_path):
    """Kill an indexing process at several moments; the next run must equal a fresh full index."""
    src = tmp_path / "src"
    for i in range(120):
        d = src / f"pkg{i % 6}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.py").write_text("".join(f"def f{i}_{j}(x):\n    return f{i}_{j - 1}(x) if x else {j}\n\n"
                                            for j in range(60)))
    store = tmp_path / "store"
    code = f"import graphbuddy; graphbuddy.open({str(store)!r}).index({str(src)!r}, project='p')"
    for delay in (0.5, 1.0, 1.5):
        proc = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert _survivors(code) == [], "pool workers must die with a killed indexer"
    with graphbuddy.open(store) as gb:
        gb.index(src, project="p")
        got = graph_dump(gb, "p")
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(src, project="p")
        assert got == graph_dump(fresh, "p")


def _small_project(tmp_path, files: dict[str, str]):
    """A source folder holding `files` and the path of a store beside it (not created)."""
    src = tmp_path / "src"
    src.mkdir()
    for rel, text in files.items():
        (src / rel).write_text(text)
    return src, tmp_path / "store"


def _child(*lines: str, timeout: float = 300) -> int:
    """Run `lines` as a Python program in a process of its own; its exit code."""
    return subprocess.run([sys.executable, "-c", "\n".join(lines) + "\n"], timeout=timeout).returncode


def test_killed_between_the_graph_commit_and_the_state_commit_the_next_run_rebuilds(tmp_path):
    """A delta commits the graph, then dies before its state commits; the file is then put back as it was
    (so the manifest alone sees nothing to redo): the graph stamp must reveal the graph ahead of its state."""
    src, store = _small_project(tmp_path, {"a.py": "def f():\n    return 1\n",
                                           "b.py": "from a import *\n\ndef h():\n    return g()\n"})
    assert _child("import os, pathlib, graphbuddy",
                  "from graphbuddy.index.state import IndexState",
                  f"gb = graphbuddy.open({str(store)!r})",
                  f"gb.index({str(src)!r}, project='p')",
                  f"pathlib.Path({str(src / 'a.py')!r})"
                  ".write_text('def f():\\n    return 1\\n\\ndef g():\\n    return 2\\n')",
                  "IndexState.finish = lambda *a, **k: os._exit(9)",
                  f"gb.index({str(src)!r}, project='p')") == 9
    (src / "a.py").write_text("def f():\n    return 1\n")
    with graphbuddy.open(store) as gb:
        assert gb.graph.rows("MATCH (f:Function {name: 'g'}) RETURN f.id"), "the killed run committed the graph"
        assert gb.index(src, project="p").mode == "full"
        got = graph_dump(gb, "p")
        assert gb.index(src, project="p").mode == "unchanged"
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(src, project="p")
        assert got == graph_dump(fresh, "p")


@pytest.mark.parametrize("in_git", [False, True])
def test_a_file_name_that_is_not_utf8_is_counted_not_fatal(tmp_path, in_git):
    """A name with a latin-1 byte reaches Python with a surrogate (os.walk, git's output decoded with
    surrogateescape): Kùzu and DuckDB cannot store it, and the whole index crashed on a UnicodeEncodeError."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "ok.py").write_text("def fine():\n    return 1\n")
    with open(os.path.join(os.fsencode(root), b"caf\xe9.py"), "wb") as fh:
        fh.write(b"def cafe():\n    return 1\n")
    if in_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    with graphbuddy.open(tmp_path / "store") as gb:
        report = gb.index(root, project="odd")
        assert report.skipped["undecodable_name"] == 1
        (root / "ok.py").write_text("def fine():\n    return 2\n")
        assert gb.index(root, project="odd").mode == "delta"
        names = {r["n"] for r in gb.cypher("MATCH (f:Function {project: 'odd'}) RETURN f.name AS n").rows()}
    assert names == {"ok", "fine"}


def test_a_project_folder_whose_name_is_not_utf8_is_refused_in_one_line(tmp_path):
    """Its root (and the project name taken from it) reached Kùzu as a surrogate: a raw pybind11 cast error."""
    from graphbuddy.errors import InvalidArgument

    root = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9")))
    root.mkdir()
    (root / "a.py").write_text("def a():\n    pass\n")
    with graphbuddy.open(tmp_path / "store") as gb:
        with pytest.raises(IndexingError, match="not valid UTF-8"):
            gb.index(root, project="cafe")
        # the name taken from such a folder was refused first: "invalid project name 'caf\udce9'" (exit 2), for
        # a folder that does not exist too; the path's own error comes first, as with --project (exit 5)
        with pytest.raises(IndexingError, match="path is not valid UTF-8"):
            gb.index(root)
        with pytest.raises(IndexingError, match="path does not exist"):
            gb.index(root.with_name(root.name + "-gone"))
        with pytest.raises(IndexingError, match="path is not valid UTF-8"):
            gb.watch(root)
        with pytest.raises(InvalidArgument, match="invalid project name"):
            gb.index(tmp_path, project="a/b")


def test_an_interrupted_big_run_stops_its_background_writes_before_the_store_closes(tmp_path, project_copy,
                                                                                    monkeypatch):
    """A big run writes its code documents into DuckDB from a thread. Ctrl-C (or any error) in the main
    thread after that started left the thread writing while the CLI closed the store under it: the process
    died with "corrupted double-linked list" (SIGABRT), and once left the graph with every Function of the
    project cut from its File, after which every index of it failed on a duplicate primary key. Found with
    Ctrl-C at random moments of `graphbuddy index --full` on graphbuddy's own repository."""
    from graphbuddy.index import load, pipeline
    from graphbuddy.search import documents

    finished = []
    real_sync = documents.sync_code_documents

    def slow_sync(*args, **kwargs):
        time.sleep(0.5)
        try:
            return real_sync(*args, **kwargs)
        finally:
            finished.append(True)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 0)
    monkeypatch.setattr(documents, "sync_code_documents", slow_sync)     # the pipeline imports it from there
    with graphbuddy.open(tmp_path / "store") as gb:
        with monkeypatch.context() as m:
            m.setattr(load, "remove_orphan_modules", interrupt)        # after the thread started
            with pytest.raises(KeyboardInterrupt):
                gb.index(project_copy, project="sample")
            assert finished, "the interrupt reached the caller while the document thread still wrote"
        report = gb.index(project_copy, project="sample")              # and the next run is a clean one
        assert report.functions > 10


def test_a_full_index_rebuilds_a_project_whose_symbols_lost_their_file_edges(tmp_path, project_copy):
    """A store left with the project's Function nodes cut from their File (seen once after the SIGABRT of an
    interrupted run, above: DEFINES and CALLS of every function gone, the nodes kept) failed every index of
    the project, `--full` included, on "Found duplicated primary key value": the rebuild dropped only what
    its Files DEFINE. It now drops every node of the project."""
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(project_copy, project="sample")
        fresh = graph_dump(gb, "sample")
        with gb.graph.transaction():
            gb.graph.execute("MATCH (:File {project: 'sample'})-[r:DEFINES]->(:Function) DELETE r")
            gb.graph.execute("MATCH (:File {project: 'sample'})-[r:DEFINES]->(:Class) DELETE r")
        gb.index(project_copy, project="sample", full=True)
        assert graph_dump(gb, "sample") == fresh


def test_a_folder_indexed_under_one_name_is_not_indexed_again_under_another(tmp_path, project_copy):
    """`index_project(path, project="other")` (or `graphbuddy index PATH --project other`) for a folder
    already indexed as 'sample' made a second project of the same files: every symbol, edge and search hit
    twice (found on the MCP tour). The name-taken check existed only the other way round."""
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(project_copy, project="sample")
        with pytest.raises(IndexingError, match="already indexed as project 'sample'"):
            gb.index(project_copy, project="other")
        assert [p["project"] for p in gb.projects()] == ["sample"]
        gb.rename_project("sample", new="other")                  # what the message suggests, then it works
        assert gb.index(project_copy, project="other").mode == "unchanged"


def test_a_process_killed_after_a_delta_that_deleted_a_file_leaves_no_phantom_edges(tmp_path, caplog):
    """Killed outright after a committed delta that deleted an imported file: Kùzu 0.11.3's log replay keeps
    the edges into the deleted file's node (`count(*)` 7 for 4 rows); the open that replays the log rewrites the
    graph, which drops them, and says so."""
    src, store = _small_project(tmp_path, {"a.py": "def f():\n    return 1\n",
                                           **{f"u{i}.py": f"import a\n\ndef u{i}():\n    return a.f()\n"
                                              for i in range(4)}})
    with graphbuddy.open(store) as gb:          # closed: the first index is in the database file, not the log
        gb.index(src, project="p")
    assert _child("import os, graphbuddy",
                  f"gb = graphbuddy.open({str(store)!r})",
                  f"os.remove({str(src / 'a.py')!r})",
                  f"gb.index({str(src)!r}, project='p')",
                  "os._exit(0)") == 0           # no close, no checkpoint: the log is replayed on the next open
    assert (store / "graph.kuzu.wal").stat().st_size > 0                  # what the killed process left
    with caplog.at_level(logging.WARNING), graphbuddy.open(store) as gb:
        counted = gb.cypher("MATCH (:File)-[i:IMPORTS]->() RETURN count(*) AS n").rows()[0]["n"]
        rows = len(gb.cypher("MATCH (:File)-[i:IMPORTS]->(m) RETURN m.id").rows())
        assert gb.index(src, project="p").mode == "unchanged"
    assert counted == rows == 4
    assert "not closed cleanly" in caplog.text
    caplog.clear()
    with graphbuddy.open(store) as gb:                                      # closed cleanly: no second rewrite
        gb.cypher("MATCH (p:Project) RETURN p.id").rows()
    assert "not closed cleanly" not in caplog.text


def test_a_process_exiting_with_the_store_still_referenced_closes_it(tmp_path, caplog):
    """A process that exits normally while something still holds the store (here a daemon thread; in a notebook,
    the output history) never had the database finalized: Kùzu's log stayed, and the next open rewrote the
    whole graph. The exit hook closes it, so the log is folded into the file and the next open is plain."""
    src, store = _small_project(tmp_path, {"a.py": "def f():\n    return g()\n\ndef g():\n    return 1\n"})
    assert _child("import os, threading, time, graphbuddy",
                  f"gb = graphbuddy.open({str(store)!r})",
                  f"gb.index({str(src)!r}, project='p')",
                  f"assert os.path.getsize({str(store / 'graph.kuzu.wal')!r}) > 0",
                  "threading.Thread(target=lambda g=gb: time.sleep(600), daemon=True).start()", timeout=120) == 0
    assert not (store / "graph.kuzu.wal").exists() or (store / "graph.kuzu.wal").stat().st_size == 0
    with caplog.at_level(logging.WARNING), graphbuddy.open(store) as gb:
        assert [r["name"] for r in gb.cypher("MATCH (f:Function {kind: 'function'}) RETURN f.name AS name "
                                             "ORDER BY name").rows()] == ["f", "g"]
    assert "not closed cleanly" not in caplog.text


def test_the_report_counts_the_syntax_errors_of_the_files_this_run_parsed(tmp_path):
    """Text and --json: a delta counts the files IT parsed that hold syntax errors, and says "of N parsed" (a
    bare "files with syntax errors: 0" read as the project's count while another file was still broken)."""
    import json

    from clirun import run_cli

    root, store = tmp_path / "p", tmp_path / "store"
    root.mkdir()
    (root / "ok.py").write_text("def fine():\n    return 1\n")
    (root / "broken.py").write_text("def bad(:\n    pass\n")
    full = run_cli("index", str(root), store=store, check=True).stdout
    assert "files with syntax errors: 1 of 2 parsed" in full
    (root / "ok.py").write_text("def fine():\n    return 2\n\ndef more():\n    return 3\n")
    delta = run_cli("index", str(root), store=store, check=True).stdout
    assert "delta index" in delta and "files with syntax errors: 0 of 1 parsed" in delta
    (root / "ok.py").write_text("def fine(:\n    return 2\n")
    report = json.loads(run_cli("index", str(root), "--json", store=store, check=True).stdout)
    assert (report["mode"], report["files_parsed"], report["syntax_error_files"]) == ("delta", 1, 1)
    rows = json.loads(run_cli("cypher", "MATCH (f:File) WHERE f.syntax_errors > 0 RETURN f.path AS p ORDER BY p",
                              "--json", store=store, check=True).stdout)
    assert rows == [{"p": "broken.py"}, {"p": "ok.py"}]            # the project's broken files: both
