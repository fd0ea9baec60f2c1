"""Working memory: sessions, reflections, insight capture and transcript import, linked to the code graph.

Every stored reflection, insight and session summary is a Kùzu node plus a row of DuckDB `documents` with
the same id (the text that search and embeddings read). `store.MemoryStore.write()` keeps the two together.
"""
