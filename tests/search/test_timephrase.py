from datetime import datetime, timedelta

import pytest

from graphbuddy.errors import InvalidArgument
from graphbuddy.search.timephrase import parse_since, parse_time_range, parse_until

NOW = datetime(2026, 11, 21, 15, 30)
MIDNIGHT = datetime(2026, 11, 21)


@pytest.mark.parametrize("phrase, start, end", [
    ("today", MIDNIGHT, MIDNIGHT + timedelta(days=1)),
    ("Yesterday", MIDNIGHT - timedelta(days=1), MIDNIGHT),
    ("last week", NOW - timedelta(days=7), NOW),
    ("past week", NOW - timedelta(days=7), NOW),
    ("last 3 days", NOW - timedelta(days=3), NOW),
    ("last  two hours", NOW - timedelta(hours=2), NOW),
    ("last month", NOW - timedelta(days=30), NOW),
    ("2 days ago", NOW - timedelta(days=2), NOW - timedelta(days=2)),
    ("since 2026-01-01", datetime(2026, 1, 1), datetime(2026, 1, 2)),
    ("2026-03-04", datetime(2026, 3, 4), datetime(2026, 3, 5)),
    ("2026-03-04T10:20:00", datetime(2026, 3, 4, 10, 20), datetime(2026, 3, 4, 10, 20)),
    ("2026-03-04T10:20:00+02:00", datetime(2026, 3, 4, 8, 20), datetime(2026, 3, 4, 8, 20)),
    ("2026-03-04T10:20:00Z", datetime(2026, 3, 4, 10, 20), datetime(2026, 3, 4, 10, 20)),
])
def test_phrases(phrase, start, end):
    assert parse_time_range(phrase, now=NOW) == (start, end)


def test_since_takes_the_start_until_the_end():
    assert parse_since("yesterday", now=NOW) == MIDNIGHT - timedelta(days=1)
    assert parse_until("yesterday", now=NOW) == MIDNIGHT
    assert parse_until("last week", now=NOW) == NOW - timedelta(days=7)     # older than a week
    assert parse_since(None) is None and parse_until(NOW) == NOW


@pytest.mark.parametrize("bad", ["", "the other day", "last fortnight", "2026-13-01", "since"])
def test_unreadable_phrases_are_a_clear_error(bad):
    with pytest.raises(InvalidArgument, match="cannot read time"):
        parse_time_range(bad, now=NOW)


@pytest.mark.parametrize("bad", ["last 10000 years", "99999999999 days ago", "0001-01-01T00:00:00+01:00",
                                 "9999-12-31T23:00:00-05:00"])
def test_times_out_of_range_are_a_clear_error(bad):
    # datetime arithmetic past year 1 or 9999 raised a raw OverflowError out of search(since=...)
    with pytest.raises(InvalidArgument, match="out of range"):
        parse_time_range(bad, now=NOW)


def test_aware_datetimes_become_naive_utc():
    # returned as given, an aware `since` next to a phrase `until` raised TypeError (naive vs aware comparison)
    from datetime import timezone

    aware = datetime(2026, 3, 4, 10, 20, tzinfo=timezone(timedelta(hours=2)))
    assert parse_since(aware) == parse_until(aware) == datetime(2026, 3, 4, 8, 20)
    assert parse_since(aware) < parse_until("today", now=NOW)
