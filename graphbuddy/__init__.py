"""graphbuddy: an embedded, graph-centric knowledge store for AI-assisted software development.

    import graphbuddy
    gb = graphbuddy.open()                 # ~/.graphbuddy, or GRAPHBUDDY_HOME, or open("path")
    gb.index("path/to/repo")
    gb.query("code.hotspots", project="repo").df()

Nothing heavy is imported until used.
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["open", "connect", "open_shared", "GraphBuddy", "GraphbuddyError"]

from .errors import GraphbuddyError


def open(store=None, *, memory: bool = False, model=None, auto_compact=None):  # noqa: A001 - mirrors the builtin
    """`model`: embedding model folder or name (default $GRAPHBUDDY_MODEL, else all-MiniLM-L6-v2), or an Embedder.
    `auto_compact`: when index runs compact the graph file (a factor, 0 for never, or a `store.compact.AutoCompact`;
    default $GRAPHBUDDY_AUTO_COMPACT, else at 4x its compacted size)."""
    from .api import GraphBuddy

    return GraphBuddy(store, memory=memory, model=model, auto_compact=auto_compact)


def connect(store=None):
    """A client of the store owner (one process holding the store for many clients), started if needed."""
    from .owner.client import connect as _connect

    return _connect(store)


def open_shared(store=None):
    """The owner's client when one runs, else the files directly; starts an owner when they are locked."""
    from .owner.client import open_shared as _open_shared

    return _open_shared(store)


def __getattr__(name):
    if name == "GraphBuddy":
        from .api import GraphBuddy

        return GraphBuddy
    raise AttributeError(name)
