"""When a digest is due: the subscriber's local time in their zone, across both DST changes
(Europe/Kyiv, America/New_York), with a local time that does not exist that day (due when
the clocks jump) or occurs twice (due at its first occurrence, once)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.subscriptions import local_date, local_instant, next_due_at

KYIV = ZoneInfo("Europe/Kyiv")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days_of_digests(local_time: time, zone: ZoneInfo, start: datetime, count: int) -> list[datetime]:
    """`count` consecutive due instants, each computed from the previous one, as a
    subscriber who received every digest on time would get them."""
    instants = []
    after = start
    for _ in range(count):
        after = next_due_at(local_time, zone, after)
        instants.append(after)
    return instants


# -- ordinary days ----------------------------------------------------------------


def test_due_later_today_when_the_time_has_not_come() -> None:
    # 05:00 UTC is 08:00 in Kyiv in summer (UTC+3).
    assert next_due_at(time(9, 0), KYIV, utc(2025, 7, 1, 5, 0)) == utc(2025, 7, 1, 6, 0)


def test_due_tomorrow_when_the_time_has_passed() -> None:
    assert next_due_at(time(7, 0), KYIV, utc(2025, 7, 1, 5, 0)) == utc(2025, 7, 2, 4, 0)


def test_strictly_after_the_instant_given() -> None:
    due = utc(2025, 7, 1, 5, 0)  # 08:00 Kyiv
    assert next_due_at(time(8, 0), KYIV, due - timedelta(microseconds=1)) == due
    assert next_due_at(time(8, 0), KYIV, due) == due + timedelta(days=1)


def test_winter_and_summer_offsets() -> None:
    assert next_due_at(time(8, 0), KYIV, utc(2025, 1, 10)) == utc(2025, 1, 10, 6, 0)  # UTC+2
    assert next_due_at(time(8, 0), NEW_YORK, utc(2025, 1, 10)) == utc(2025, 1, 10, 13, 0)  # UTC-5
    assert next_due_at(time(8, 0), NEW_YORK, utc(2025, 7, 10)) == utc(2025, 7, 10, 12, 0)  # UTC-4


def test_accepts_zone_names_and_rejects_naive_instants() -> None:
    assert next_due_at(time(8, 0), "Europe/Kyiv", utc(2025, 1, 10)) == utc(2025, 1, 10, 6, 0)
    with pytest.raises(ValueError):
        next_due_at(time(8, 0), KYIV, datetime(2025, 1, 10))


def test_local_date_is_the_subscribers_calendar_day() -> None:
    # 22:30 UTC on 1 July is already 2 July in Kyiv and still 1 July in New York.
    assert local_date(utc(2025, 7, 1, 22, 30), KYIV) == date(2025, 7, 2)
    assert local_date(utc(2025, 7, 1, 22, 30), NEW_YORK) == date(2025, 7, 1)


# -- across the changes: a regular time keeps its wall-clock time ------------------


@pytest.mark.parametrize(
    ("zone", "start", "offsets"),
    [
        # Kyiv: spring forward on Sun 30 Mar 2025 (UTC+2 -> +3), fall back on Sun 26 Oct.
        (KYIV, utc(2025, 3, 28, 12), [2, 3, 3, 3]),
        (KYIV, utc(2025, 10, 24, 12), [3, 2, 2, 2]),
        # New York: spring forward on Sun 9 Mar 2025 (UTC-5 -> -4), fall back on Sun 2 Nov.
        (NEW_YORK, utc(2025, 3, 7, 18), [-5, -4, -4, -4]),
        (NEW_YORK, utc(2025, 10, 31, 18), [-4, -5, -5, -5]),
    ],
    ids=["kyiv-spring", "kyiv-autumn", "new-york-spring", "new-york-autumn"],
)
def test_eight_in_the_morning_stays_eight_across_the_change(
    zone: ZoneInfo, start: datetime, offsets: list[int]
) -> None:
    instants = days_of_digests(time(8, 0), zone, start, 4)
    for instant, offset in zip(instants, offsets, strict=True):
        local = instant.astimezone(zone)
        assert (local.hour, local.minute) == (8, 0)
        assert local.utcoffset() == timedelta(hours=offset)
    # One digest per calendar day, on consecutive days.
    days = [local_date(instant, zone) for instant in instants]
    assert days == [days[0] + timedelta(days=n) for n in range(4)]
    # The change day is 23 or 25 hours long, the others 24.
    gaps = {(b - a) for a, b in itertools.pairwise(instants)}
    assert gaps <= {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}


# -- a local time that does not exist -------------------------------------------


def test_kyiv_spring_forward_gap_is_due_when_the_clocks_jump() -> None:
    # 30 Mar 2025: at 03:00 EET the clocks go to 04:00 EEST (01:00 UTC); 03:30 never happens.
    due = next_due_at(time(3, 30), KYIV, utc(2025, 3, 29, 12))
    assert due == utc(2025, 3, 30, 1, 0)
    assert due.astimezone(KYIV).strftime("%H:%M %Z") == "04:00 EEST"
    # The next day it is 03:30 again.
    assert next_due_at(time(3, 30), KYIV, due).astimezone(KYIV).strftime("%d %H:%M") == "31 03:30"


def test_new_york_spring_forward_gap_is_due_when_the_clocks_jump() -> None:
    # 9 Mar 2025: at 02:00 EST the clocks go to 03:00 EDT (07:00 UTC); 02:30 never happens.
    due = next_due_at(time(2, 30), NEW_YORK, utc(2025, 3, 8, 18))
    assert due == utc(2025, 3, 9, 7, 0)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"
    assert local_date(due, NEW_YORK) == date(2025, 3, 9)


@pytest.mark.parametrize("minute", [0, 1, 59])
def test_every_minute_of_the_gap_goes_to_its_end(minute: int) -> None:
    assert local_instant(date(2025, 3, 9), time(2, minute), NEW_YORK) == utc(2025, 3, 9, 7, 0)
    assert local_instant(date(2025, 3, 30), time(3, minute), KYIV) == utc(2025, 3, 30, 1, 0)


def test_the_minutes_around_the_gap_are_untouched() -> None:
    assert local_instant(date(2025, 3, 9), time(1, 59), NEW_YORK) == utc(2025, 3, 9, 6, 59)
    assert local_instant(date(2025, 3, 9), time(3, 0), NEW_YORK) == utc(2025, 3, 9, 7, 0)
    assert local_instant(date(2025, 3, 9), time(3, 1), NEW_YORK) == utc(2025, 3, 9, 7, 1)


def test_a_gap_day_still_has_exactly_one_digest() -> None:
    instants = days_of_digests(time(2, 30), NEW_YORK, utc(2025, 3, 7, 18), 4)
    assert [local_date(instant, NEW_YORK) for instant in instants] == [
        date(2025, 3, 8),
        date(2025, 3, 9),
        date(2025, 3, 10),
        date(2025, 3, 11),
    ]


# -- a local time that occurs twice ----------------------------------------------


def test_new_york_fall_back_is_due_at_the_first_occurrence_only() -> None:
    # 2 Nov 2025: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    first = next_due_at(time(1, 30), NEW_YORK, utc(2025, 11, 1, 18))
    assert first == utc(2025, 11, 2, 5, 30)
    assert first.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"
    # After the first occurrence the next one is tomorrow, not the repeat an hour later.
    after_first = next_due_at(time(1, 30), NEW_YORK, first)
    assert after_first == utc(2025, 11, 3, 6, 30)
    assert local_date(after_first, NEW_YORK) == date(2025, 11, 3)
    # Even asked from between the two occurrences, the repeat is never due.
    assert next_due_at(time(1, 30), NEW_YORK, utc(2025, 11, 2, 6, 0)) == utc(2025, 11, 3, 6, 30)


def test_kyiv_fall_back_is_due_at_the_first_occurrence_only() -> None:
    # 26 Oct 2025: 03:30 happens at 00:30 UTC (EEST) and again at 01:30 UTC (EET).
    first = next_due_at(time(3, 30), KYIV, utc(2025, 10, 25, 12))
    assert first == utc(2025, 10, 26, 0, 30)
    assert first.astimezone(KYIV).fold == 0
    assert next_due_at(time(3, 30), KYIV, first) == utc(2025, 10, 27, 1, 30)
    assert next_due_at(time(3, 30), KYIV, utc(2025, 10, 26, 1, 0)) == utc(2025, 10, 27, 1, 30)


def test_a_fall_back_day_has_exactly_one_digest() -> None:
    instants = days_of_digests(time(1, 30), NEW_YORK, utc(2025, 10, 31, 18), 4)
    days = [local_date(instant, NEW_YORK) for instant in instants]
    assert days == [date(2025, 11, 1), date(2025, 11, 2), date(2025, 11, 3), date(2025, 11, 4)]


# -- catch-up ------------------------------------------------------------------


def test_after_downtime_the_next_due_is_one_ahead_not_one_per_missed_day() -> None:
    # Last due on 1 July at 08:00 Kyiv; the bot was down until 4 July 10:00 Kyiv. The tick
    # then sends one digest and computes the next from the time it ran.
    missed = utc(2025, 7, 1, 5, 0)
    back = utc(2025, 7, 4, 7, 0)
    assert missed <= back
    assert next_due_at(time(8, 0), KYIV, back) == utc(2025, 7, 5, 5, 0)


def test_back_before_the_local_time_on_the_day_it_returns() -> None:
    # Down from 1 July until 4 July 07:00 Kyiv: the catch-up goes now, the next at 08:00.
    back = utc(2025, 7, 4, 4, 0)
    assert next_due_at(time(8, 0), KYIV, back) == utc(2025, 7, 4, 5, 0)


def test_a_zone_whose_gap_crosses_midnight() -> None:
    # America/Havana springs forward at midnight (00:00 -> 01:00) on 9 Mar 2025:
    # 00:30 that day does not exist and is due at 01:00 CDT.
    havana = ZoneInfo("America/Havana")
    due = next_due_at(time(0, 30), havana, utc(2025, 3, 8, 12))
    assert due.astimezone(havana).strftime("%Y-%m-%d %H:%M") == "2025-03-09 01:00"
