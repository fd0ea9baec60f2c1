"""Cursor pages when memories are voted on, retagged, removed or added between pages: a later page never
repeats a hit of an earlier one and never skips a document that existed, unchanged, when page one ran
(docs/search.md, "Pagination"). Real stores (memory API, DuckDB, Kùzu), the deterministic fake embedder."""
from __future__ import annotations

import base64
import hashlib
import json
import random

import pytest

from graphbuddy.errors import InvalidArgument

NOTES = [f"cache note number {i} about eviction" for i in range(25)]
QUERY = "cache eviction"


def _reflections(gb, texts) -> list[str]:
    return [gb.add_reflection(t).id for t in texts]


def _later_pages(gb, first, *, limit, mode="hybrid", query=QUERY, between=None) -> list:
    pages = [first]
    while pages[-1].next_cursor:
        if between is not None:
            between(len(pages))
        pages.append(gb.search(query, limit=limit, mode=mode, cursor=pages[-1].next_cursor))
    return pages[1:]


def _shown(*pages) -> list[str]:
    return [h.id for p in pages for h in p.hits]


@pytest.mark.parametrize("mode", ["hybrid", "vector", "keyword"])
@pytest.mark.parametrize("edit", ["retag", "downvote", "remove"])
def test_a_page_one_hit_edited_between_pages_moves_no_other_hit(gb, mode, edit):
    # Page two read the ranking again from offset 10: a retagged (updated after the snapshot) or removed hit of
    # page one dropped out, the rest moved up one place, and the hit at the page boundary was never shown; a
    # downvoted one moved down past the boundary: shown twice, and the boundary hit never.
    ids = _reflections(gb, NOTES)
    first = gb.search(QUERY, limit=10, mode=mode)
    edited = first.hits[0].id
    if edit == "retag":
        gb.update_reflection(edited, tags=["edited"])
    elif edit == "downvote":
        for _ in range(5):
            gb.vote(edited, up=False)
    else:
        gb.remove_reflection(edited)
    shown = _shown(first, *_later_pages(gb, first, limit=10, mode=mode))
    assert len(shown) == len(set(shown))
    assert set(shown) == set(ids)


@pytest.mark.parametrize("mode", ["hybrid", "vector", "keyword"])
def test_a_later_hit_upvoted_between_pages_is_shown_once_and_moves_no_other_hit(gb, mode):
    # The first hit of page two, upvoted, rose into page one's ranks: page two began with page one's last hit
    # again, and the upvoted one was never shown.
    ids = _reflections(gb, NOTES)
    ranking = [h.id for h in gb.search(QUERY, limit=100, mode=mode).hits]
    first = gb.search(QUERY, limit=10, mode=mode)
    assert _shown(first) == ranking[:10]
    for _ in range(5):
        gb.vote(ranking[10], up=True)
    later = _later_pages(gb, first, limit=10, mode=mode)
    shown = _shown(first, *later)
    assert len(shown) == len(set(shown)) and set(shown) == set(ids)
    assert later[0].hits[0].id == ranking[10]         # ranked with its votes now: first of what is left
    assert later[0].hits[0].votes == 5


def test_later_hits_retagged_or_removed_between_pages_are_left_out_others_are_not(gb):
    ids = _reflections(gb, NOTES)
    ranking = [h.id for h in gb.search(QUERY, limit=100).hits]
    first = gb.search(QUERY, limit=10)
    retagged, removed = ranking[12], ranking[15]
    gb.update_reflection(retagged, tags=["edited"])      # written after page one: not on its later pages
    gb.remove_reflection(removed)
    shown = _shown(first, *_later_pages(gb, first, limit=10))
    assert len(shown) == len(set(shown))
    assert set(shown) == set(ids) - {retagged, removed}
    assert retagged in {h.id for h in gb.search(QUERY, limit=100).hits}     # a new search shows it


def test_memories_added_between_pages_neither_show_up_nor_move_others(gb):
    ids = _reflections(gb, NOTES)
    first = gb.search(QUERY, limit=10)
    new = _reflections(gb, [f"cache eviction newcomer {i}" for i in range(5)])
    gb.remove_reflection(first.hits[3].id)
    shown = _shown(first, *_later_pages(gb, first, limit=10))
    assert len(shown) == len(set(shown)) and set(shown) == set(ids)
    assert not set(new) & set(shown)


WORDS = ("cache token writer index vector kuzu duckdb retry lock queue parser config session deploy "
         "timeout schema sidebar payment eviction flaky").split()
QUERIES = ("cache token", "retry the payment after timeout", "index vector duckdb", "lock queue session",
           "flaky deploy config")


@pytest.mark.parametrize("seed", range(4))
def test_pages_under_random_writes_never_repeat_nor_skip_an_unchanged_document(gb, seed):
    rng = random.Random(seed)
    ids = _reflections(gb, [f"{' '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 10)))} note{i}"
                            for i in range(60)])
    for mode in ("hybrid", "vector", "keyword"):
        query, limit = rng.choice(QUERIES), rng.randint(2, 9)
        ranking = [h.id for h in gb.search(query, limit=100, mode=mode).hits]   # < POOL matches: all of them
        first = gb.search(query, limit=limit, mode=mode)
        changed, added, seen_after = set(), set(), []

        def between(_page):
            for _ in range(rng.randint(1, 4)):
                action, target = rng.random(), rng.choice([i for i in ids if i not in changed])
                if action < 0.4:
                    for _ in range(rng.randint(1, 6)):
                        gb.vote(target, up=rng.random() < 0.5)
                elif action < 0.6:
                    gb.update_reflection(target, tags=[f"t{rng.randint(0, 9)}"])
                    changed.add(target)
                elif action < 0.75:
                    gb.remove_reflection(target)
                    changed.add(target)
                else:
                    added.add(gb.add_reflection(f"{query} {rng.choice(WORDS)} added{len(added)} s{seed}").id)
            seen_after.append(set(changed))

        later = _later_pages(gb, first, limit=limit, mode=mode, query=query, between=between)
        shown = _shown(first, *later)
        assert len(shown) == len(set(shown)), mode
        assert set(ranking) - changed <= set(shown), mode            # every unchanged document of page one's
        assert not set(shown) - set(ranking), mode                    # ranking, and nothing else
        for page, before in zip(later, seen_after):                   # a document written after page one: left out
            assert not {h.id for h in page.hits} & before, mode
        ids = [i for i in ids if i not in changed]


def _old_format(cursor: str) -> str:
    """The cursor as pages were numbered before the shown hits were carried: {"k", "t", "o"} + checksum."""
    payload = cursor.split(".")[0]
    body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    header = json.loads(body.split(b"\0")[0])
    old = json.dumps({"k": header["k"], "t": header["t"], "o": header["o"]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(old).decode().rstrip("=") + "." + hashlib.sha256(old).hexdigest()[:8]


def test_a_cursor_of_the_previous_format_still_pages_by_offset(gb):
    ids = _reflections(gb, NOTES)
    first = gb.search(QUERY, limit=10)
    old = _old_format(first.next_cursor)
    second = gb.search(QUERY, limit=10, cursor=old)
    assert [h.id for h in second.hits] == [h.id for h in gb.search(QUERY, limit=100).hits][10:20]
    third = gb.search(QUERY, limit=10, cursor=second.next_cursor)
    shown = _shown(first, second, third)
    assert len(shown) == len(set(shown)) and set(shown) == set(ids) and third.next_cursor is None


def test_a_cursor_whose_shown_hits_do_not_match_its_count_is_malformed(gb):
    _reflections(gb, NOTES)
    first = gb.search(QUERY, limit=10)
    payload = first.next_cursor.split(".")[0]
    body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    short = body[:-1]                     # checksum recomputed: only the length check can tell
    forged = base64.urlsafe_b64encode(short).decode().rstrip("=") + "." + hashlib.sha256(short).hexdigest()[:8]
    with pytest.raises(InvalidArgument, match="malformed cursor"):
        gb.search(QUERY, limit=10, cursor=forged)
