"""Store maintenance: `graphbuddy store compact`."""
from __future__ import annotations

from .common import emit, progress_bar, store_args


def register(sub) -> dict:
    p = sub.add_parser("store", help="store maintenance: compact the graph file")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("compact", help="rewrite the graph file without the space re-indexing left behind "
                                           "(index runs do it by themselves once the file has grown 4x)")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    store_args(a)
    return {"store": cmd_store}


def cmd_store(args) -> int:
    from ..owner.client import open_shared

    gb = open_shared(args.store, start_owner=False)      # through the owner when one runs
    bar = progress_bar(args)
    try:
        report = gb.compact(progress=bar)
    finally:
        if bar:
            bar.finish()
        gb.close()
    emit(args, report.as_dict(), report.line())
    return 0
