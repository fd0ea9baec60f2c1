"""The delta invariant: after any sequence of edits, a delta re-index equals a fresh full index."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

import graphbuddy
from tests.conftest import graph_dump

# Snippets the random editor splices in: they define, call, import and subclass names the sample uses.
NEW_FILES = {
    "shop/util.py": "from shop.core.pricing import round_cents\n\n\ndef clamp(p):\n    return round_cents(p)\n",
    "shop/core/extra.py": "from .models import Entity\n\n\nclass Refund(Entity):\n    def describe(self):\n"
                          "        return super().describe() + '!'\n\n\ndef total_price(lines):\n    return 0\n",
    "shop/core/__init__.py": "from .pricing import round_cents\n",
    "shop/api/__init__.py": "",
    "tools.py": "import shop.core.models as models\n\n\ndef run():\n    models.Order(1, None).total()\n"
                "    greeting()\n\n\ndef greeting():\n    return clamp(3)\n",
}
APPEND = [
    "\n\ndef round_cents(v):\n    return v\n",
    "\n\ndef describe():\n    return apply_discount(1, 2)\n",
    "\n\nclass Entity:\n    def describe(self):\n        return 'x'\n",
    "\n\ndef helper():\n    return total_price([])\n",
    "\nfrom shop.core.pricing import *\n",
    "\n\ndef broken(:\n    pass\n",                  # a syntax error: indexed partially, counted
]
# The same for the sample's JS/TS files (web/): default and named imports, re-exports, classes, require().
NEW_WEB_FILES = {
    "web/src/pay.ts": "import { formatMoney } from './lib';\n\nexport default function pay(c: number) {\n"
                      "  return formatMoney(c);\n}\n",
    "web/src/use.js": "import pay from './pay';\nimport { Cart } from './cart';\n\nfunction go() {\n"
                      "  new Cart().add(1);\n  return pay(1);\n}\n\ngo();\n",
    "web/src/lib/index.ts": "export * from './format';\n",
}
WEB_APPEND = [
    "\nexport function formatMoney(c) {\n  return '' + c;\n}\n",
    "\nexport default function run2() {\n  return checkout(null);\n}\n",
    "\nclass Cart {\n  total() {\n    return 'x';\n  }\n}\n",
    "\nexport * from './format';\n",
    "\nfunction broken( {\n",
]
WEB_RENAMES = [("formatMoney", "formatCents"), ("Formatter", "Printer"), ("checkout", "payNow"), ("log", "trace"),
               ("pay", "charge")]
RENAMES = [("round_cents", "round_money"), ("describe", "describe_it"), ("Entity", "Thing"),
           ("total_price", "sum_price"), ("Handler", "Controller")]


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py"))


def _source_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".py", ".js", ".ts", ".tsx"))


def _touch(path: Path, tick: list[int]) -> None:
    """Give every write a distinct mtime so the mtime+size pre-check never hides an edit."""
    tick[0] += 1
    os.utime(path, ns=(tick[0] * 1_000_000_000, tick[0] * 1_000_000_000))


def random_edit(root: Path, rng: random.Random, tick: list[int], *, web: bool = False) -> str:
    files = _source_files(root) if web else _python_files(root)
    op = rng.choice(["append", "rename", "delete", "add", "add", "swap_base", "remove_lines"])
    if op == "delete" and len(files) > 2:
        victim = rng.choice(files)
        victim.unlink()
        return f"delete {victim.relative_to(root)}"
    if op == "add":
        rel, text = rng.choice(sorted((NEW_WEB_FILES if web and rng.random() < 0.5 else NEW_FILES).items()))
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        _touch(target, tick)
        return f"add {rel}"
    target = rng.choice(files)
    text = target.read_text()
    is_web = target.suffix != ".py"
    if op == "append":
        text += rng.choice(WEB_APPEND if is_web else APPEND)
    elif op == "rename":
        old, new = rng.choice(WEB_RENAMES if is_web else RENAMES)
        text = text.replace(old, new) if rng.random() < 0.7 else text.replace(new, old)
    elif op == "swap_base" and is_web:
        text = text.replace("extends Cart", "extends Object") if "extends Cart" in text else \
            text.replace("extends Object", "extends Cart")
    elif op == "swap_base":
        text = text.replace("(Entity)", "(object)") if "(Entity)" in text else text.replace("(object)", "(Entity)")
    else:
        lines = text.splitlines(keepends=True)
        if lines:
            i = rng.randrange(len(lines))
            del lines[i:i + rng.randint(1, 3)]
        text = "".join(lines)
    target.write_text(text)
    _touch(target, tick)
    return f"{op} {target.relative_to(root)}"


def _full_dump(root: Path) -> tuple:
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(root, project="sample")
        return _dump(fresh)


def _dump(gb) -> tuple:
    """The graph and the code documents that must follow it."""
    return graph_dump(gb, "sample"), _code_docs(gb)


def _code_docs(gb) -> list:
    return sorted(gb.analytics.rows("SELECT id, title, content, content_hash, attrs FROM documents "
                                    "WHERE kind = 'code' AND project = 'sample'"))


@pytest.mark.parametrize("seed", range(int(os.environ.get("GB_DELTA_SEEDS", 12))))
def test_delta_equals_full_after_random_edits(project_copy, tmp_path, seed):
    _check_random_edits(project_copy, tmp_path, seed)


@pytest.mark.parametrize("seed", range(3))
def test_delta_equals_full_on_the_bulk_write_path(project_copy, tmp_path, seed, monkeypatch):
    """The sample is small enough for per-row writes and in-process work; force the paths big projects take:
    COPY, UNWIND deletes, the parse and resolve worker pools, and the background blob and document writes."""
    from graphbuddy.index import load, parse, pipeline, resolve_pool

    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 0)
    monkeypatch.setattr(load, "SMALL_BATCH", 0)
    monkeypatch.setattr(load, "DELTA_BULK_FROM", 0)
    monkeypatch.setattr(load, "PER_FILE_LIMIT", 0)
    monkeypatch.setattr(parse, "POOL_THRESHOLD", 0)
    monkeypatch.setattr(resolve_pool, "POOL_MIN_BODY_BYTES", 0)
    _check_random_edits(project_copy, tmp_path, seed)


def _indexed_state(gb) -> tuple:
    """The code documents and the stored facts of the sample (what the parse workers prepare in a big run)."""
    import pickle

    docs = _code_docs(gb)
    facts = sorted((path, pickle.loads(symbols), pickle.loads(body)) for path, symbols, body in gb.analytics.rows(
        "SELECT path, symbols, body FROM index_files WHERE project = 'sample'"))
    return docs, facts


@pytest.mark.parametrize("resolve_in_workers", [False, True])
def test_worker_prepared_nodes_documents_and_blobs_equal_in_process(project_copy, monkeypatch, resolve_in_workers):
    """A big run's parse workers build the node tables, code documents and state blobs, and send facts
    without call bodies (decoded where each file is resolved); a small run does it all in process. Both must
    store exactly the same."""
    from graphbuddy.index import parse, resolve_pool

    with graphbuddy.open(memory=True) as gb:
        report = gb.index(project_copy, project="sample")
        in_process = graph_dump(gb, "sample"), _indexed_state(gb), report.functions, report.classes
    monkeypatch.setattr(parse, "POOL_THRESHOLD", 0)
    if resolve_in_workers:
        monkeypatch.setattr(resolve_pool, "POOL_MIN_BODY_BYTES", 0)
    with graphbuddy.open(memory=True) as gb:
        report = gb.index(project_copy, project="sample", workers=2)
        pooled = graph_dump(gb, "sample"), _indexed_state(gb), report.functions, report.classes
    assert pooled[1][0] and pooled[1][1] and pooled[2] and pooled[3]
    assert pooled == in_process


@pytest.mark.parametrize("seed", range(int(os.environ.get("GB_DELTA_SEEDS", 8))))
def test_delta_equals_full_after_random_edits_including_js_and_ts(project_copy, tmp_path, seed):
    _check_random_edits(project_copy, tmp_path, seed + 100, web=True)


def _check_random_edits(project_copy, tmp_path, seed, *, web: bool = False):
    rng = random.Random(seed)
    tick = [1000]
    store = tmp_path / "store"
    gb = graphbuddy.open(store)
    try:
        gb.index(project_copy, project="sample")
        history = []
        for step in range(6):
            history.append(random_edit(project_copy, rng, tick, web=web))
            if rng.random() < 0.3:      # sometimes a new process: the delta starts from the stored state
                gb.close()
                gb = graphbuddy.open(store)
            report = gb.index(project_copy, project="sample")
            assert report.mode in ("delta", "unchanged")
            assert _dump(gb) == _full_dump(project_copy), f"diverged after {history}"
    finally:
        gb.close()


def test_delta_reparses_only_changed_files(project_copy):
    with graphbuddy.open(memory=True) as gb:
        first = gb.index(project_copy, project="sample")
        assert first.mode == "full" and first.files_parsed == first.files_total
        again = gb.index(project_copy, project="sample")
        assert again.mode == "unchanged" and again.files_parsed == 0
        pricing = project_copy / "shop/core/pricing.py"
        pricing.write_text(pricing.read_text().replace("round_cents", "round_money"))
        report = gb.index(project_copy, project="sample")
        assert report.mode == "delta" and report.files_parsed == 1
        # callers of the renamed function in unchanged files were re-resolved, and lost their edges
        assert report.files_reresolved > 1
        callers = gb.query("code.callers", id="sample:shop/core/pricing.py:shop.core.pricing.round_money").rows()
        assert {r["caller"] for r in callers} == {"shop.core.pricing._line_total", "shop.core.pricing.apply_discount"}


def test_a_project_stored_in_an_older_state_format_is_rebuilt_before_its_blobs_are_read(project_copy, tmp_path):
    """A store written by an older graphbuddy holds facts blobs the current decoder may not read (format 5 made
    the body blob columns): its next run rebuilds the project in full instead, and deltas work from there."""
    from graphbuddy.index import state

    store = tmp_path / "store"
    with graphbuddy.open(store) as gb:
        fresh = gb.index(project_copy, project="sample")
        dump = graph_dump(gb, "sample")
        # what an older version left: its format number, and a body blob of its own
        gb.analytics.execute("UPDATE meta SET value = '4' WHERE key = 'index_format:sample'")
        gb.analytics.execute("UPDATE index_files SET body = 'not a body blob of this version'::BLOB")
    pricing = project_copy / "shop/core/pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef added():\n    return round_cents(1)\n")
    with graphbuddy.open(store) as gb:
        rebuilt = gb.index(project_copy, project="sample")
        assert rebuilt.mode == "full" and rebuilt.files_parsed == fresh.files_parsed
        assert gb.analytics.meta("index_format:sample") == state.FORMAT
        pricing.write_text(pricing.read_text().replace("\n\ndef added():\n    return round_cents(1)\n", ""))
        delta = gb.index(project_copy, project="sample")
        assert delta.mode == "delta" and delta.files_parsed == 1 and delta.files_reresolved > 1
        assert graph_dump(gb, "sample") == dump


def test_same_content_new_mtime_is_not_reparsed(project_copy):
    with graphbuddy.open(memory=True) as gb:
        gb.index(project_copy, project="sample")
        f = project_copy / "shop/cli.py"
        os.utime(f, ns=(1, 1))
        report = gb.index(project_copy, project="sample")
        assert report.files_parsed == 0


@pytest.mark.parametrize("reopen", [False, True])
def test_a_run_that_finds_only_new_mtimes_reports_unchanged_and_records_them(project_copy, tmp_path, reopen):
    """A touch, a `git stash && git stash pop` or a checkout there and back changes mtimes only: the run said
    "delta index ... (parsed 0, deleted 0, re-resolved 0)", wrote the graph (a new stamp) and an index event.
    It is an unchanged run: the new mtimes (and a newly screened-out file) go to the index state only."""
    from graphbuddy.index.state import IndexState

    store = tmp_path / "store"
    gb = graphbuddy.open(store)
    gb.index(project_copy, project="sample")
    before, stamped = graph_dump(gb, "sample"), stamp(gb)
    runs = len(gb.query("analytics.index_runs", project="sample").rows())
    f = project_copy / "shop/cli.py"
    os.utime(f, ns=(10**18, 10**18))
    (project_copy / "blob.py").write_bytes(b"\x00\x01\x02" * 100)          # screened out: binary
    if reopen:
        gb.close()
        gb = graphbuddy.open(store)
    report = gb.index(project_copy, project="sample")
    assert (report.mode, report.files_parsed, report.files_deleted, report.skipped.get("binary")) == \
        ("unchanged", 0, 0, 1)
    assert report.files_total == report.files_unchanged == len(before["files"])
    assert graph_dump(gb, "sample") == before and stamp(gb) == stamped
    assert len(gb.query("analytics.index_runs", project="sample").rows()) == runs
    manifest = IndexState(gb.analytics).manifest("sample")
    assert manifest["shop/cli.py"].mtime_ns == 10**18 and manifest["blob.py"].language == "!binary"
    again = gb.index(project_copy, project="sample")
    assert (again.mode, again.skipped.get("binary")) == ("unchanged", 1)
    gb.close()


def stamp(gb):
    return gb.cypher("MATCH (p:Project {id: 'sample'}) RETURN p.indexed_at AS t").rows()


def _delta_after_rewrite(tmp_path, files: dict[str, str], rewritten: dict[str, str]) -> tuple:
    """Index `files`, write `rewritten` over them, delta re-index: the graph must equal a fresh full index.
    Returns the graph dumps before and after the delta."""
    root = tmp_path / "p"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(root, project="sample")
        before = graph_dump(gb, "sample")
        for rel, text in rewritten.items():
            if files.get(rel) != text:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text)
                os.utime(root / rel, ns=(10**18, 10**18))
        assert gb.index(root, project="sample").mode == "delta"
        after = _dump(gb)
    assert after == _full_dump(root)
    return before, after[0]


def _delta_matches_full(tmp_path, files: dict[str, str], edit: tuple[str, str]) -> tuple:
    """`_delta_after_rewrite` with `edit[1]` appended to the file `edit[0]`."""
    return _delta_after_rewrite(tmp_path, files, {edit[0]: files[edit[0]] + edit[1]})


def test_delta_keeps_imports_of_a_changed_module_that_nothing_else_reads(tmp_path):
    """`import c` reads no name of c: its IMPORTS edge still points at c's File node, rebuilt by the delta."""
    before, after = _delta_matches_full(tmp_path, {"a.py": "import c\n", "c.py": "def f():\n    return 2\n"},
                                        ("c.py", "\ndef h():\n    return 3\n"))
    assert [r for r in after["imports"] if dict(r)["b.id"] == "sample:c.py"]


def test_delta_sees_return_types_of_unchanged_files(tmp_path):
    """`make().m()` in a.py needs the `return K()` binding of b.py, which the delta did not re-parse."""
    _, after = _delta_matches_full(tmp_path, {
        "b.py": "class K:\n    def m(self):\n        return 1\n\n\ndef make():\n    return K()\n",
        "a.py": "from b import make\n\n\ndef g():\n    make().m()\n"}, ("a.py", "\ndef h():\n    return 3\n"))
    assert ("sample:a.py:a.g", "sample:b.py:b.K.m") in {(dict(r)["a.id"], dict(r)["b.id"]) for r in after["calls"]}


def test_a_delta_keeps_the_documents_of_a_file_whose_name_extends_a_changed_ones_with_a_colon(tmp_path):
    """Code document ids are `project:path:qualified_name`: the stored documents of a changed `a.py` were
    found by the id prefix `sample:a.py:`, which also matched those of `a.py:x.py`, and deleted them."""
    from graphbuddy.index.pipeline import PATCH_FILES

    root = tmp_path / "p"
    root.mkdir()
    edited = [f"m{i}.py" for i in range(PATCH_FILES)] + ["a.py"]     # more than PATCH_FILES: the prefix scan
    for rel in edited + ["a.py:x.py"]:
        (root / rel).write_text(f"def f_{len(rel)}():\n    return 1\n")
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(root, project="sample")
        for rel in edited:
            (root / rel).write_text(f"def f_{len(rel)}():\n    return 2\n")
            os.utime(root / rel, ns=(10**18, 10**18))
        assert gb.index(root, project="sample").mode == "delta"
        after = _dump(gb)
    assert after == _full_dump(root)


def test_a_link_retargeted_to_a_file_with_the_same_mtime_and_size_is_reparsed(tmp_path):
    """A link's manifest entry took its target's mtime and size only: retargeted to another file with the
    same ones (files from one tarball, `cp -p`), the delta took the link for unchanged."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "v1.py").write_text("def one():\n    pass\n")
    (root / "v2.py").write_text("def two():\n    pass\n")
    (root / "main.py").write_text("from cur import one, two\n\n\ndef m():\n    one()\n    two()\n")
    for name in ("v1.py", "v2.py"):
        os.utime(root / name, ns=(10**18, 10**18))
    (root / "cur.py").symlink_to("v1.py")
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(root, project="sample")
        (root / "cur.py").unlink()
        (root / "cur.py").symlink_to("v2.py")
        assert gb.index(root, project="sample").mode == "delta"
        after = _dump(gb)
    assert after == _full_dump(root)


def test_an_external_module_nothing_imports_any_more_is_removed(tmp_path):
    """A one-file delta patches the file in place and rewrites only the import rows that changed: the Module
    node that lost its last importer goes, one still imported elsewhere stays (as in a full index)."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "a.py").write_text("import json\nimport os\n\n\ndef f():\n    return json.dumps(1)\n")
    (root / "b.py").write_text("import os\n")
    with graphbuddy.open(tmp_path / "store") as gb:
        def modules():
            return {r["m"] for r in gb.cypher("MATCH (m:Module) RETURN m.id AS m").rows()}

        gb.index(root, project="p")
        assert {"python:json", "python:os"} <= modules()
        (root / "a.py").write_text("import os\n\n\ndef f():\n    return 1\n")
        assert gb.index(root, project="p").files_parsed == 1
        assert "python:json" not in modules() and "python:os" in modules()
        (root / "a.py").write_text("def f():\n    return 1\n")
        gb.index(root, project="p")
        assert "python:os" in modules()                # b.py still imports it
        (root / "b.py").write_text("x = 1\n")
        gb.index(root, project="p")
        assert not {"python:json", "python:os"} & modules()


def test_a_full_reindex_over_a_stored_graph_leaves_no_orphan_module(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "a.py").write_text("import json\nimport os\n")
    (root / "b.py").write_text("import os\n")
    with graphbuddy.open(tmp_path / "store") as gb:
        gb.index(root, project="p")
        (root / "a.py").write_text("x = 1\n")
        assert gb.index(root, project="p", full=True).mode == "full"
        assert {r["m"] for r in gb.cypher("MATCH (m:Module) RETURN m.id AS m").rows()} == {"python:os"}


def test_a_body_blob_of_the_older_record_form_still_decodes():
    """Cross-project resolution reads other projects' bodies; a store rebuilt project by project after format
    5 still holds format-4 bodies (pickled records) for the projects not indexed since (make demo failed)."""
    import pickle

    from graphbuddy.index.facts import Binding, CallSite, FileFacts, body_part
    from graphbuddy.index.state import decode_body, encode

    calls, binds = (CallSite("m", "f", None, 3),), (Binding("m.g", "x", "Foo"),)
    symbols = FileFacts("a.py", "python", "a", "h", 1, 1)
    full = FileFacts("a.py", "python", "a", "h", 1, 1, calls=calls, bindings=binds)
    assert decode_body(symbols, pickle.dumps((calls, binds), 5)) == full
    assert decode_body(symbols, encode(full)[1]) == full and len(body_part(full)) == 8
