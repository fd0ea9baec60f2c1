"""Call, import and inheritance resolution on the sample's Python package (real tree-sitter, real Kùzu)."""
from __future__ import annotations

from tests.conftest import call_edges

M = "shop.core.models"
P = "shop.core.pricing"
H = "shop.api.handlers"

EXPECTED_CALLS = {
    (f"{M}.Customer.__init__", f"{M}.Entity.__init__", "inherited"),       # super().__init__
    (f"{M}.Order.__init__", f"{M}.Entity.__init__", "inherited"),
    (f"{M}.Customer.greeting", f"{M}.Entity.describe", "inherited"),       # self.describe via base class
    (f"{M}.Order.summary", f"{M}.Entity.describe", "inherited"),
    (f"{M}.Order.summary", f"{M}.Customer.greeting", "typed"),            # self.customer = customer: Customer
    (f"{M}.Order.total", f"{P}.total_price", "import"),                   # from .pricing import ...
    (f"{M}.Order.total", f"{P}.apply_discount", "import"),
    (f"{P}.total_price", f"{P}._line_total", "same_file"),
    (f"{P}._line_total", f"{P}.round_cents", "same_file"),
    (f"{P}.apply_discount", f"{P}.apply_discount.clamp", "scope"),        # nested function
    (f"{P}.apply_discount", f"{P}.round_cents", "same_file"),
    (f"{H}.Handler.__init__", f"{H}.OrderStore.__init__", "same_file"),   # constructor -> initializer
    (f"{H}.Handler.create", f"{M}.Customer.__init__", "import"),          # through shop/__init__ re-export
    (f"{H}.Handler.create", f"{M}.Order.__init__", "import"),
    (f"{H}.Handler.create", f"{M}.Order.add", "typed"),                   # order = Order(...)
    (f"{H}.Handler.create", f"{H}.OrderStore.save", "typed"),             # self.store = OrderStore()
    (f"{H}.Handler.create", f"{H}.Handler.render", "self"),
    (f"{H}.Handler.render", f"{P}.round_cents", "import"),                # relative import with alias
    (f"{H}.OrderStore.save", f"{M}.Entity.describe", "typed"),            # order: m.Order, inherited
    (f"{H}.cents", f"{P}.round_cents", "import"),                         # shop.core.pricing.round_cents()
    (H, f"{H}.Handler.build", "receiver"),                                # module-level code is a caller
    (f"{H}.Handler.build", f"{H}.Handler.__init__", "self"),              # cls() in a classmethod
    ("shop.cli.main", f"{H}.Handler.__init__", "import"),
    ("shop.cli.main", f"{H}.Handler.create", "typed"),
    ("shop.cli", "shop.cli.main", "same_file"),
}


def test_expected_python_calls_are_found(sample_gb):
    edges = call_edges(sample_gb)
    missing = EXPECTED_CALLS - edges
    assert not missing, f"missing edges: {sorted(missing)}"


def test_no_python_call_is_invented(sample_gb):
    python_edges = {e for e in call_edges(sample_gb) if e[0].startswith("shop")}
    extra = python_edges - EXPECTED_CALLS
    assert not extra, f"unexpected edges: {sorted(extra)}"


def test_imports_resolve_to_files_and_external_modules(sample_gb):
    rows = sample_gb.query("code.file_imports", id="sample:shop/api/handlers.py").rows()
    got = {(r["target"], r["name"]) for r in rows}
    assert ("python:json", "") in got
    assert ("sample:shop/core/pricing.py", "") in got            # import shop.core.pricing
    assert ("sample:shop/__init__.py", "Order") in got           # from shop import Order
    assert ("sample:shop/core/models.py", "") in got             # from shop.core import models (a submodule)
    assert ("sample:shop/core/pricing.py", "round_cents") in got  # from ..core.pricing import round_cents


def test_inheritance_edges(sample_gb):
    rows = sample_gb.cypher("MATCH (a:Class)-[i:INHERITS]->(b:Class) WHERE a.project = 'sample' "
                            "RETURN a.name AS a, b.name AS b, i.kind AS kind").rows()
    got = {(r["a"], r["b"], r["kind"]) for r in rows}
    assert {("Customer", "Entity", "extends"), ("Order", "Entity", "extends")} <= got


def test_definitions_carry_docstrings_signatures_and_kinds(sample_gb):
    rows = {r["qn"]: r for r in sample_gb.cypher(
        "MATCH (f:Function {project: 'sample'}) RETURN f.qualified_name AS qn, f.kind AS kind, "
        "f.signature AS sig, f.docstring AS doc, f.start_line AS s, f.end_line AS e").rows()}
    assert rows[f"{M}.Order.__init__"]["kind"] == "constructor"
    assert rows[f"{M}.Order.add"]["kind"] == "method"
    assert rows[f"{M}.Order.add"]["sig"] == "add(self, sku, qty, price)"
    assert rows[f"{P}.apply_discount.clamp"]["kind"] == "function"
    assert rows[M]["kind"] == "module" and rows[M]["doc"] == "Domain models."
    assert (rows[f"{P}.round_cents"]["s"], rows[f"{P}.round_cents"]["e"]) == (14, 15)
    classes = {r["qn"]: r["doc"] for r in sample_gb.cypher(
        "MATCH (c:Class {project: 'sample'}) RETURN c.qualified_name AS qn, c.docstring AS doc").rows()}
    assert classes[f"{M}.Entity"] == "Base of everything stored."


def test_unresolvable_calls_are_not_linked_by_name(tmp_path):
    """Two same-named functions and a call that could mean either: no edge rather than a guess."""
    import graphbuddy

    (tmp_path / "a.py").write_text("def save():\n    pass\n")
    (tmp_path / "b.py").write_text("def save():\n    pass\n")
    (tmp_path / "c.py").write_text("def run(x):\n    x.save()\n    save()\n")
    with graphbuddy.open(memory=True) as gb:
        report = gb.index(tmp_path, project="p")
        assert report.calls == 0 and report.unresolved_calls == 2
        (tmp_path / "c.py").write_text("from a import save\n\ndef run(x):\n    save()\n")
        gb.index(tmp_path, project="p")
        assert call_edges(gb, "p") == {("c.run", "a.save", "import")}
