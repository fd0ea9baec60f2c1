"""Time ranges in plain words: "today", "yesterday", "last week", "last 3 days", "2 hours ago",
"since 2026-01-01", ISO dates and date-times. Times are naive UTC, like every timestamp in the store."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import InvalidArgument

_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
          "week": timedelta(weeks=1), "month": timedelta(days=30), "year": timedelta(days=365)}
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "ten": 10}
_LAST = re.compile(r"^(?:last|past)\s+(?:(\d+|a|an|one|two|three|four|five|six|seven|ten)\s+)?"
                   r"(minute|hour|day|week|month|year)s?$")
_AGO = re.compile(r"^(\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(minute|hour|day|week|month|year)s?\s+ago$")


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def parse_time_range(text: str, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The [start, end) a phrase names. `since` uses the start, `until` the end."""
    try:
        return _time_range(text, now or utc_now())
    except OverflowError:       # "last 10000 years", or an offset that moves 0001-01-01 / 9999-12-31 past the end
        raise InvalidArgument(f"time {text!r} is out of range (years 1 to 9999)") from None


def _time_range(text: str, now: datetime) -> tuple[datetime, datetime]:
    raw = text
    text = " ".join(str(text).strip().lower().split())
    if text.startswith("since "):
        text = text[6:].strip()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if text in ("now",):
        return now, now
    if text == "today":
        return midnight, midnight + timedelta(days=1)
    if text == "yesterday":
        return midnight - timedelta(days=1), midnight
    if text in ("this week",):
        start = midnight - timedelta(days=midnight.weekday())
        return start, now
    m = _LAST.match(text) or _AGO.match(text)
    if m:
        n = m.group(1)
        count = 1 if n is None else int(n) if n.isdigit() else _WORDS[n]
        start = now - count * _UNITS[m.group(2)]
        return (start, now) if _LAST.match(text) else (start, start)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.fromisoformat(text)
            return day, day + timedelta(days=1)
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(
            f"cannot read time {raw!r}: use today, yesterday, last week, last 3 days, 2 hours ago, "
            f"since 2026-01-01, or an ISO date/time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment, moment


def parse_since(text: str | datetime | None, *, now: datetime | None = None) -> datetime | None:
    if text is None or isinstance(text, datetime):
        return _naive_utc(text)
    return parse_time_range(text, now=now)[0]


def parse_until(text: str | datetime | None, *, now: datetime | None = None) -> datetime | None:
    """The end of a calendar phrase ("until yesterday": through yesterday), the start of a span reaching now
    ("until last week": older than a week)."""
    if text is None or isinstance(text, datetime):
        return _naive_utc(text)
    start, end = parse_time_range(text, now=now)
    return start if _LAST.match(" ".join(str(text).strip().lower().split())) else end


def _naive_utc(moment: datetime | None) -> datetime | None:
    """Like the phrases give them: an aware datetime compared with a naive one (since vs until) is a TypeError."""
    if moment is None or moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise InvalidArgument(f"time {moment.isoformat()} is out of range (years 1 to 9999)") from None
