"""Watch mode with real file-system events (watchfiles), and git awareness of re-indexing."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


import pytest

import graphbuddy
from graphbuddy.watch import relevant

WAIT = 20.0          # generous: the machine may be loaded; the test never asserts speed


class Watcher:
    """gb.watch in a thread; updates arrive on a queue."""

    def __init__(self, gb, root: Path, **kw):
        self.updates: queue.Queue = queue.Queue()
        self.stop, self.ready = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=gb.watch, args=(root,),
                                       kwargs=dict(project="sample", on_update=self.updates.put, stop=self.stop,
                                                   ready=self.ready, **kw), daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(WAIT), "watcher never armed"
        self.updates.get(timeout=WAIT)            # the catch-up index
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()

    def next(self):
        return self.updates.get(timeout=WAIT)

    def quiet_for(self, seconds: float) -> bool:
        try:
            self.updates.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def functions(gb) -> set[str]:
    return {r["q"] for r in gb.cypher("MATCH (f:Function {project: 'sample'}) RETURN f.qualified_name AS q").rows()}


def test_a_saved_edit_updates_the_graph(project_copy):
    gb = graphbuddy.open(memory=True)
    with Watcher(gb, project_copy, step_ms=50) as w:
        pricing = project_copy / "shop/core/pricing.py"
        pricing.write_text(pricing.read_text().replace("def round_cents(", "def round_to_cents("))
        update = w.next()
        assert update.error is None and update.report.mode == "delta"
        assert update.paths == ("shop/core/pricing.py",)
        assert "shop.core.pricing.round_to_cents" in functions(gb)
        assert "shop.core.pricing.round_cents" not in functions(gb)
    gb.close()


def test_a_burst_becomes_one_delta_and_vanishing_files_are_harmless(project_copy):
    gb = graphbuddy.open(memory=True)
    with Watcher(gb, project_copy, step_ms=300) as w:
        for i in range(5):
            (project_copy / f"shop/gen_{i}.py").write_text(f"def gen_{i}():\n    return {i}\n")
        (project_copy / "shop/flash.py").write_text("def flash():\n    pass\n")
        (project_copy / "shop/flash.py").unlink()                # gone before the delta reads it
        update = w.next()
        assert update.error is None
        assert {f"shop/gen_{i}.py" for i in range(5)} <= set(update.paths)
        have = functions(gb)
        assert {f"shop.gen_{i}.gen_{i}" for i in range(5)} <= have and "shop.flash.flash" not in have
        assert w.quiet_for(1.0), "one burst must give one delta"
    gb.close()


def test_a_burst_with_pauses_longer_than_a_step_is_still_one_delta(project_copy):
    # The watcher hands over a batch after one quiet step; a batch of several files then waits for `settle_ms`
    # of quiet, so a writer pausing between files (a slow checkout) still gives one delta. (A 100 ms step keeps
    # the first two writes in one batch on a loaded machine.)
    gb = graphbuddy.open(memory=True)
    with Watcher(gb, project_copy, step_ms=100, settle_ms=1500) as w:
        for i in range(6):
            (project_copy / f"shop/wave_{i}.py").write_text(f"def wave_{i}():\n    return {i}\n")
            if i % 2:
                time.sleep(0.3)                      # steps without an event, well within settle_ms
        update = w.next()
        assert update.error is None
        assert {f"shop/wave_{i}.py" for i in range(6)} <= set(update.paths), update.paths
        assert {f"shop.wave_{i}.wave_{i}" for i in range(6)} <= functions(gb)
        assert w.quiet_for(1.0), "one burst must give one delta"
    gb.close()


def test_irrelevant_churn_does_not_hold_back_a_burst(project_copy):
    # A build writing non-source files without pause must not keep a pending burst from being applied.
    gb = graphbuddy.open(memory=True)
    done = threading.Event()

    def churn():
        notes = project_copy / "notes.txt"
        for i in range(3000):                    # stops when the update arrived (or after ~30 s)
            if done.is_set():
                return
            notes.write_text(str(i))
            time.sleep(0.01)

    with Watcher(gb, project_copy, settle_ms=200) as w:
        writer = threading.Thread(target=churn, daemon=True)
        writer.start()
        time.sleep(0.1)
        for i in range(3):
            (project_copy / f"shop/churn_{i}.py").write_text(f"def churn_{i}():\n    return {i}\n")
        try:
            update = w.next()
        finally:
            done.set()
            writer.join(WAIT)
        assert update.error is None and {f"shop/churn_{i}.py" for i in range(3)} <= set(update.paths)
        assert "notes.txt" not in update.paths
    gb.close()


def test_irrelevant_files_do_not_trigger_an_update(project_copy):
    gb = graphbuddy.open(memory=True)
    with Watcher(gb, project_copy) as w:
        (project_copy / "notes.txt").write_text("hello")
        (project_copy / "__pycache__").mkdir()
        (project_copy / "__pycache__" / "x.py").write_text("def x(): pass\n")
        assert w.quiet_for(1.0)
    gb.close()


def test_relevance_filter():
    root = "/r"
    assert relevant("/r/a/b.py", root) and relevant("/r/web/tsconfig.json", root) and relevant("/r/.gitignore", root)
    assert not relevant("/r/a/b.txt", root)
    assert not relevant("/r/node_modules/x/index.js", root) and not relevant("/r/.git/index", root)
    assert relevant("/r/some_folder", root)          # a folder removed as a whole
    # what discover never lists, watch ignores (a store kept inside the project, editor folders)
    assert not relevant("/r/.graphbuddy/graph.kuzu", root) and not relevant("/r/.vscode/x.js", root)


def test_cli_watch_prints_one_line_per_update_and_stops_cleanly_on_ctrl_c(project_copy, tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "watch", str(project_copy), "--project",
                             "sample", "--store", str(tmp_path / "store"), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()                       # the catch-up (full) index
        assert '"mode": "full"' in first
        time.sleep(0.3)
        (project_copy / "shop/extra.py").write_text("def extra():\n    return 1\n")
        second = proc.stdout.readline()
        assert '"shop/extra.py"' in second and '"mode": "delta"' in second
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "stopped watching" in err and "Traceback" not in err
    with graphbuddy.open(tmp_path / "store") as gb:             # the store is consistent and has the edit
        assert "shop.extra.extra" in functions(gb)


# -- git awareness -----------------------------------------------------------------------------------------

def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def test_branch_switch_reparses_only_the_files_that_differ_and_records_head(project_copy):
    _git(project_copy, "init", "-q", "-b", "main")
    _git(project_copy, "add", "-A")
    _git(project_copy, "commit", "-qm", "base")
    _git(project_copy, "checkout", "-qb", "feature")
    pricing = project_copy / "shop/core/pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef tax(x):\n    return round_cents(x * 0.2)\n")
    (project_copy / "shop/core/new_mod.py").write_text("def fresh():\n    return 1\n")
    _git(project_copy, "add", "-A")
    _git(project_copy, "commit", "-qm", "feature work")
    feature_head = _git(project_copy, "rev-parse", "HEAD")
    _git(project_copy, "checkout", "-q", "main")
    main_head = _git(project_copy, "rev-parse", "HEAD")

    gb = graphbuddy.open(memory=True)
    first = gb.index(project_copy, project="sample")
    assert first.head == main_head
    _git(project_copy, "checkout", "-q", "feature")
    time.sleep(0.01)
    report = gb.index(project_copy, project="sample")
    assert report.mode == "delta" and report.files_parsed == 2 and report.head == feature_head
    assert gb.cypher("MATCH (p:Project {id: 'sample'}) RETURN p.head AS h").rows() == [{"h": feature_head}]
    assert {"shop.core.pricing.tax", "shop.core.new_mod.fresh"} <= functions(gb)

    _git(project_copy, "checkout", "-q", "main")                       # and back: the new file is deleted
    back = gb.index(project_copy, project="sample")
    assert back.files_parsed == 1 and back.files_deleted == 1 and back.head == main_head
    assert "shop.core.new_mod.fresh" not in functions(gb)
    gb.close()


@pytest.mark.parametrize("reopen", [False, True])
def test_a_commit_that_changes_no_indexed_file_moves_the_recorded_head(project_copy, tmp_path, reopen):
    """Committing what was already indexed (or a README) left `Project.head` at the old commit: the no-change
    run reported the new HEAD but never wrote it, and `graphbuddy projects` showed the stale one."""
    _git(project_copy, "init", "-q", "-b", "main")
    _git(project_copy, "add", "-A")
    _git(project_copy, "commit", "-qm", "base")
    store = tmp_path / "store"
    gb = graphbuddy.open(store)
    gb.index(project_copy, project="sample")
    pricing = project_copy / "shop/core/pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef tax(x):\n    return round_cents(x * 0.2)\n")
    assert gb.index(project_copy, project="sample").mode == "delta"
    _git(project_copy, "commit", "-qam", "the edit, committed as indexed")
    (project_copy / "README.md").write_text("docs only\n")
    _git(project_copy, "add", "-A")
    _git(project_copy, "commit", "-qm", "docs")
    head = _git(project_copy, "rev-parse", "HEAD")
    if reopen:
        gb.close()
        gb = graphbuddy.open(store)
    report = gb.index(project_copy, project="sample")
    assert (report.mode, report.head) == ("unchanged", head)
    assert [p["head"] for p in gb.projects()] == [head]
    gb.close()


def test_a_folder_with_a_dot_in_its_name_moved_out_and_back_updates_the_graph(project_copy, tmp_path):
    """Moving a folder out reports one deleted event for the folder itself (moving one in: one added event),
    none for its files: a name like `lib.v2` has no source extension but must still start a delta."""
    import shutil

    (project_copy / "lib.v2").mkdir()
    (project_copy / "lib.v2" / "dotted.py").write_text("def in_dotted():\n    return 1\n")
    gb = graphbuddy.open(memory=True)
    with Watcher(gb, project_copy, step_ms=50) as w:
        assert "lib.v2.dotted.in_dotted" in functions(gb)
        shutil.move(str(project_copy / "lib.v2"), str(tmp_path / "lib.v2"))
        update = w.next()
        assert update.error is None and "lib.v2.dotted.in_dotted" not in functions(gb)
        shutil.move(str(tmp_path / "lib.v2"), str(project_copy / "lib.v2"))
        update = w.next()
        assert update.error is None and "lib.v2.dotted.in_dotted" in functions(gb)
    gb.close()


def test_watch_of_a_missing_path_fails_as_index_does(tmp_path):
    """`watch` of a missing folder or a file exited 2 with "not a directory", `index` of the same path 5 with
    "path does not exist" (found comparing them on the tour)."""
    from tests.clirun import run_cli

    (tmp_path / "file.py").write_text("x = 1\n")
    for path, message in ((tmp_path / "missing", "path does not exist"), (tmp_path / "file.py", "not a directory")):
        for command in ("index", "watch"):
            proc = run_cli(command, str(path), store=tmp_path / "store")
            assert proc.returncode == 5 and message in proc.stderr, (command, proc.returncode, proc.stderr)


def test_cli_watch_stopped_by_sigterm_stops_as_on_ctrl_c(project_copy, tmp_path):
    """SIGTERM (a supervisor, `timeout`, `kill PID`) killed `graphbuddy watch` without closing the store: Kùzu
    0.11.3 then replays the last updates from its write-ahead log on the next open, and replaying a committed
    DETACH DELETE keeps the edges into the deleted nodes (`stats` counted 3604 calls where the graph has 3590).
    Stopped like Ctrl-C, the store is closed and checkpointed: no replay."""
    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        gb.index(project_copy, project="sample")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "graphbuddy.cli", "watch", str(project_copy), "--project",
                             "sample", "--store", str(store), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert '"mode": "unchanged"' in proc.stdout.readline()
        time.sleep(0.3)
        (project_copy / "shop/core/pricing.py").unlink()         # imported and called by other files
        assert '"mode": "delta"' in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "stopped watching" in err and "Traceback" not in err
    counts = {rel: f"MATCH ()-[r:{rel}]->() RETURN count(*) AS n" for rel in ("CALLS", "IMPORTS", "DEFINES")}
    with graphbuddy.open(store) as gb:
        got = {rel: gb.cypher(q).rows() for rel, q in counts.items()}
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(project_copy, project="sample")
        assert got == {rel: fresh.cypher(q).rows() for rel, q in counts.items()}


def test_the_first_line_says_what_is_watched_not_zero_events(project_copy):
    """The catch-up index before any event was logged as 'sample: 0 events, nothing changed (156 ms)'."""
    from graphbuddy.watch import WatchUpdate

    with graphbuddy.open(memory=True) as gb:
        first = WatchUpdate(0, (), gb.index(project_copy, project="sample"), None, 80.0).line()
        again = WatchUpdate(0, (), gb.index(project_copy, project="sample"), None, 5.0).line()
        (project_copy / "shop/extra.py").write_text("def extra():\n    return 1\n")
        later = WatchUpdate(1, ("shop/extra.py",), gb.index(project_copy, project="sample"), None, 9.0).line()
    assert first.endswith("sample: watching 12 files: caught up, parsed 12, deleted 0 -> 44 functions, 37 calls "
                          "(80 ms)"), first
    assert again.endswith("sample: watching 12 files: up to date (5 ms)"), again
    assert "sample: parsed 1, deleted 0, re-resolved 1 -> " in later and "watching" not in later


@pytest.mark.parametrize("worktree", [False, True])
def test_a_commit_that_changes_no_file_moves_the_recorded_head_while_watching(project_copy, tmp_path, worktree):
    """A bare `git commit` (everything was saved, and indexed, before) touches only git's own files, which watch
    ignored with the rest of .git: `Project.head` stayed at the old commit until the next edit of a source
    file. In a worktree (or a sub-folder of the repository) the refs live outside the watched folder."""
    _git(project_copy, "init", "-q", "-b", "main")
    _git(project_copy, "add", "-A")
    _git(project_copy, "commit", "-qm", "base")
    root = project_copy
    if worktree:
        root = tmp_path / "wt"
        _git(project_copy, "worktree", "add", "-q", "-b", "side", str(root))
    gb = graphbuddy.open(memory=True)
    with Watcher(gb, root, step_ms=50) as w:
        pricing = root / "shop/core/pricing.py"
        pricing.write_text(pricing.read_text() + "\n\ndef tax(x):\n    return round_cents(x * 0.2)\n")
        assert w.next().report.mode == "delta"
        _git(root, "commit", "-qam", "the edit, committed as indexed")
        head = _git(root, "rev-parse", "HEAD")
        update = w.next()
        assert update.error is None and (update.report.mode, update.report.head) == ("unchanged", head)
        assert update.head_moved and f"HEAD moved to {head[:12]}, no indexed file changed" in update.line()
        assert [p["head"] for p in gb.projects()] == [head]
        _git(root, "commit", "-q", "--allow-empty", "-m", "empty")        # no file at all, not even the index
        head = _git(root, "rev-parse", "HEAD")
        update = w.next()
        assert update.report.head == head and [p["head"] for p in gb.projects()] == [head]
    gb.close()


def test_git_ref_files_are_relevant_and_lock_files_are_not(tmp_path):
    from graphbuddy.watch import GitRefs

    refs = GitRefs("/r/.git", "/r/.git")
    assert refs.moved("/r/.git/HEAD") and refs.moved("/r/.git/refs/heads/main")
    assert refs.moved("/r/.git/refs/heads/feature/x") and refs.moved("/r/.git/packed-refs")
    assert not refs.moved("/r/.git/refs/heads/main.lock") and not refs.moved("/r/.git/index")
    assert not refs.moved("/r/.git/objects/ab/cdef") and not refs.moved("/r/.git/logs/HEAD")
    assert not refs.moved("/r/.git/refs/tags/v1")
    # a worktree of a bare repository: its git dirs are watched too, but only their refs matter there
    from graphbuddy.watch import wanted

    bare = GitRefs("/x/repo.git/worktrees/wt", "/x/repo.git")
    assert wanted("/x/repo.git/refs/heads/main", "/w/wt", bare)
    assert wanted("/x/repo.git/worktrees/wt/HEAD", "/w/wt", bare)
    assert not wanted("/x/repo.git/objects/ab/cdef0123", "/w/wt", bare)
    assert not wanted("/x/repo.git/config", "/w/wt", bare)
    assert wanted("/w/wt/src/a.py", "/w/wt", bare) and not wanted("/w/wt/notes.txt", "/w/wt", bare)


def test_a_negative_debounce_is_one_line_not_an_internal_error(project_copy, tmp_path):
    """`watch --debounce-ms -5` reached watchfiles: "internal error: OverflowError: can't convert negative int to
    unsigned", exit 70."""
    from clirun import run_cli

    proc = run_cli("watch", str(project_copy), "--debounce-ms", "-5", store=tmp_path / "store")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "graphbuddy: error: the debounce must be 0 ms or more, got -5"
