"""Where the store lives and what it contains."""
from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "GRAPHBUDDY_HOME"
GRAPH_FILE = "graph.kuzu"
ANALYTICS_FILE = "analytics.duckdb"
MARKER_FILE = "graphbuddy.store"   # written on creation; its absence means "not our folder"


def default_store_path() -> Path:
    env = os.environ.get(STORE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".graphbuddy"


def package_data_dir(name: str) -> Path:
    """`schema` or `queries`: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"graphbuddy data folder '{name}' not found near {here}")
