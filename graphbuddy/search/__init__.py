"""Retrieval over the `documents` table: embeddings, BM25, fusion, filters, cursors (docs/search.md).

Nothing heavy is imported here: numpy, scipy and the model load when a search or embedding runs."""
