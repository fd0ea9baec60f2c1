"""gb.sql: the same Result as gb.cypher, read-only by two fences (DuckDB's parser, a READ ONLY transaction)."""
from __future__ import annotations

import datetime as dt

import pytest

import graphbuddy
from graphbuddy.errors import QueryError, ReadOnlyViolation
from graphbuddy.result import Result


@pytest.fixture(scope="module")
def gb(tmp_path_factory):
    store = graphbuddy.open(tmp_path_factory.mktemp("sqlstore") / "store")       # on disk: ATTACH/COPY matter
    store.analytics.execute("INSERT INTO events VALUES (?, 'p', 'index', NULL, 'full', 3, '{}')",
                            [dt.datetime(2026, 1, 1, 10)])
    yield store
    store.close()


def _events(gb) -> int:
    return gb.sql("SELECT count(*) AS n FROM events").rows()[0]["n"]


def test_sql_returns_a_result_with_every_view(gb):
    r = gb.sql("SELECT project, kind, value FROM events WHERE kind = $kind AND ts >= $since",
               kind="index", since=dt.datetime(2025, 1, 1))
    assert isinstance(r, Result) and r.rows() == [{"project": "p", "kind": "index", "value": 3.0}]
    assert list(r.df().columns) == ["project", "kind", "value"] and r.arrow().num_rows == 1
    assert list(r.nx().edges()) == [("p", "index")]


@pytest.mark.parametrize("text", [
    "SELECT 1", "FROM events", "WITH x AS (SELECT 1 AS a) SELECT * FROM x", "DESCRIBE events", "SHOW TABLES",
    "SUMMARIZE events", "EXPLAIN SELECT * FROM events", "PRAGMA table_info('events')",
    "SELECT 'DELETE FROM events; DROP TABLE events' AS harmless -- DROP",
])
def test_reads_pass(gb, text):
    gb.sql(text)


@pytest.mark.parametrize("text", [
    "DELETE FROM events", "delete from events", "INSERT INTO events (kind) VALUES ('x')",
    "UPDATE events SET value = 0", "DROP TABLE events", "CREATE TABLE x(a INT)", "CREATE TEMP TABLE x(a INT)",
    "ALTER TABLE events ADD COLUMN z INT", "TRUNCATE events",
    "COPY events TO '/tmp/graphbuddy-leak.csv'", "COPY (SELECT * FROM events) TO '/tmp/graphbuddy-leak.csv'",
    "ATTACH ':memory:' AS other", "DETACH other", "INSTALL fts", "LOAD fts", "SET threads = 1",
    "PRAGMA enable_profiling", "CHECKPOINT", "EXPORT DATABASE '/tmp/graphbuddy-export'", "BEGIN TRANSACTION",
    "CALL pragma_version()", "USE memory",
    "SELECT 1; DELETE FROM events", "SELECT 1; SELECT 2", "/* SELECT */ DELETE FROM events",
])
def test_writes_and_side_effects_are_refused(gb, text):
    with pytest.raises(ReadOnlyViolation):
        gb.sql(text)
    assert _events(gb) == 1


def test_a_select_that_writes_through_a_function_is_stopped_by_the_transaction(gb):
    with pytest.raises(QueryError):
        gb.sql("SELECT * FROM query('DELETE FROM events')")
    assert _events(gb) == 1


def test_sql_errors_are_one_line_query_errors(gb):
    with pytest.raises(QueryError, match="SQL failed: .*no_such_table"):
        gb.sql("SELECT * FROM no_such_table")
    with pytest.raises(QueryError, match="SQL failed"):
        gb.sql("SELEC 1")
    assert _events(gb) == 1           # the reader connection recovers after errors


@pytest.mark.parametrize("text", [
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{out}'", "EXPLAIN ANALYZE COPY events TO '{out}'",
    "EXPLAIN (ANALYZE) COPY (SELECT 2) TO '{out}'", "/* x */ explain analyse COPY events TO '{out}' (FORMAT csv)",
    "EXPLAIN ANALYZE SET threads = 1", "EXPLAIN SET threads = 1", "EXPLAIN ANALYZE CHECKPOINT",
    "EXPLAIN ANALYZE DELETE FROM events", "EXPLAIN ANALYZE LOAD fts",
])
def test_explain_analyze_runs_only_a_select(gb, tmp_path, text):
    # EXPLAIN ANALYZE runs the statement it explains: COPY ... TO wrote the file and SET changed the database's
    # threads, all through the read-only `sql` (the READ ONLY transaction only stops writes to tables)
    out = tmp_path / "leak.csv"
    threads = gb.analytics.rows("SELECT current_setting('threads')")
    with pytest.raises(ReadOnlyViolation, match="EXPLAIN .*refused"):
        gb.sql(text.format(out=out))
    assert not out.exists() and gb.analytics.rows("SELECT current_setting('threads')") == threads
    assert _events(gb) == 1


@pytest.mark.parametrize("text", [
    "EXPLAIN SELECT * FROM events", "EXPLAIN ANALYZE SELECT count(*) FROM events",
    "EXPLAIN (ANALYZE, FORMAT json) SELECT 1", "-- why\nEXPLAIN ANALYZE WITH x AS (SELECT 1) SELECT * FROM x",
])
def test_explain_of_a_select_passes(gb, text):
    assert gb.sql(text).arrow().num_rows >= 1


def test_text_that_is_not_utf8_is_a_one_line_error(gb):
    # a lone surrogate (what Python makes of a non-UTF-8 byte in argv) leaked pybind's TypeError
    with pytest.raises(QueryError, match="not valid UTF-8"):
        gb.sql("SELECT '\udcff' AS x")
    with pytest.raises(QueryError, match="not valid UTF-8"):
        gb.sql("SELECT $v AS x", v="caf\udce9")


def test_sql_parameters_must_match_the_placeholders(gb):
    """DuckDB said 'Parameter argument/count mismatch, identifiers of the excess parameters: x' for a value the
    text does not use, and 'Values were not provided for the following prepared statement parameters: x'."""
    with pytest.raises(QueryError, match=r"parameter\(s\) x not used by the query \(it uses none\)"):
        gb.sql("SELECT 1 AS v", x=1)
    with pytest.raises(QueryError, match=r"parameter\(s\) y not used by the query \(it uses \$kind\)"):
        gb.sql("SELECT count(*) AS n FROM events WHERE kind = $kind", kind="index", y=2)
    with pytest.raises(QueryError, match=r"no value given for \$kind"):
        gb.sql("SELECT count(*) AS n FROM events WHERE kind = $kind")
    assert gb.sql("SELECT '$x' AS v, $y AS w -- $z", y=1).rows() == [{"v": "$x", "w": 1}]    # strings, comments
    assert gb.sql("SELECT $1 AS v", params={"1": "a"}).rows() == [{"v": "a"}]               # positional: DuckDB's
