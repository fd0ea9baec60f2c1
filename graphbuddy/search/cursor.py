"""Opaque pagination cursors: the query's fingerprint, its snapshot time and the hits already shown.

A cursor pins the snapshot time (`as_of`): later pages leave out the documents written after it (added,
retagged, re-indexed), read time phrases and compute decay at it. It also carries which documents earlier
pages showed (a 6-byte hash of each id), and a later page shows the best-ranked documents not among them. A
plain offset into the ranking read again could not stay put: a hit of page one removed, retagged (left out)
or voted down (ranked lower) between pages moved every hit under it, so the hit at the page boundary was
skipped or shown twice. Nor could a (score, id) key: RRF scores are ranks, so a document leaving a
retriever's pool raises the score of every document under it (docs/search.md, "Pagination").
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidArgument

SHOWN_BYTES = 6             # per shown hit: two ids of one ranking (<= 200 documents) collide with p ~ 1e-10


def shown_key(doc_id: str) -> bytes:
    """What a cursor keeps of a shown document's id."""
    return hashlib.blake2b(doc_id.encode(), digest_size=SHOWN_BYTES).digest()


@dataclass(frozen=True)
class Cursor:
    query_key: str
    as_of: datetime
    offset: int = 0               # hits shown so far
    shown: bytes | None = b""     # their `shown_key`s; None: a cursor of the previous format (ranks [0, offset))

    def shown_keys(self) -> frozenset[bytes]:
        s = self.shown or b""
        return frozenset(s[i:i + SHOWN_BYTES] for i in range(0, len(s), SHOWN_BYTES))

    def after(self, shown_now: bytes) -> "Cursor":
        """The cursor of the next page, once the hits of `shown_now` (concatenated `shown_key`s) are shown."""
        return Cursor(self.query_key, self.as_of, self.offset + len(shown_now) // SHOWN_BYTES,
                      (self.shown or b"") + shown_now)

    def encode(self) -> str:
        body = json.dumps({"k": self.query_key, "t": self.as_of.isoformat(), "o": self.offset},
                          separators=(",", ":")).encode() + b"\0" + (self.shown or b"")
        check = hashlib.sha256(body).hexdigest()[:8]
        return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + check


def decode_cursor(text: str, *, query_key: str) -> Cursor:
    """The cursor `encode` wrote; one of the previous format (JSON alone: an offset) has `shown` None."""
    try:
        payload, check = text.strip().rsplit(".", 1)
        body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if hashlib.sha256(body).hexdigest()[:8] != check:
            raise ValueError("checksum")
        header, sep, shown = body.partition(b"\0")       # JSON escapes control characters: never a raw NUL
        data = json.loads(header)
        cursor = Cursor(str(data["k"]), datetime.fromisoformat(data["t"]), int(data["o"]), shown if sep else None)
        if cursor.offset < 0 or (sep and len(shown) != cursor.offset * SHOWN_BYTES):
            raise ValueError("offset")
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(f"malformed cursor {text[:40]!r}: pass the next_cursor of a previous page") from None
    if cursor.query_key != query_key:
        raise InvalidArgument("cursor belongs to another query or other filters: repeat the same query and filters")
    return cursor


def query_key(**parts) -> str:
    """A short fingerprint of the query text, mode and filters a cursor is valid for."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
