"""The Python Porter stemmer gives DuckDB's `stem(w, 'porter')` (the stems the fts index holds) for every word."""
from __future__ import annotations

import random
from pathlib import Path

from graphbuddy.search.keyword import tokenize
from graphbuddy.search.porter import stem

ROOT = Path(__file__).resolve().parents[2]


def _words() -> list[str]:
    words = set()
    for pattern in ("graphbuddy/**/*.py", "docs/*.md", "tests/**/*.py", "bench/**/*.py", "README.md"):
        for path in ROOT.glob(pattern):
            words.update(tokenize(path.read_text(errors="ignore")))
    rng = random.Random(7)        # letter soup: every rule of every step, vowel/y patterns, digits
    for _ in range(30000):
        words.add("".join(rng.choice("aeiouybcdlmnstwxz0") for _ in range(rng.randint(1, 11))))
    words.update(("", "s", "y", "yy", "sky", "ysy", "agreed", "feed", "hopping", "filing", "conditional",
                  "relational", "generalization", "controll", "roll", "sha256", "http2", "w0c2"))
    return sorted(words)


def test_stems_equal_the_fts_extension_stemmer(gb):
    gb.analytics.load_extension("fts")
    words = _words()
    assert len(words) > 20000
    want = dict(gb.analytics.rows("SELECT w, stem(w, 'porter') FROM (SELECT unnest(?::VARCHAR[]) AS w)", [words]))
    differ = [(w, want[w], stem(w)) for w in words if stem(w) != want[w]]
    assert not differ, differ[:20]
