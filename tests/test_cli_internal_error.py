"""An unexpected exception (a bug) still ends in one line and exit code 70; -v adds the traceback."""
from __future__ import annotations

import pytest

import graphbuddy.api
from graphbuddy.cli import INTERNAL_ERROR, main


@pytest.mark.parametrize("verbose", [False, True])
def test_a_bug_is_one_line_and_exit_code_70(tmp_path, monkeypatch, capsys, verbose):
    def broken(self, *args, **kwargs):
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr(graphbuddy.api.GraphBuddy, "stats", broken)
    code = main([*(["-v"] if verbose else []), "stats", "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == INTERNAL_ERROR == 70
    last = err.strip().splitlines()[-1]
    assert last.startswith("graphbuddy: internal error: ValueError: boom (a bug") and "second line" not in last
    if verbose:
        assert "Traceback" in err
    else:
        assert err.strip() == last and "-v shows the traceback" in last
