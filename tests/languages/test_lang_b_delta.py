"""Delta indexing stays exact for Ruby, PHP, C and C++: companions (header -> source), transitive requires,
PSR-4 and namespaced lookups all record the keys they read, so a delta re-index equals a fresh one."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import graphbuddy
from tests.conftest import graph_dump
from graphbuddy.languages.annotated import unpack_file

ACCURACY = Path(__file__).parents[2] / "bench" / "accuracy"

# (program, file, old text or None for a new file, new text): each edit changes the graph
EDITS = [
    ("c/calc.txt", "src/mathx.c", "int square(int x) {", "int square_it(int x) {"),
    ("c/calc.txt", "include/mathx.h", "int cube(int x);", "int cube(int x);\nint extra(int x);"),
    ("c/calc.txt", "include/mathx.c", None, "int square(int x) { return x; }\n"),   # a nearer companion
    ("cpp/zoo.txt", "src/zoo/animal.cpp", "void Dog::fetch()", "void Dog::fetch_it()"),
    ("cpp/zoo.txt", "include/zoo/animal.h", "class Dog : public Animal", "class Dog : public zoo::Cat"),
    ("ruby/library.txt", "lib/library/util.rb", "def self.slug(s)", "def self.slugify(s)"),
    ("ruby/library.txt", "lib/library/item.rb", "require_relative 'printable'", ""),
    ("ruby/library.txt", "lib/library/extra.rb", None, "module Library\n  class Index\n    def put(i); end\n  end\nend\n"),
    ("php/shop.txt", "src/Model/Product.php", "public function price(): float { return $this->base; }", ""),
    ("php/shop.txt", "composer.json", '"Shop\\\\": "src/"', '"Shop\\\\": "lib/"'),
]


@pytest.mark.parametrize("program,rel,old,new", EDITS, ids=[f"{e[0]}:{e[1]}" for e in EDITS])
def test_delta_equals_fresh_index(program, rel, old, new, tmp_path):
    root = tmp_path / "p"
    unpack_file(ACCURACY / program, root)
    with graphbuddy.open(memory=True) as gb:
        gb.index(root, project="p")
        target = root / rel
        if old is None:                                       # a new file
            target.write_text(new)
        else:
            text = target.read_text()
            assert old in text
            target.write_text(text.replace(old, new))
        os.utime(target, ns=(10**18, 10**18))
        before = graph_dump(gb, "p")
        report = gb.index(root, project="p")
        assert report.mode == "delta"
        delta = graph_dump(gb, "p")
        assert delta != before
    with graphbuddy.open(memory=True) as gb:
        gb.index(root, project="p")
        assert delta == graph_dump(gb, "p")
