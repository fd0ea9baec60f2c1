"""Code symbols become `code` documents after indexing and follow delta indexing; embeddings are reused."""
from __future__ import annotations

import graphbuddy

PRICING = "shop/core/pricing.py"


def code_docs(gb) -> dict[str, tuple[str, str]]:
    return {i: (t, h) for i, t, h in gb.analytics.rows(
        "SELECT id, title, content_hash FROM documents WHERE kind = 'code' AND project = 'sample'")}


def test_code_documents_follow_the_graph_and_delta_indexing(project_copy, fake):
    with graphbuddy.open(memory=True, model=fake) as gb:
        gb.index(project_copy, project="sample")
        before = code_docs(gb)
        symbols = gb.cypher("MATCH (d) WHERE (label(d) = 'Function' OR label(d) = 'Class') AND d.project = 'sample' "
                            "AND d.kind <> 'module' RETURN d.id AS id").rows()
        assert set(before) == {r["id"] for r in symbols} and len(before) > 20
        doc = gb.analytics.rows("SELECT content, attrs FROM documents WHERE title = 'shop.core.pricing.apply_discount'")
        assert "apply_discount" in doc[0][0] and '"file":"sample:shop/core/pricing.py"' in doc[0][1].replace(" ", "")
        assert fake.calls == 0                              # indexing embeds nothing
        first = gb.embed_pending()
        assert first.embedded == len({h for _, h in before.values()})

        # edit: a docstring added to one function, one function removed, one added
        src = project_copy / PRICING
        text = src.read_text()
        text = text.replace('def round_cents(value):\n', 'def round_cents(value):\n    """Round to whole cents."""\n')
        text = text.replace("def total_price(lines):\n    return sum(_line_total(line) for line in lines)\n",
                            "def grand_total(lines):\n    return sum(_line_total(line) for line in lines)\n")
        src.write_text(text)
        report = gb.index(project_copy, project="sample")
        assert report.mode == "delta"
        after = code_docs(gb)
        gone, new = set(before) - set(after), set(after) - set(before)
        assert {before[i][0] for i in gone} == {"shop.core.pricing.total_price"}
        assert {after[i][0] for i in new} == {"shop.core.pricing.grand_total"}
        changed = {after[i][0] for i in set(before) & set(after) if before[i][1] != after[i][1]}
        assert changed == {"shop.core.pricing.round_cents"}

        calls = fake.calls
        second = gb.embed_pending()
        assert second.embedded == 2 and fake.calls == calls + 2     # round_cents and grand_total only
        hit = gb.search_code("Round to whole cents", mode="keyword").hits[0]
        assert hit.title == "shop.core.pricing.round_cents" and hit.attrs["line"] > 0

        report = gb.index(project_copy, project="sample")          # nothing changed: nothing to do
        assert report.mode == "unchanged" and code_docs(gb) == after
        assert gb.embed_pending().embedded == 0


def test_full_reindex_keeps_unchanged_code_text(project_copy, fake):
    with graphbuddy.open(memory=True, model=fake) as gb:
        gb.index(project_copy, project="sample")
        gb.embed_pending()
        before = code_docs(gb)
        gb.index(project_copy, project="sample", full=True)
        assert code_docs(gb) == before
        assert gb.embed_pending().embedded == 0


def test_documents_are_deleted_by_id_whether_named_in_the_statement_or_bound(monkeypatch):
    """A few ids are written into the DELETE as literals (quotes escaped), more go as one bound list."""
    from graphbuddy.search import documents
    from graphbuddy.search.documents import Document, delete_documents, upsert_documents

    with graphbuddy.open(memory=True) as gb:
        ids = [f"p:it's/{i}.py:f" for i in range(10)] + ["p:a'); DELETE FROM documents; --"]
        upsert_documents(gb.analytics, [Document(id=i, kind="code", project="p", content=i) for i in ids])
        delete_documents(gb.analytics, ids[:2] + ids[-1:])
        left = {r[0] for r in gb.analytics.rows("SELECT id FROM documents")}
        assert left == set(ids[2:-1])
        monkeypatch.setattr(documents, "INLINE_IDS", 3)
        delete_documents(gb.analytics, ids[2:6])          # over the limit: a bound list
        assert {r[0] for r in gb.analytics.rows("SELECT id FROM documents")} == set(ids[6:-1])
        delete_documents(gb.analytics, [])
