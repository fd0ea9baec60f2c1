"""JS/TS resolution on the sample's web/ folder: tsconfig paths, index files, re-exports, this/super, new."""
from __future__ import annotations

from tests.conftest import call_edges

C = "web/src/cart"
F = "web/src/lib/format"

EXPECTED = {
    (f"{F}.Formatter.format", f"{F}.formatMoney", "same_file"),
    (f"{C}.Cart.total", f"{F}.Formatter.constructor", "import"),          # new Formatter() via tsconfig paths
    (f"{C}.Cart.total", f"{F}.Formatter.format", "typed"),                # const f = new Formatter()
    (f"{C}.Cart.total", f"{C}.Cart.sum", "self"),                         # this.sum()
    (f"{C}.Cart.total", f"{F}.formatMoney", "import"),                    # lib.formatMoney via index re-export
    (f"{C}.SaleCart.total", f"{C}.Cart.total", "inherited"),              # super.total()
    (f"{C}.checkout", f"{C}.Cart.total", "typed"),                        # cart: Cart
    (f"{C}.checkout", f"{C}.SaleCart.total", "override"),                 # a SaleCart may be passed
    ("web/src/main.run", f"{C}.checkout", "import"),                      # const { checkout } = require()
    ("web/src/main.run", "web/src/helpers.log", "import"),                # helpers.log via require()
    ("web/src/main", "web/src/main.run", "same_file"),
    (C, f"{F}.Formatter.constructor", "import"),      # a class field initializer runs outside any method
}


def test_expected_js_ts_calls(sample_gb):
    edges = {e for e in call_edges(sample_gb) if e[0].startswith("web/")}
    missing = EXPECTED - edges
    assert not missing, f"missing: {sorted(missing)}"
    extra = edges - EXPECTED
    assert not extra, f"unexpected: {sorted(extra)}"


def test_js_ts_imports(sample_gb):
    rows = sample_gb.query("code.file_imports", id="sample:web/src/cart.ts").rows()
    got = {(r["target"], r["name"]) for r in rows}
    assert ("sample:web/src/lib/format.ts", "Formatter") in got      # tsconfig paths
    assert ("sample:web/src/lib/index.ts", "") in got                # directory -> index.ts
    assert ("js:axios", "default") in got                            # external package
    inherits = sample_gb.cypher("MATCH (a:Class)-[:INHERITS]->(b:Class) WHERE a.project = 'sample' "
                                "AND a.name = 'SaleCart' RETURN b.qualified_name AS b").rows()
    assert inherits == [{"b": f"{C}.Cart"}]
