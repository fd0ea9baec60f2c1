"""Analytics benchmark (issue: notebooks and analytics).

Prints, measured in the same run:
  building a git repository of N commits with one `git fast-import`;
  the raw `git log --numstat` of that repository (the floor) and graphbuddy's ingestion of it, as a ratio;
  an incremental re-run (nothing new), and re-runs after 10 new commits, an amend and a reset (rewrites);
  the time-series aggregates (named queries, through the read-only path) over M generated events and over the
  ingested commits: p50 and max over R runs each, against a full-scan `count(*)` baseline. Target: <= 100 ms p50.

    .venv/bin/python bench/bench_analytics.py [--commits 10000] [--events 1000000] [--runs 15]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import graphbuddy  # noqa: E402
from graphbuddy.analytics import samples  # noqa: E402

MESSAGES = ["feat(api): add endpoint {i}", "fix(core): handle case {i}", "docs: explain {i}", "refactor!: rework {i}",
            "update stuff {i}", "chore(deps): bump {i}", "test: cover {i}", "WIP {i}"]


def build(path: Path, n: int) -> float:
    start = dt.datetime(2024, 1, 1)
    commits = [samples.CommitSpec(start + dt.timedelta(minutes=37 * i), MESSAGES[i % len(MESSAGES)].format(i=i),
                                  {f"src/m{i % 400}.py": f"v = {i}\n"}, author=f"Dev{i % 7} Person")
               for i in range(n)]
    t = time.perf_counter()
    samples.build_repo(path, commits)
    return time.perf_counter() - t


def timed(fn, runs: int) -> tuple[float, float]:
    fn()                                                    # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def history_moves(gb, repo: Path) -> dict:
    """Re-runs after the history moved: 10 new commits (a fast-forward: only those are read), an amend and a
    reset (rewrites: `git rev-list` lists the history, what left it is dropped). Ends with the commits it began
    with, so the aggregates below see the same table."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=Bench", "-c", "user.email=b@example.com", *args],
                       check=True, capture_output=True)

    def ingest():
        t = time.perf_counter()
        r = gb.ingest_git(repo, project="bench")
        return time.perf_counter() - t, r

    out = {}
    for i in range(10):
        git("commit", "-q", "--allow-empty", "-m", f"feat: more {i}")
    out["10 new commits"] = ingest()
    git("commit", "-q", "--amend", "--allow-empty", "-m", "fix: amended")
    out["an amend (rewrite)"] = ingest()
    git("reset", "-q", "--hard", "HEAD~10")
    out["reset --hard HEAD~10"] = ingest()
    return out


def generate_events(gb, n: int) -> float:
    t = time.perf_counter()
    gb.analytics.execute(f"""
        INSERT INTO events
        SELECT TIMESTAMP '2026-01-01' + INTERVAL (i * 7) SECOND AS ts, 'p' || (i % 20) AS project,
               ['index', 'git', 'tool', 'checkpoint', 'session'][1 + (i % 5)] AS kind,
               's' || (i // 500) AS session_id, 'e' || (i % 13) AS name, (i % 100) / 10.0 AS value, NULL AS attrs
        FROM range({n}) t(i)""")
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    ms = 1000.0
    with tempfile.TemporaryDirectory(prefix="gb-bench-analytics-") as tmp:
        tmp = Path(tmp)
        repo = tmp / "repo"
        built = build(repo, args.commits)
        print(f"built a repository of {args.commits:,} commits with git fast-import in {built:.2f}s")

        t = time.perf_counter()
        subprocess.run(["git", "-C", str(repo), "log", "--numstat", "--format=%H%x1f%at%x1f%an%x1f%P%x1f%B"],
                       check=True, stdout=subprocess.DEVNULL)
        floor = time.perf_counter() - t
        with graphbuddy.open(tmp / "store") as gb:
            build(tmp / "tiny", 3)                              # warm: imports (pyarrow, pandas) happen once
            gb.ingest_git(tmp / "tiny", project="warm")
            t = time.perf_counter()
            report = gb.ingest_git(repo, project="bench")
            ingest = time.perf_counter() - t
            assert report.commits_added == args.commits, report
            t = time.perf_counter()
            again = gb.ingest_git(repo, project="bench")
            rerun = time.perf_counter() - t
            assert again.commits_added == 0
            print(f"git log --numstat alone (floor)          {floor * ms:8.0f} ms")
            print(f"ingest-git, {args.commits:,} commits               {ingest * ms:8.0f} ms  = {ingest / floor:.2f}x the floor "
                  f"({args.commits / ingest:,.0f} commits/s)")
            print(f"ingest-git re-run (nothing new)          {rerun * ms:8.0f} ms")
            moves = history_moves(gb, repo)
            for name, (seconds, r) in moves.items():
                print(f"ingest-git after {name:<24}{seconds * ms:8.0f} ms  = {seconds / ingest:.2f}x the first run "
                      f"(read {r.commits_read}, added {r.commits_added}, dropped {r.commits_dropped})")

            gen = generate_events(gb, args.events)
            print(f"generated {args.events:,} events in DuckDB in {gen:.2f}s")
            since = dt.datetime(2026, 1, 1) + dt.timedelta(seconds=7 * args.events) - dt.timedelta(days=7)
            cases = {
                "baseline: count(*) over events": lambda: gb.sql("SELECT count(*) FROM events"),
                "events per hour x kind (event_series)": lambda: gb.query("analytics.event_series", bucket="hour"),
                "events per day x kind, one project": lambda: gb.query("analytics.event_series", bucket="day",
                                                                       project="p3"),
                "last 7 days, 15-minute buckets (sql)": lambda: gb.sql(
                    "SELECT time_bucket(INTERVAL 15 MINUTE, ts) AS b, count(*) AS n FROM events WHERE ts >= $since "
                    "GROUP BY 1 ORDER BY 1", since=since),
                "session spans (session_events)": lambda: gb.query("analytics.session_events"),
                f"commit velocity per day ({args.commits:,} commits)": lambda: gb.query("analytics.velocity"),
                "commit velocity per week": lambda: gb.query("analytics.velocity", bucket="week"),
                "compliance + breaking": lambda: gb.query("analytics.compliance"),
                "most active hour": lambda: gb.query("analytics.activity_by_hour"),
                "most active weekday": lambda: gb.query("analytics.activity_by_weekday"),
            }
            base = None
            worst = 0.0
            print(f"\naggregates, p50 / max over {args.runs} runs (target <= 100 ms p50):")
            for name, fn in cases.items():
                p50, top = timed(fn, args.runs)
                base = base or p50
                if not name.startswith("baseline"):
                    worst = max(worst, p50)
                print(f"  {name:<44} {p50 * ms:7.1f} ms / {top * ms:7.1f} ms  = {p50 / base:5.1f}x baseline")
            print(f"\nslowest aggregate p50: {worst * ms:.1f} ms -> {'met' if worst <= 0.1 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
