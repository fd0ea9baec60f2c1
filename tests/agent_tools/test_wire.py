"""The owner's RPC encoding on its own (no process): what a peer may make the other side rebuild."""
from __future__ import annotations

import pytest

from graphbuddy.errors import GraphbuddyError
from graphbuddy.owner import wire


def test_decoding_never_imports_a_module_that_runs_on_import():
    """`{"$dc": "graphbuddy.cli.__main__:..."}` imported the CLI's __main__, which runs the CLI and exits
    (SystemExit in the owner's worker thread, or in a client)."""
    with pytest.raises(GraphbuddyError, match="unexpected type"):
        wire.decode({"$dc": "graphbuddy.cli.__main__:main", "f": {}})
