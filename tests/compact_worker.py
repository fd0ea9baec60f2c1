"""Compact a store and freeze at a chosen point, so the test can kill -9 this process there.

usage: compact_worker.py STORE PHASE MARKER
PHASE: copying (the new file half written), closed (the old database closed, before the rename),
renamed (the new file renamed over the old, before the store opens it). At that point MARKER is written and
the process sleeps until killed.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import graphbuddy
from graphbuddy.store import compact
from graphbuddy.store.graph import GraphStore

store, phase, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])


def freeze() -> None:
    marker.write_text(phase)
    time.sleep(600)


if phase == "copying":
    real_copy = GraphStore.copy

    def copy(self, table, data, *, pair=None):
        real_copy(self, table, data, pair=pair)
        if self.path.endswith(compact.TARGET_SUFFIX) and table == "CALLS":
            freeze()

    GraphStore.copy = copy
else:
    real_install = compact._install

    def install(target, path):
        if phase == "closed":
            freeze()
        real_install(target, path)
        freeze()

    compact._install = install

with graphbuddy.open(store) as gb:
    gb.compact()
