"""`make demo`: index graphbuddy's own repository into the default store, print stats and a related-code answer."""
from __future__ import annotations

import sys
from pathlib import Path

from .cli import main


def run() -> int:
    repo = Path(__file__).resolve().parent.parent
    steps = [
        ["index", str(repo), "--project", "graphbuddy"],
        ["stats", "--project", "graphbuddy"],
        ["related", "graphbuddy.index.pipeline.index_project", "--project", "graphbuddy", "--depth", "2",
         "--rel", "calls", "--rel", "called_by"],
        ["query", "code.hotspots", "-p", "project=graphbuddy", "-p", "limit=5"],
    ]
    for argv in steps:
        print(f"\n$ graphbuddy {' '.join(argv)}", flush=True)
        code = main(argv)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(run())
