"""The delta invariant for package-scoped languages (Go, Java, Kotlin, C#) and dynamic-dispatch edges: names
seen through a package's other files ("p:" keys) and subclass sets ("b:" keys) are re-resolved exactly."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

import graphbuddy
from graphbuddy.languages.annotated import parse_packed, unpack
from tests.conftest import graph_dump

LANG = Path(__file__).resolve().parent.parent / "fixtures" / "lang"

EDITS = {
    "java": [
        ("src/com/shop/core/Extra.java", "package com.shop.core;\n\npublic class Extra extends Book {\n"
         "    public Extra() { super(\"x\"); }\n    public long price() { return base(); }\n}\n"),
        ("src/com/shop/core/Helper.java", "package com.shop.core;\n\nclass Helper {\n"
         "    static long base() { return 1; }\n}\n"),
        ("src/com/shop/core/Product.java", "package com.shop.core;\n\npublic abstract class Product {\n"
         "    protected Product(String t) { }\n}\n"),                       # base() removed
        ("src/com/shop/core/Book.java", "package com.shop.other;\n\npublic class Book {\n"
         "    public long price() { return 2; }\n}\n"),                      # moved to another package
        ("src/com/shop/core/Item.java", None),                              # deleted
        ("src/com/shop/App.java", "package com.shop;\n\nimport com.shop.core.*;\n\npublic class App {\n"
         "    static void main() { Item i = new Extra(); i.price(); new Book(\"b\").price(); }\n}\n"),
    ],
    "go": [
        ("pkg/mathx/more.go", "package mathx\n\nfunc add(xs []int) int { return 0 }\n\nfunc Twice(x int) int "
         "{ return Sum(x, x) }\n"),
        ("pkg/mathx/add.go", "package mathx\n\ntype Acc struct{ n int }\n\nfunc (a *Acc) Add(x int) "
         "{ a.n = Twice(x) }\n"),                                            # add() moved to more.go
        ("pkg/mathx/sum.go", None),
        ("cmd/tool/main.go", "package main\n\nimport m \"github.com/acme/tool/pkg/mathx\"\n\nfunc main() "
         "{ acc := &m.Acc{}; acc.Add(m.Twice(1)); m.Sum(1) }\n"),
        ("pkg/mathx/sum.go", "package mathx\n\nfunc Sum(xs ...int) int { return add(xs) }\n"),
    ],
}
FIXTURES = {"java": "cross_file.txt", "go": "cross_package.txt"}


def _full_dump(root: Path) -> dict:
    with graphbuddy.open(memory=True) as fresh:
        fresh.index(root, project="p")
        return graph_dump(fresh, "p")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(int(os.environ.get("GB_DELTA_SEEDS", 4))))
@pytest.mark.parametrize("language", sorted(EDITS))
def test_delta_equals_full_for_package_edits(tmp_path, language, seed):
    rng = random.Random(seed)
    root = unpack(parse_packed((LANG / language / FIXTURES[language]).read_text(), language=language),
                  tmp_path / "src")
    edits = EDITS[language][:]
    rng.shuffle(edits)
    tick = 1000
    with graphbuddy.open(memory=True) as gb:
        gb.index(root, project="p")
        done = []
        for rel, text in edits:
            target = root / rel
            if text is None:
                if not target.exists():
                    continue
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                tick += 1
                os.utime(target, ns=(tick * 10**9, tick * 10**9))
            done.append(rel)
            gb.index(root, project="p")
            assert graph_dump(gb, "p") == _full_dump(root), f"diverged after {done}"
