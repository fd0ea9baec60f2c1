"""Embedding documents: only text whose (content hash, model) has no vector yet is sent to the model."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from .timephrase import utc_now

log = logging.getLogger(__name__)

CHUNK = 4096          # texts per model call and per insert: bounded memory; big enough that the model's
                      # own length-sorting keeps padding low
MAX_CHARS = 8000      # the model reads 256 tokens at most; do not ship megabytes to the tokenizer


@dataclass(frozen=True)
class EmbedReport:
    model: str
    embedded: int       # distinct texts sent to the model
    documents: int      # documents those texts cover
    seconds: float
    model_seconds: float = 0.0   # of which inside the model: the rest is graphbuddy's own overhead

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def embed_pending(analytics, embedder, *, kinds: tuple[str, ...] | None = None, progress=None) -> EmbedReport:
    """Embed every text without a vector for this model. `progress(stage, done, total)` after each chunk."""
    started = time.perf_counter()
    where, params = "", [embedder.name]
    if kinds:
        where = "AND d.kind IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(kinds))
    pending = analytics.rows(
        "SELECT d.content_hash, any_value(d.content), count(*) FROM documents d "
        "WHERE d.content_hash IS NOT NULL "          # a row without its hash breaks the contract: not embeddable
        "AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.content_hash = d.content_hash AND e.model = ?) "
        f"{where} GROUP BY d.content_hash", params)
    _, _, in_model = embed_and_store(analytics, embedder, [h for h, _, _ in pending],
                                     [(text or "")[:MAX_CHARS] for _, text, _ in pending], progress)
    return EmbedReport(embedder.name, len(pending), sum(n for _, _, n in pending), time.perf_counter() - started,
                       in_model)


def embed_and_store(analytics, embedder, hashes: list[str], texts: list[str], progress=None):
    """Embed `texts` CHUNK at a time, storing each chunk's vectors as it comes: an interrupted run (Ctrl-C on a
    first search over 70k code symbols, minutes on a CPU) keeps what it embedded. Returns (vectors, inserts,
    seconds inside the model)."""
    if texts:
        log.info("embedding %d texts with %s", len(texts), embedder.name)
        if progress:
            progress("embed", 0, len(texts))
    parts, in_model = [], 0.0
    for start in range(0, len(texts), CHUNK):
        t = time.perf_counter()
        vectors = embedder.embed(texts[start:start + CHUNK])
        in_model += time.perf_counter() - t
        store_vectors(analytics, embedder.name, hashes[start:start + CHUNK], vectors)
        parts.append(vectors)
        if progress:
            progress("embed", min(start + CHUNK, len(texts)), len(texts))
    vectors = np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
    return vectors, len(parts), in_model


def store_vectors(analytics, model: str, hashes: list[str], vectors: np.ndarray) -> None:
    import pyarrow as pa

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    # A model is known by its name (a folder's path): one replaced by a model of another size would mix vector
    # sizes under one name, which the search snapshot cannot tell apart. One row read per chunk of texts.
    stored = analytics.rows("SELECT len(vector) FROM embeddings WHERE model = ? LIMIT 1", [model])
    if n and stored and stored[0][0] != dim:
        raise dimension_mismatch(model, dim, stored[0][0])
    offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
    table = pa.table({"content_hash": pa.array(hashes, pa.string()), "model": pa.array([model] * n, pa.string()),
                      "vector": pa.ListArray.from_arrays(offsets, pa.array(vectors.ravel())),
                      "created_at": pa.array([utc_now()] * n, pa.timestamp("us"))})
    analytics.insert_arrow("embeddings", table)


def dimension_mismatch(model: str, dim: int, stored: int) -> ModelError:
    return ModelError(f"model {model} gives {dim}-d vectors, but this store holds {stored}-d vectors under that "
                      "name: another model under the same name or folder? give it a name or folder of its own",
                      model=model)


def drop_unused_vectors(analytics) -> int:
    """Delete vectors whose text no document carries any more (after a project is removed). Returns how many."""
    orphan = "FROM embeddings e WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.content_hash = e.content_hash)"
    n = analytics.rows(f"SELECT count(*) {orphan}")[0][0]
    if n:
        analytics.execute(f"DELETE {orphan}")
    return n
