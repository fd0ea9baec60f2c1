"""Repositories with constructed histories: every expected number is known in advance."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from graphbuddy.analytics import samples


def git(repo: Path, *args: str, date: str | None = None, **env: str) -> str:
    full = {**os.environ, "GIT_AUTHOR_NAME": "Grace", "GIT_AUTHOR_EMAIL": "g@example.com",
            "GIT_COMMITTER_NAME": "Grace", "GIT_COMMITTER_EMAIL": "g@example.com", **env}
    if date:
        full["GIT_AUTHOR_DATE"] = full["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=full).stdout


@pytest.fixture(scope="session")
def team_repo(tmp_path_factory) -> Path:
    """The month of `samples.DAYS`: 35 commits, 24 conventional, 1 breaking, all at 09:00-16:00 UTC."""
    return samples.build_repo(tmp_path_factory.mktemp("team") / "team", samples.team_month_commits())
