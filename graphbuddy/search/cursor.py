"""Opaque pagination cursors: the query's fingerprint, its snapshot time and the next offset.

A cursor pins the snapshot (`as_of`): later pages see the documents as they were when page one ran
(nothing added or changed since then shows up, scores use the same clock), so pages neither repeat nor skip.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidArgument


@dataclass(frozen=True)
class Cursor:
    query_key: str
    as_of: datetime
    offset: int

    def encode(self) -> str:
        body = json.dumps({"k": self.query_key, "t": self.as_of.isoformat(), "o": self.offset},
                          separators=(",", ":")).encode()
        check = hashlib.sha256(body).hexdigest()[:8]
        return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + check


def decode_cursor(text: str, *, query_key: str) -> Cursor:
    try:
        payload, check = text.strip().rsplit(".", 1)
        body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if hashlib.sha256(body).hexdigest()[:8] != check:
            raise ValueError("checksum")
        data = json.loads(body)
        cursor = Cursor(str(data["k"]), datetime.fromisoformat(data["t"]), int(data["o"]))
        if cursor.offset < 0:
            raise ValueError("offset")
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(f"malformed cursor {text[:40]!r}: pass the next_cursor of a previous page") from None
    if cursor.query_key != query_key:
        raise InvalidArgument("cursor belongs to another query or other filters: repeat the same query and filters")
    return cursor


def query_key(**parts) -> str:
    """A short fingerprint of the query text, mode and filters a cursor is valid for."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
