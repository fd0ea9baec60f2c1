"""Run the real `graphbuddy` CLI in a subprocess against a given store (shared by the CLI tests)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args, store: Path, cwd: Path | None = None, stdin: str | None = None, check: bool = False):
    env = dict(os.environ, GRAPHBUDDY_HOME=str(store), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "graphbuddy.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, input=stdin)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc
