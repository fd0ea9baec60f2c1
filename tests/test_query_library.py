"""The named query library on small constructed graphs: the expected rows are known."""
from __future__ import annotations

import datetime as dt

import pytest

import graphbuddy


def _write(root, files: dict[str, str]):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="module")
def gb(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lib")
    _write(tmp / "cyc", {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n\ndef fa(n):\n    return b.fb(n)\n",
        "pkg/b.py": "from pkg import a\n\ndef fb(n):\n    return a.fa(n - 1) if n else helper()\n\n"
                    "def helper():\n    return deep()\n\ndef deep():\n    return 0\n\ndef _orphan():\n    return 1\n\n"
                    "class Big:\n    def one(self):\n        pass\n    def two(self):\n        pass\n"
                    "    def three(self):\n        pass\n\nclass Small:\n    def only(self):\n        pass\n",
        "pkg/c.py": "from pkg import d\n",
        "pkg/d.py": "from pkg import c\n",
    })
    _write(tmp / "lib", {"lib/__init__.py": "", "lib/util.py": "import json\n\ndef tool():\n    return 1\n"})
    _write(tmp / "app", {"app/main.py": "import json\nimport lib.util\n\ndef run():\n    return lib.util.tool()\n"})
    store = graphbuddy.open(memory=True)
    for name in ("cyc", "lib", "app"):
        store.index(tmp / name, project=name)
    g = store.graph
    t0 = dt.datetime(2026, 4, 1, 9)
    with g.transaction():
        g.execute("MATCH (a:Project {id: 'app'}), (b:Project {id: 'lib'}) "
                  "CREATE (a)-[:DEPENDS_ON {type: 'uses', source: 'manual'}]->(b)")
        for i, (minutes, q0, q1) in enumerate([(30, 0.5, 0.6), (90, 0.6, 0.5)]):
            g.execute("CREATE (:Session {id: $id, project: 'cyc', started_at: $s, ended_at: $e, quality_start: $a, "
                      "quality_end: $b})", {"id": f"s{i}", "s": t0 + dt.timedelta(days=i),
                                           "e": t0 + dt.timedelta(days=i, minutes=minutes), "a": q0, "b": q1})
        g.execute("MATCH (s:Session {id: 's0'}), (f:File {id: 'cyc:pkg/b.py'}) CREATE (s)-[:TOUCHED {change: 'M'}]->(f)")
        g.execute("CREATE (:Reflection {id: 'r1', project: 'cyc', content: 'fb recursion needs a base case', "
                  "created_at: $t, votes: 2})", {"t": t0})
        g.execute("CREATE (:Reflection {id: 'r2', project: 'cyc', content: 'b.py is the heart', created_at: $t, "
                  "votes: 0})", {"t": t0 + dt.timedelta(days=1)})
        g.execute("MATCH (r:Reflection {id: 'r1'}), (f:Function {qualified_name: 'pkg.b.fb'}) CREATE (r)-[:ABOUT]->(f)")
        g.execute("MATCH (r:Reflection {id: 'r2'}), (f:File {id: 'cyc:pkg/b.py'}) CREATE (r)-[:ABOUT]->(f)")
        for i, (month, topics) in enumerate([(1, ["perf"]), (2, ["perf", "db"]), (3, ["db"])]):
            g.execute("CREATE (:Insight {id: $id, content: $c, type: 'note', topics: $t, created_at: $at})",
                      {"id": f"i{i}", "c": f"insight {i}", "t": topics, "at": dt.datetime(2026, month, 5)})
    yield store
    store.close()


def _fid(gb, name: str) -> str:
    return gb.query("code.find_symbol", text=name).rows()[0]["id"]


def test_cycles(gb):
    assert gb.query("code.import_cycles", project="cyc").rows() == [
        {"length": 2, "cycle": ["pkg/a.py", "pkg/b.py", "pkg/a.py"], "start": "cyc:pkg/a.py"},
        {"length": 2, "cycle": ["pkg/c.py", "pkg/d.py", "pkg/c.py"], "start": "cyc:pkg/c.py"}]
    assert [r["cycle"] for r in gb.query("code.call_cycles", project="cyc").rows()] == [
        ["pkg.a.fa", "pkg.b.fb", "pkg.a.fa"]]


def test_call_chains_respect_depth(gb):
    down = gb.query("code.call_chain_down", id=_fid(gb, "pkg.a.fa"), depth=3).rows()
    assert {(r["function"], r["depth"]) for r in down} == {("pkg.b.fb", 1), ("pkg.b.helper", 2), ("pkg.b.deep", 3)}
    assert next(r["chain"] for r in down if r["function"] == "pkg.b.deep") == \
        ["pkg.a.fa", "pkg.b.fb", "pkg.b.helper", "pkg.b.deep"]
    assert {r["function"] for r in gb.query("code.call_chain_down", id=_fid(gb, "pkg.a.fa"), depth=1).rows()} == \
        {"pkg.b.fb"}
    up = gb.query("code.call_chain_up", id=_fid(gb, "pkg.b.deep"), depth=2).rows()
    assert {(r["function"], r["depth"]) for r in up} == {("pkg.b.helper", 1), ("pkg.b.fb", 2)}


def test_dead_code_and_largest_classes(gb):
    dead = {r["function"] for r in gb.query("code.dead_code", project="cyc").rows()}
    assert "pkg.b._orphan" in dead and "pkg.b.Big.one" in dead
    assert not dead & {"pkg.b.helper", "pkg.b.deep", "pkg.a.fa", "pkg.b"}     # called, or a module
    top = gb.query("code.largest_classes", project="cyc").rows()
    assert [(r["class"], r["methods"]) for r in top] == [("pkg.b.Big", 3), ("pkg.b.Small", 1)]


def test_project_links(gb):
    connected = {r["project"]: r for r in gb.query("projects.most_connected").rows()}
    assert (connected["app"]["depends_on"], connected["lib"]["depended_on_by"]) == (1, 1)
    assert gb.query("projects.dependencies", project="lib").rows()[0]["type"] == "uses"
    shared = gb.query("projects.shared_modules").rows()
    assert [(r["module"], r["projects"]) for r in shared] == [("python:json", ["app", "lib"])]
    implied = gb.query("projects.implied_imports").rows()
    assert [(r["importer"], r["provider"], r["module"]) for r in implied] == [("app", "lib", "lib.util")]


def test_memory_and_sessions(gb):
    about_file = gb.query("memory.reflections_about_file", file="pkg/b.py").rows()
    assert [r["id"] for r in about_file] == ["r2", "r1"]          # the file itself and a function in it
    assert [r["id"] for r in gb.query("memory.reflections_about_function", function="pkg.b.fb").rows()] == ["r1"]
    assert [r["session"] for r in gb.query("sessions.touched_file", file="cyc:pkg/b.py").rows()] == ["s0"]
    assert [r["session"] for r in gb.query("sessions.touched_function", function="pkg.b.helper").rows()] == ["s0"]
    durations = gb.query("sessions.durations", project="cyc").rows()
    assert [(r["minutes"], round(r["quality_delta"], 3)) for r in durations] == [(30.0, 0.1), (90.0, -0.1)]
    perf = gb.query("memory.insights_by_topic", topic="perf").rows()
    assert [r["id"] for r in perf] == ["i0", "i1"]
    assert [r["id"] for r in gb.query("memory.insights_by_topic", topic="db", since="2026-03-01").rows()] == ["i2"]
    over_time = gb.query("memory.insight_topics_over_time").rows()
    assert [(r["topic"], r["month"].month, r["insights"]) for r in over_time] == [
        ("perf", 1, 1), ("db", 2, 1), ("perf", 2, 1), ("db", 3, 1)]


def test_find_by_id_gives_no_row_for_an_unknown_id(gb):
    """It answered one row of eight nulls for an id that is none of a function, class or file."""
    assert gb.query("code.find_by_id", id="cyc:no/such.py").rows() == []
    assert gb.query("code.find_by_id", id="").rows() == []
    [row] = gb.query("code.find_by_id", id="cyc:pkg/b.py").rows()
    assert (row["file"], row["path"], row["function"], row["class"]) == ("cyc:pkg/b.py", "pkg/b.py", None, None)
    [row] = gb.query("code.find_by_id", id=_fid(gb, "pkg.b.fb")).rows()
    assert (row["function_name"], row["file"]) == ("pkg.b.fb", None)
