"""A file's resolution (edges and the lookup keys it records) must not depend on which files were resolved
before it with the same `SymbolIndex`: the resolve workers share their memo tables across the files of their
chunks, and which chunk a worker takes first varies from run to run (real tree-sitter extraction). Nor may
the digest of a file's edges, which decides whether its stored edges are rewritten."""
from __future__ import annotations

import itertools

from graphbuddy.index.resolve import Resolver, SymbolIndex
from graphbuddy.languages import adapter_for, language_for_path

# b.py defines `Loader` twice with other bases (a redefinition, as the stdlib's test_importlib/test_abc.py
# does): the bases of one must never be answered with the other's. Resolving b.py asks the first one's bases
# (`self.run()` in `go`); resolving a.py asks the second's (subclasses of `Other` that override `run`, the
# targets of `self.run()` in `Other.start`).
FILES = {
    "a.py": "class Base:\n    def run(self):\n        pass\n\n\nclass Other:\n    def run(self):\n        pass\n\n"
            "    def start(self):\n        self.run()\n",
    "b.py": "from a import Base, Other\n\n\nclass Loader(Base):\n    def go(self):\n        self.run()\n\n\n"
            "class Loader(Other):\n    def run(self):\n        pass\n",
    "c.py": "from b import Loader\n\n\ndef main():\n    Loader().run()\n",
}


def resolve_in_order(facts, order):
    index = SymbolIndex(dict(facts))
    out = {}
    for path in order:
        r = Resolver(index, path).run()
        out[path] = (sorted((c.caller, c.callee_path, c.callee) for c in r.calls),
                     sorted((e.child, e.base) for e in r.inherits), r.keys)
    return out


def test_resolution_does_not_depend_on_the_order_files_are_resolved_in():
    facts = {p: adapter_for(language_for_path(p)).extract(src.encode(), path=p, hash="") for p, src in FILES.items()}
    cold = {p: resolve_in_order(facts, [p])[p] for p in FILES}
    # the override, by dispatch: the second Loader's own `run`, named through that class's key
    assert ("a.Other.start", "b.py", "b.Loader@9.run") in cold["a.py"][0]
    for order in itertools.permutations(FILES):
        warm = resolve_in_order(facts, order)
        for p in FILES:
            assert warm[p][:2] == cold[p][:2], (order, p)
            assert warm[p][2] >= cold[p][2], (order, p, sorted(cold[p][2] - warm[p][2]))   # may read more, never less


def test_edge_digests_depend_on_values_only():
    from graphbuddy.index.load import rows_digest

    shared = "p:a.py:a.f"
    copy = "".join(["p:a.py:", "a.f"])            # equal, another object
    assert copy is not shared
    assert rows_digest([(shared, shared, 3, 0.9, "scope", "a.py", None)]) == \
        rows_digest([(shared, copy, 3, 0.9, "scope", "a.py", None)])
    assert rows_digest([(shared, shared, 3, 0.9, "scope", "a.py", None)]) != \
        rows_digest([(shared, shared, 4, 0.9, "scope", "a.py", None)])
