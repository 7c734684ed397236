"""Unusable inputs are refused with a CalendarError (a ValueError) naming the input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from posventa.businesstime import (
    HORIZON_DAYS,
    AlwaysOpenCalendar,
    BusinessCalendar,
    CalendarError,
    Closure,
    WeeklyInterval,
)
from tests.businesstime import MADRID, T, calendar, utc

H = dt.timedelta(hours=1)
NAIVE = dt.datetime(2026, 6, 15, 10)


def refused(field: str, call: Callable[[], object]) -> CalendarError:
    with pytest.raises(CalendarError) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == field
    return caught.value


@pytest.mark.parametrize("name", ["Europe/Atlantis", "", "../etc/passwd", "utc+1"])
def test_unknown_time_zone_is_refused(name: str) -> None:
    error = refused("timezone", lambda: BusinessCalendar(name, []))
    assert "time zone" in str(error)


def test_interval_closing_before_it_opens_is_refused_naming_day_and_times() -> None:
    error = refused("intervals", lambda: WeeklyInterval(2, T(18), T(9)))
    assert "Wednesday 18:00-09:00" in str(error)


def test_empty_interval_is_refused() -> None:
    refused("intervals", lambda: WeeklyInterval(0, T(9), T(9)))
    refused("intervals", lambda: WeeklyInterval(0, T(0), T(0)))


@pytest.mark.parametrize("end", [None, T(0)], ids=["no-closing-time", "closing-at-00:00"])
def test_closing_at_midnight_means_the_end_of_the_day(end: dt.time | None) -> None:
    interval = WeeklyInterval(0, T(22), end)
    assert interval.ends_at_midnight
    cal = BusinessCalendar("Europe/Madrid", [interval])
    assert cal.between(utc(2026, 6, 15), utc(2026, 6, 16)) == 2 * H


def test_whole_day_from_midnight_to_midnight() -> None:
    cal = BusinessCalendar("UTC", [WeeklyInterval(0, T(0), None)])
    assert cal.between(utc(2026, 6, 15), utc(2026, 6, 22)) == 24 * H


def test_overlapping_intervals_are_refused_naming_both() -> None:
    hours = [WeeklyInterval(0, T(8), T(13)), WeeklyInterval(0, T(12), T(19))]
    error = refused("intervals", lambda: BusinessCalendar("Europe/Madrid", hours))
    assert "Monday 08:00-13:00 overlaps Monday 12:00-19:00" in str(error)


def test_duplicated_interval_is_an_overlap() -> None:
    hours = [WeeklyInterval(4, T(8), None), WeeklyInterval(4, T(8), None)]
    error = refused("intervals", lambda: BusinessCalendar("Europe/Madrid", hours))
    assert "Friday 08:00-24:00" in str(error)


def test_touching_intervals_are_one_stretch_of_open_time() -> None:
    hours = [WeeklyInterval(0, T(8), T(13)), WeeklyInterval(0, T(13), T(19))]
    cal = BusinessCalendar("UTC", hours)
    assert cal.intervals_on(dt.date(2026, 6, 15)) == ((utc(2026, 6, 15, 8), utc(2026, 6, 15, 19)),)


@pytest.mark.parametrize("weekday", [-1, 7, True])
def test_weekday_outside_monday_to_sunday_is_refused(weekday: int) -> None:
    refused("intervals", lambda: WeeklyInterval(weekday, T(8), T(9)))


def test_times_with_their_own_zone_are_refused() -> None:
    refused("intervals", lambda: WeeklyInterval(0, T(8, tzinfo=dt.UTC), T(9)))


def test_closure_ending_before_it_starts_is_refused() -> None:
    error = refused("closures", lambda: Closure(dt.date(2026, 8, 9), dt.date(2026, 8, 1), "x"))
    assert "2026-08-01" in str(error)


def test_negative_duration_is_refused() -> None:
    refused("duration", lambda: calendar(MADRID).add(utc(2026, 6, 15), -H))
    refused("duration", lambda: AlwaysOpenCalendar().add(utc(2026, 6, 15), -H))


NAIVE_CALLS: list[tuple[str, Callable[[BusinessCalendar], Any]]] = [
    ("start", lambda cal: cal.add(NAIVE, H)),
    ("start", lambda cal: cal.between(NAIVE, utc(2026, 6, 16))),
    ("end", lambda cal: cal.between(utc(2026, 6, 14), NAIVE)),
    ("t", lambda cal: cal.next_open(NAIVE)),
    ("t", lambda cal: cal.is_open(NAIVE)),
]


@pytest.mark.parametrize("always_open", [False, True], ids=["business", "always-open"])
@pytest.mark.parametrize(("field", "call"), NAIVE_CALLS, ids=[f for f, _ in NAIVE_CALLS])
def test_naive_datetime_is_refused_naming_the_argument(
    field: str, call: Callable[[BusinessCalendar], Any], always_open: bool
) -> None:
    cal = AlwaysOpenCalendar() if always_open else calendar(MADRID)
    error = refused(field, lambda: call(cal))
    assert "naive" in str(error)


def test_calendar_without_hours_refuses_to_add_instead_of_looping() -> None:
    cal = BusinessCalendar("Europe/Madrid", [])
    refused("intervals", lambda: cal.add(utc(2026, 6, 15), H))
    refused("intervals", lambda: cal.next_open(utc(2026, 6, 15)))
    assert cal.add(utc(2026, 6, 15), dt.timedelta(0)) == utc(2026, 6, 15)
    assert cal.between(utc(2026, 1, 1), utc(2027, 1, 1)) == dt.timedelta(0)
    assert not cal.is_open(utc(2026, 6, 15))


class EveryDay:
    """A holiday list that never ends: every weekly opening falls on a holiday."""

    def __contains__(self, day: object) -> bool:
        return True


def test_holidays_covering_everything_give_up_after_the_horizon() -> None:
    cal = BusinessCalendar("Europe/Madrid", [WeeklyInterval(0, T(8), T(9))], EveryDay())
    error = refused("intervals", lambda: cal.add(utc(2026, 6, 15), H))
    assert f"{HORIZON_DAYS} days" in str(error)
    refused("intervals", lambda: cal.next_open(utc(2026, 6, 15)))


def test_a_long_closure_shorter_than_the_horizon_is_waited_out() -> None:
    closed = Closure(dt.date(2026, 1, 1), dt.date(2027, 12, 31), "rebuilding")
    cal = BusinessCalendar("UTC", [WeeklyInterval(0, T(8), T(9))], closures=[closed])
    assert cal.add(utc(2025, 12, 29, 8, 30), H) == utc(2028, 1, 3, 8, 30)


def test_results_beyond_year_9999_are_refused() -> None:
    cal = BusinessCalendar("UTC", [WeeklyInterval(0, T(8), T(9))])
    refused("duration", lambda: cal.add(utc(9999, 12, 20), 2 * H))
    refused("duration", lambda: AlwaysOpenCalendar().add(utc(9999, 12, 31), 48 * H))
