"""Named queries compile against a fresh schema; user Cypher is read-only."""
from __future__ import annotations

import pytest

import graphbuddy
from graphbuddy import queries
from graphbuddy.errors import InvalidArgument, QueryError, ReadOnlyViolation


@pytest.fixture(scope="module")
def fresh():
    with graphbuddy.open(memory=True) as gb:
        yield gb


def test_every_named_query_compiles_against_a_fresh_schema(fresh):
    cat = queries.catalogue()
    assert len(cat) >= 40
    assert {q.name.split(".")[0] for q in cat.values()} >= {"code", "projects", "memory", "sessions", "analytics"}
    for q in cat.values():
        assert q.description, f"{q.name} has no description"
        if q.language == "cypher":
            fresh.graph.prepare(q.text)      # raises QueryError with the query's text on a binder error
        else:                                # DuckDB binds at run time: run it on the empty tables
            fresh.query(q.name, **_values(q))


_VALUES = {"STRING": "sample", "INT64": 5, "STRING[]": ["sample:shop/cli.py"], "TIMESTAMP": "2020-01-01"}


def _values(q, *, optional: bool = False) -> dict:
    params = {p.name: _VALUES[p.type] for p in q.params if p.required or (optional and p.type == "TIMESTAMP")}
    if "rels" in params:
        params["rels"] = ["CALLS", "IMPORTS"]
    return params


def test_every_named_query_runs_on_the_sample(sample_gb):
    for q in queries.catalogue().values():
        sample_gb.query(q.name, **_values(q))                  # parameters line up with the text
        sample_gb.query(q.name, **_values(q, optional=True))   # also with the optional dates bound


def test_parameters_are_declared_converted_and_checked(sample_gb):
    q = queries.get("code.hotspots")
    assert [p.name for p in q.params] == ["project", "limit"]
    assert q.bind({"project": "sample", "limit": "3"}) == {"project": "sample", "limit": 3}
    with pytest.raises(QueryError, match="missing parameter 'project'"):
        q.bind({})
    with pytest.raises(QueryError, match="unknown parameter"):
        q.bind({"project": "x", "bogus": 1})
    with pytest.raises(InvalidArgument, match="expects INT64"):
        q.bind({"project": "x", "limit": "many"})
    with pytest.raises(QueryError, match="unknown query"):
        queries.get("code.nope")
    with pytest.raises(InvalidArgument, match="parameter 'limit' expects INT64, got float"):
        sample_gb.query("code.hotspots", project="sample", limit=3.5)
    import numpy as np

    assert len(sample_gb.query("code.hotspots", project="sample", limit=np.int64(2))) == 2   # a DataFrame value
    with pytest.raises(InvalidArgument, match="parameter 'limit' expects INT64, got bool"):
        sample_gb.query("code.hotspots", project="sample", limit=True)
    with pytest.raises(InvalidArgument, match="parameter 'project' expects STRING, got int"):
        sample_gb.query("code.hotspots", project=7)
    with pytest.raises(InvalidArgument, match="parameter 'since' expects TIMESTAMP"):
        sample_gb.query("analytics.velocity", since="last tuesday")
    # outside a declared range: Kùzu said "The number of rows to skip/limit must be a non-negative integer.",
    # DuckDB "LIMIT/OFFSET cannot be negative", and a depth past 10 ran as 10
    with pytest.raises(InvalidArgument, match="parameter 'limit' expects INT64 of 0 or more, got -1"):
        sample_gb.query("code.hotspots", project="sample", limit=-1)
    with pytest.raises(InvalidArgument, match="parameter 'limit' expects INT64 of 0 or more, got -3"):
        queries.get("analytics.top_authors").bind({"limit": "-3"})
    with pytest.raises(InvalidArgument, match="parameter 'depth' expects INT64 from 1 to 10, got 50"):
        queries.get("code.call_chain_down").bind({"id": "x", "depth": "50"})
    assert queries.get("code.call_chain_up").bind({"id": "x", "depth": 10})["depth"] == 10
    assert sample_gb.query("code.hotspots", project="sample", limit=0).rows() == []
    # a value outside the declared choices: DuckDB said 'extract specifier "fortnight" not recognized'
    with pytest.raises(InvalidArgument, match="parameter 'bucket' expects one of minute, hour, day, week, month, "
                                              "quarter, year; got 'fortnight'"):
        sample_gb.query("analytics.velocity", bucket="fortnight")
    assert sample_gb.query("analytics.quality_trend", bucket="Week").rows() == []       # any case
    with pytest.raises(InvalidArgument, match="parameter 'ids' expects STRING\\[\\]"):
        queries.get("code.members").bind({"ids": [1, 2]})
    # an integer past INT64 reached Kùzu's binding: "Unable to cast Python instance of type <class 'int'> to C++
    # type '?' (#define PYBIND11_DETAILED_ERROR_MESSAGES ...)" (found: `query ... -p limit=99999999999999999999`)
    with pytest.raises(InvalidArgument, match="parameter 'limit' expects INT64, got 99999999999999999999 \\(out"):
        q.bind({"project": "x", "limit": "99999999999999999999"})
    with pytest.raises(InvalidArgument, match="out of range"):
        sample_gb.query("code.hotspots", project="sample", limit=2 ** 63)
    assert q.bind({"project": "x", "limit": str(2 ** 63 - 1)})["limit"] == 2 ** 63 - 1
    rows = sample_gb.query("code.hotspots", project="sample", limit="3").rows()
    assert 0 < len(rows) <= 3 and rows[0]["callers"] >= rows[-1]["callers"]


@pytest.mark.parametrize("text", [
    "CREATE (:Module {id: 'x', name: 'x', language: 'x'})",
    "match (m:Module) delete m",
    "MATCH (f:File) SET f.path = 'x' RETURN f",
    "MATCH (m:Module) DETACH DELETE m",
    "MERGE (m:Module {id: 'x'})",
    "DROP TABLE Module",
    "ALTER TABLE File ADD x INT64",
    "COPY Module FROM 'x.csv'",
    "LOAD EXTENSION fts",
    "INSTALL fts",
    "ATTACH 'x' AS y (dbtype duckdb)",
    "MATCH (n) RETURN n; CREATE (:Module {id: 'x'})",
    "MATCH (n) RETURN n /* harmless */ ; MATCH (m:Module) DELETE m",
    "CALL drop_fts_index('File', 'x')",
    "cReAtE (:Module {id: 'x'})",
])
def test_write_statements_are_refused(fresh, text):
    with pytest.raises(QueryError):
        fresh.cypher(text)
    assert fresh.cypher("MATCH (m:Module) RETURN count(*) AS n").rows() == [{"n": 0}]


def test_comments_and_strings_do_not_trip_the_guard(fresh):
    assert fresh.cypher("MATCH (f:File) WHERE f.path = 'CREATE;DELETE' RETURN count(*) AS n // SET").rows() == [{"n": 0}]


def test_the_database_enforces_read_only_even_past_the_guard(fresh):
    with pytest.raises(QueryError, match="read-only"):
        fresh.graph.read_only("CREATE (:Module {id: 'x', name: 'x', language: 'x'})")
    assert fresh.cypher("MATCH (m:Module) RETURN count(*) AS n").rows() == [{"n": 0}]


def test_read_only_violation_is_a_query_error():
    with pytest.raises(ReadOnlyViolation):
        queries.check_read_only("MATCH (n) DELETE n")


@pytest.mark.parametrize("name, suggestion", [
    ("code.hotspot", "code.hotspots"), ("hotspots", "code.hotspots"), ("analytics.velocit", "analytics.velocity"),
    ("sessions.duration", "sessions.durations"), ("code.import_cycle", "code.import_cycles"),
])
def test_unknown_query_names_suggest_close_ones(name, suggestion):
    with pytest.raises(QueryError, match=f"did you mean .*{suggestion.replace('.', '[.]')}"):
        queries.get(name)


def test_sql_queries_use_sql_comments_and_run_on_duckdb():
    q = queries.get("analytics.velocity")
    assert q.language == "sql" and q.source.endswith(".sql") and "--" not in q.text.splitlines()[0]
    assert [p.name for p in q.params] == ["project", "bucket", "since"]


def test_docs_queries_md_is_in_sync():
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "queries.md"
    assert doc.read_text() == queries.catalogue_markdown(), "regenerate docs/queries.md (see its first line)"


def test_a_misspelt_project_is_an_error_not_an_empty_result(sample_gb):
    """`graphbuddy query code.hotspots -p project=typo` printed "(no rows)": it names the known projects."""
    from graphbuddy.errors import NotFound

    with pytest.raises(NotFound, match=r"no project named 'sampel' \(known: sample\)"):
        sample_gb.query("code.hotspots", project="sampel")
    with pytest.raises(NotFound, match="no project named 'sampel'"):
        sample_gb.query("analytics.velocity", project="sampel")          # SQL queries too
    with pytest.raises(NotFound, match="no project named 'sampel'"):
        sample_gb.find_related_code("main", project="sampel")             # was "no ... named 'main' in 'sampel'"
    assert sample_gb.query("code.hotspots", project="sample", limit=0).rows() == []   # known: empty is fine
    assert sample_gb.query("analytics.velocity", project="sample").rows() == []      # no commits stored


def test_a_project_known_only_by_its_git_history_is_not_unknown(tmp_path):
    """Commits ingested under a name no index used (`ingest-git PATH --project x`) make the name known."""
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.txt").write_text("a\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "feat: a"], check=True)
    with graphbuddy.open(memory=True) as gb:
        gb.ingest_git(repo, project="history")
        assert len(gb.query("analytics.velocity", project="history").rows()) == 1
        assert gb.query("analytics.breaking_changes", project="history").rows() == []
        assert gb.query("sessions.durations", project="history").rows() == []


def test_user_cypher_parameters_must_match_the_placeholders(sample_gb):
    """A `$n` without a value ran as NULL: `cypher 'MATCH (f:Function) WHERE f.name = $n ...'` without `-p n=...`
    printed 0 rows; a value for no placeholder failed with Kùzu's "Parameter n not found"."""
    text = "MATCH (f:Function) WHERE f.name = $n RETURN count(*) AS c"
    with pytest.raises(QueryError, match=r"no value given for \$n"):
        sample_gb.cypher(text)
    with pytest.raises(QueryError, match=r"parameter\(s\) m not used by the query \(it uses \$n\)"):
        sample_gb.cypher(text, n="apply_discount", m=1)
    assert sample_gb.cypher(text, n="apply_discount").rows() == [{"c": 1}]
    # `-->` is an arrow, not a SQL comment; strings and comments hold no placeholders
    assert sample_gb.cypher("MATCH (:File)-->(f:Function) WHERE f.name = $n RETURN count(*) AS c // $x",
                            n="apply_discount").rows() == [{"c": 1}]
    assert sample_gb.cypher("RETURN '$x' AS a, \"it's $y\" AS b /* $z */").rows() == [{"a": "$x", "b": "it's $y"}]


def test_placeholders_are_found_per_language():
    assert queries.parameter_names("MATCH (a)-->(b)--(c) WHERE b.x = $n RETURN $m // $c", "cypher") == ["n", "m"]
    assert queries.parameter_names("SELECT $a, 'x''$s' -- $c\n, $b", "sql") == ["a", "b"]
    assert queries.parameter_names(r"SELECT 'a\' , $b", "sql") == ["b"]     # SQL strings have no escapes


def test_nx_names_the_columns_it_needs(sample_gb):
    """`.nx()` of a one-column result raised IndexError, of a misspelt column KeyError, of an OPTIONAL MATCH
    with no match networkx's "None cannot be a node": in a notebook, a traceback each."""
    with pytest.raises(InvalidArgument, match=r"nx\(\) needs two columns .* this result has f\.id"):
        sample_gb.cypher("MATCH (f:File) RETURN f.id LIMIT 2").nx()
    with pytest.raises(InvalidArgument, match=r"no column 'nope'; this result has a, b"):
        sample_gb.cypher("MATCH (a:Function)-[:CALLS]->(b:Function) RETURN a.id AS a, b.id AS b").nx(source="nope")
    g = sample_gb.cypher("MATCH (f:File {project: 'sample'}) OPTIONAL MATCH (f)-[:IMPORTS]->(t:File) "
                         "RETURN f.path AS file, t.path AS imported").nx()
    files = sample_gb.cypher("MATCH (f:File {project: 'sample'}) RETURN f.path AS p").rows()
    assert {r["p"] for r in files} <= set(g.nodes) and None not in g      # a file importing nothing is a node
