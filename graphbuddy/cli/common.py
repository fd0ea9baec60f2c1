"""Shared pieces of the CLI commands: store options, opening the library, output, parameters, progress."""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any


def store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="store folder (default: $GRAPHBUDDY_HOME or ~/.graphbuddy)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def open_store(args):
    """The store owner when one runs, else the files directly; never a lock error (see owner/client.py)."""
    from ..owner.client import open_shared

    return open_shared(args.store)


def emit(args, data, text: str) -> None:
    print(json.dumps(_finite(data), indent=2, default=str) if args.json else text)


def _finite(obj):
    """NaN and infinities as null: json.dumps writes them as NaN / Infinity, which is not JSON (jq and
    JSON.parse refuse the whole output). Decimals (SQL DECIMAL columns) as numbers, not strings."""
    if type(obj).__name__ == "Decimal":     # by name: importing decimal would slow every CLI start
        obj = float(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def parse_params(pairs: list[str], *, flag: str = "--param K=V") -> dict[str, Any]:
    """`K=V` pairs: V as text; for --param, `K:=V` takes V as JSON (a number, boolean, null, list)."""
    from ..errors import InvalidArgument

    option, form = flag.split(" ")
    out: dict[str, Any] = {}
    for pair in pairs:
        k, sep, v = pair.partition("=")
        as_json = option == "--param" and k.endswith(":")
        k = (k[:-1] if as_json else k).strip()
        if not sep or not k:
            raise InvalidArgument(f"{option} expects {form}, got {pair!r}")
        if k in out:
            raise InvalidArgument(f"{option} '{k}' given twice")
        if as_json:
            try:
                v = json.loads(v)
            except ValueError:
                raise InvalidArgument(f"{option} {k}:= expects a JSON value (2, 1.5, true, null, \"text\", [1, 2]), "
                                      f"got {v!r}") from None
        out[k] = v
    return out


def table(result, limit: int = 200) -> str:
    rows = result.rows()
    if not rows:
        return "(no rows)"
    cols = result.columns
    shown = [[cell(r[c]) for c in cols] for r in rows[:limit]]
    widths = [min(60, max(len(c), *(len(row[i]) for row in shown))) for i, c in enumerate(cols)]
    out = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    out += ["  ".join(v[:w].ljust(w) for v, w in zip(row, widths)) for row in shown]
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more rows (use --json for all)")
    return "\n".join(out)


def cell(v) -> str:
    return "" if v is None else str(v)


def progress_bar(args) -> "ProgressBar | None":
    """A bar for an interactive terminal; none with --json, --no-progress or stderr redirected."""
    if args.no_progress or args.json or not sys.stderr.isatty():
        return None
    return ProgressBar()


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self):
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{stage:<8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def finish(self) -> None:
        if self._last:          # something was drawn
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()
