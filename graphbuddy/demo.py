"""`make demo`: index graphbuddy's own repository into the default store, print stats and a related-code answer."""
from __future__ import annotations

import sys
from pathlib import Path

from .cli import main


def project_name(repo: Path, roots: dict[str, str]) -> str:
    """The name this checkout is indexed under already (indexing a folder under a second name is refused), else
    "graphbuddy", unless the store holds a project of that name indexed from another checkout (a second clone on
    the same machine): then "graphbuddy-<folder>", numbered if that is taken too."""
    mine = sorted(n for n, root in roots.items() if root == str(repo))
    if mine:
        return mine[0]
    wanted = ["graphbuddy", f"graphbuddy-{repo.name}"] + [f"graphbuddy-{repo.name}-{i}" for i in range(2, 100)]
    return next(n for n in wanted if roots.get(n, str(repo)) == str(repo))


def run() -> int:
    from .owner.client import open_shared

    repo = Path(__file__).resolve().parent.parent
    with open_shared(None) as gb:
        name = project_name(repo, {p["project"]: p["root"] for p in gb.projects()})
    steps = [
        ["index", str(repo), "--project", name],
        ["stats", "--project", name],
        ["related", "graphbuddy.index.pipeline.index_project", "--project", name, "--depth", "2",
         "--rel", "calls", "--rel", "called_by"],
        ["query", "code.hotspots", "-p", f"project={name}", "-p", "limit=5"],
    ]
    for argv in steps:
        print(f"\n$ graphbuddy {' '.join(argv)}", flush=True)
        code = main(argv)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(run())
