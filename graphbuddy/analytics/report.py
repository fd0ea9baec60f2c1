"""The compact work report behind `graphbuddy analytics`, and its optional chart (PNG, or HTML with inline SVG)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import InvalidArgument


def build_report(gb, *, project: str | None = None, since: dt.datetime | None = None,
                 store_insights: bool = True) -> dict:
    """Commits, compliance, activity, quality, sessions and correlations; every figure from the stores."""
    from .correlations import compute_correlations, store_correlations

    p = {"project": project, "since": since}
    compliance = gb.query("analytics.compliance", **p).rows()
    days = gb.query("analytics.velocity", bucket="day", **p).rows()
    weeks = gb.query("analytics.velocity", bucket="week", **p).rows()
    hours = gb.query("analytics.activity_by_hour", **p).rows()
    weekdays = gb.query("analytics.activity_by_weekday", **p).rows()
    quality = gb.query("analytics.quality_trend", bucket="day", **p).rows()
    sessions = gb.query("sessions.durations", **p).rows()
    commits = sum(r["commits"] for r in compliance)
    # none since the date: how many the whole history has, so the report does not say to ingest it again
    unbounded = sum(r["commits"] for r in gb.query("analytics.compliance", project=project).rows()) \
        if since is not None and not commits else commits
    conventional = sum(r["conventional"] for r in compliance)
    span_days = ((days[-1]["bucket"] - days[0]["bucket"]).days + 1) if days else 0
    minutes = sorted(s["minutes"] for s in sessions)
    correlations = compute_correlations(gb, project=project, since=since)
    insight_ids = store_correlations(gb, correlations) if store_insights else []
    return {
        "project": project, "since": since,
        "commits": {"total": commits, "merges_excluded": True, "without_since": unbounded,
                    "conventional": conventional,
                    "compliance": round(conventional / commits, 4) if commits else None,
                    "breaking": sum(r["breaking"] for r in compliance),
                    "active_days": len(days), "span_days": span_days,
                    "per_day": round(commits / span_days, 3) if span_days else None,
                    "per_week": round(commits / len(weeks), 3) if weeks else None,
                    "busiest_day": max(days, key=lambda r: r["commits"])["bucket"].date() if days else None,
                    "most_active_hour": hours[0]["hour"] if hours else None,
                    "most_active_weekday": weekdays[0]["weekday"] if weekdays else None},
        "quality": {"days": len(quality),
                    "first": quality[0]["quality"] if quality else None,
                    "last": quality[-1]["quality"] if quality else None,
                    "mean": sum(q["quality"] for q in quality) / len(quality) if quality else None},
        "sessions": {"count": len(sessions),
                     "median_minutes": minutes[len(minutes) // 2] if minutes else None,
                     "total_minutes": sum(minutes)},
        "correlations": [c.as_dict() | {"sentence": c.sentence()} for c in correlations],
        "insights_stored": insight_ids,
    }


def format_report(r: dict) -> str:
    c, q, s = r["commits"], r["quality"], r["sessions"]
    scope = r["project"] or "all projects"
    lines = [f"{scope}" + (f" since {r['since']:%Y-%m-%d}" if r["since"] else "")]
    if c["total"]:
        lines.append(f"  commits     {c['total']} (merges excluded) over {c['span_days']} days ({c['per_day']}/day, "
                     f"{c['per_week']}/week), {c['active_days']} active days, busiest {c['busiest_day']}")
        lines.append(f"  convention  {c['compliance']:.0%} conventional ({c['conventional']}/{c['total']}, merges "
                     f"excluded), {c['breaking']} breaking")
        lines.append(f"  activity    most active hour {c['most_active_hour']:02d}:00 UTC, {c['most_active_weekday']}")
    elif c.get("without_since"):
        lines.append(f"  commits     none since {r['since']:%Y-%m-%d} ({c['without_since']} without --since)")
    else:
        lines.append("  commits     none stored (run `graphbuddy ingest-git PATH`)")
    if q["days"]:
        lines.append(f"  quality     {q['days']} days: first {q['first']:.3f}, last {q['last']:.3f}, "
                     f"mean {q['mean']:.3f}")
    else:
        lines.append("  quality     no checkpoints")
    if s["count"]:
        lines.append(f"  sessions    {s['count']}, median {s['median_minutes']:.0f} min, total "
                     f"{s['total_minutes']:.0f} min")
    for corr in r["correlations"]:
        lines.append(f"  corr        {corr['sentence']}")
    return "\n".join(lines)


def write_chart(gb, path: str | Path, *, project: str | None = None, since: dt.datetime | None = None) -> Path:
    """Commits per day (bars) and mean daily quality (line) in one figure: `.png`, or `.html` with inline SVG."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".html", ".svg"):
        raise InvalidArgument(f"--chart wants a .png, .svg or .html file, got {path.name}")
    if not path.parent.is_dir():        # checked before drawing: matplotlib's own error is a traceback
        raise InvalidArgument(f"cannot write the chart {path}: folder {path.parent} does not exist")
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = gb.query("analytics.velocity", bucket="day", project=project, since=since).rows()
    quality = gb.query("analytics.quality_trend", bucket="day", project=project, since=since).rows()
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.bar([d["bucket"] for d in days], [d["commits"] for d in days], color="#7aa6c2", label="commits/day")
    ax.set_ylabel("commits per day")
    if quality:
        ax2 = ax.twinx()
        ax2.plot([q["bucket"] for q in quality], [q["quality"] for q in quality], color="#c0392b", marker="o",
                 label="quality")
        ax2.set_ylabel("quality (mean of the day)")
    ax.set_title(f"Work of {project or 'all projects'}")
    fig.autofmt_xdate()
    fig.tight_layout()
    try:
        if path.suffix.lower() == ".html":
            buf = io.StringIO()
            fig.savefig(buf, format="svg")
            report = format_report(build_report(gb, project=project, since=since, store_insights=False))
            from html import escape

            path.write_text(f"<!doctype html><meta charset='utf-8'><title>graphbuddy analytics</title>"
                            f"<pre>{escape(report)}</pre>\n{buf.getvalue()}\n")
        else:
            fig.savefig(path, dpi=110)
    except OSError as exc:              # not writable, a folder of that name, disk full
        raise InvalidArgument(f"cannot write the chart {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return path
