"""Semantics with the real all-MiniLM-L6-v2 model (loaded once per session)."""
from __future__ import annotations

import numpy as np
import pytest

import graphbuddy

from .conftest import add_docs

pytestmark = pytest.mark.slow

MEMORIES = {
    "auth": "JWT verification rejected tokens because the server clock drifted; we added 30 s of leeway",
    "db": "Kùzu refuses a second concurrent writer, so all graph writes go through one owner process",
    "css": "The sidebar overflowed on narrow screens; fixed with a flex-wrap rule",
    "perf": "Per-row inserts were the bottleneck; bulk COPY from Arrow tables made loading 500x faster",
}


@pytest.fixture(scope="module")
def mem(real_embedder):
    with graphbuddy.open(memory=True, model=real_embedder) as gb:
        add_docs(gb, *({"id": k, "content": v} for k, v in MEMORIES.items()))
        yield gb


def test_the_default_model_is_minilm_384(real_embedder):
    assert real_embedder.name == "all-MiniLM-L6-v2" and real_embedder.dim == 384
    v = real_embedder.embed(["hello world", "hello world"])
    assert v.dtype == np.float32 and v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4) and np.allclose(v[0], v[1], atol=1e-5)


@pytest.mark.parametrize("query, expected", [
    ("authentication tokens failing because of time skew", "auth"),
    ("database allows just one writing process", "db"),
    ("layout broken on mobile phones", "css"),
    ("loading data was too slow, what sped it up", "perf"),
])
def test_paraphrases_find_the_memory_by_meaning(mem, query, expected):
    page = mem.search(query, mode="vector")
    assert page.hits[0].id == expected
    assert mem.search(query).hits[0].id == expected          # hybrid too


def test_unrelated_text_is_not_counted_as_a_match(mem):
    assert mem.search("recipe for banana bread with walnuts", mode="vector").total == 0


def test_semantic_code_search_on_the_sample(sample_root, real_embedder):
    with graphbuddy.open(memory=True, model=real_embedder) as gb:
        gb.index(sample_root, project="sample")
        hits = gb.search_code("round a money amount to cents", mode="vector").hits
        assert hits[0].title == "shop.core.pricing.round_cents"
        hits = gb.search_code("make a price lower by a percentage").hits
        assert "shop.core.pricing.apply_discount" in [h.title for h in hits[:3]]


def test_a_query_that_is_not_utf8_still_searches(real_embedder):
    # a non-UTF-8 byte of argv reaches Python as a lone surrogate: the model's tokenizer refused it with a raw
    # TypeError (an "internal error" in the CLI); the byte is now a replacement character
    with graphbuddy.open(memory=True, model=real_embedder) as gb:
        add_docs(gb, "the cache of the pricing service")
        page = gb.search("caf\udce9 cache pricing")
        assert page.total == 1 and page.query == "caf\ufffd cache pricing"
        assert gb.search_summary("caf\udce9 cache")["total"] == 1
