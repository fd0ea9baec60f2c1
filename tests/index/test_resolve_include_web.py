"""C include webs: `lookup_name` walks a file's #include closure once (`Resolver._star_closure`) and must find
exactly what the per-name depth-first walk of `symbol_in` finds (real tree-sitter extraction)."""
from __future__ import annotations

from graphbuddy.index.resolve import Resolver, SymbolIndex
from graphbuddy.languages import adapter_for, language_for_path

# A web with a cycle (a.h <-> b.h), a diamond (c.h, d.h -> e.h), a chain deeper than the walk's depth limit,
# the same name in several headers, and companion sources with exported and `static` functions.
CHAIN = 12
FILES = {
    "main.c": '#include "a.h"\n#include "c.h"\n#include "d.h"\n#include "chain0.h"\n'
              'int main(void) { return 0; }\n',
    "a.h": '#include "b.h"\nint shared(int x);\nstatic inline int in_a(void) { return 1; }\n',
    "b.h": '#include "a.h"\nint in_b(void);\nstatic inline int shared2(void) { return 2; }\n',
    "b.c": 'int in_b(void) { return 3; }\nstatic int hidden(void) { return 4; }\nint shared(int x) { return x; }\n',
    "c.h": '#include "e.h"\nstatic inline int shared2(void) { return 5; }\n',
    "d.h": '#include "e.h"\nint in_d(void);\n',
    "d.c": 'int in_d(void) { return 6; }\nint hidden(void) { return 7; }\n',
    "e.h": 'static inline int in_e(void) { return 8; }\nint in_b(void);\n',
    **{f"chain{i}.h": (f'#include "chain{i + 1}.h"\n' if i + 1 < CHAIN else "")
       + f"static inline int deep{i}(void) {{ return {i}; }}\n" for i in range(CHAIN)},
}
NAMES = ["shared", "shared2", "in_a", "in_b", "in_d", "in_e", "hidden", "main", "missing",
         *(f"deep{i}" for i in range(CHAIN))]


def per_name_walk(r: Resolver, name: str):
    seen = {r.path}
    for target in r._stars(r.path):
        hit = r.symbol_in(target, name, 0, seen)
        if hit is not None:
            return hit
    return None


def where(hit):
    return (hit[1], hit[2].qualified_name) if hit is not None else None


def test_closure_lookup_equals_per_name_walk():
    facts = {p: adapter_for(language_for_path(p)).extract(src.encode(), path=p, hash="")
             for p, src in FILES.items()}
    index = SymbolIndex(facts)
    found = 0
    for path in sorted(FILES):
        for name in NAMES:
            walked = per_name_walk(Resolver(index, path), name)
            fast = Resolver(index, path)
            closure = fast._star_closure()
            assert closure is not None
            hit = fast._closure_lookup(closure, name)
            assert where(hit) == where(walked), (path, name)
            found += hit is not None
    assert found > 40              # the web actually resolves names (deep ones cut off by the depth limit)
