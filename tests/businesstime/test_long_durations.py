"""Holidays given as something other than dates are refused; a duration that cannot elapse
before year 9999 is refused at once; long durations count whole weeks arithmetically and
land exactly where the day-by-day walk lands."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posventa.businesstime import BusinessCalendar, CalendarError, Closure, WeeklyInterval
from tests.businesstime import PROPERTY_SPECS, Spec, T, utc

MADRID_HOURS = [
    *[WeeklyInterval(day, T(8), T(13)) for day in range(5)],
    *[WeeklyInterval(day, T(14), T(19)) for day in range(5)],
    WeeklyInterval(5, T(9), T(13)),
]
XMAS = dt.date(2026, 12, 25)


def refused(field: str, build: object) -> CalendarError:
    with pytest.raises(CalendarError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field
    return caught.value


@pytest.mark.parametrize(
    "bad", ["2026-12-25", dt.datetime(2026, 12, 25, tzinfo=dt.UTC), 20261225, None]
)
def test_a_holiday_that_is_not_a_date_is_refused_naming_it(bad: object) -> None:
    error = refused(
        "holidays", lambda: BusinessCalendar("Europe/Madrid", MADRID_HOURS, [XMAS, bad])
    )
    assert repr(bad) in str(error)


def test_a_datetime_holiday_is_told_to_pass_its_date() -> None:
    noon = dt.datetime(2026, 12, 25, 12)
    error = refused("holidays", lambda: BusinessCalendar("UTC", MADRID_HOURS, {noon}))
    assert ".date()" in str(error)


@pytest.mark.parametrize("bad", ["2026-12-25", 2026])
def test_holidays_that_are_not_a_collection_are_refused(bad: object) -> None:
    refused("holidays", lambda: BusinessCalendar("UTC", MADRID_HOURS, bad))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "given_as",
    [[XMAS], (XMAS,), {XMAS}, frozenset({XMAS}), (day for day in [XMAS])],
    ids=["list", "tuple", "set", "frozenset", "generator"],
)
def test_date_holidays_close_the_day_in_any_collection(given_as: object) -> None:
    cal = BusinessCalendar("Europe/Madrid", MADRID_HOURS, given_as)  # type: ignore[arg-type]
    assert cal.intervals_on(XMAS) == ()
    assert cal.intervals_on(XMAS + dt.timedelta(days=-1)) != ()


def test_a_holidays_package_calendar_is_still_accepted() -> None:
    cal = BusinessCalendar("Europe/Madrid", MADRID_HOURS, holidays.country_holidays("ES"))
    assert cal.intervals_on(XMAS) == ()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/Santiago"])
@pytest.mark.parametrize("days", [10**6, 10**8, 999_999_999])
def test_a_duration_past_year_9999_is_refused_before_walking(zone: str, days: int) -> None:
    cal = BusinessCalendar(zone, MADRID_HOURS)
    error = refused("duration", lambda: cal.add(utc(2026, 3, 2, 9), dt.timedelta(days=days)))
    assert "9999" in str(error)
    assert cal._days == {}  # refused by the bound: not one day was built


def test_a_duration_just_past_the_last_day_is_refused_too() -> None:
    cal = BusinessCalendar("Europe/Madrid", MADRID_HOURS)
    start = dt.datetime(9999, 12, 1, 9, tzinfo=dt.UTC)
    refused("duration", lambda: cal.add(start, dt.timedelta(days=40)))


def test_a_sparse_calendar_is_bounded_by_its_own_hours() -> None:
    """One minute a week in UTC: about 417,000 minutes remain before 9999 ends."""
    cal = BusinessCalendar("UTC", [WeeklyInterval(2, T(10), T(10, 1))])
    refused("duration", lambda: cal.add(utc(2026, 1, 1), dt.timedelta(minutes=500_000)))
    assert cal._days == {}
    due = cal.add(utc(2026, 1, 1), dt.timedelta(minutes=100_000))
    assert due.year > 3900 and due.minute == 1


def test_a_long_duration_reaches_the_same_instant_as_walking_day_by_day() -> None:
    spec_holidays = holidays.country_holidays("ES", subdiv="MD", years=range(2026, 2300))
    fast = BusinessCalendar("Europe/Madrid", MADRID_HOURS, spec_holidays)
    slow = BusinessCalendar("Europe/Madrid", MADRID_HOURS, spec_holidays)
    slow._skip_steady_weeks = False
    start = utc(2026, 3, 2, 9)
    for days in (30, 400, 5_000):
        duration = dt.timedelta(days=days, hours=3, minutes=7)
        assert fast.add(start, duration) == slow.add(start, duration)


def _walking(spec: Spec) -> BusinessCalendar:
    slow = spec.build()
    slow._skip_steady_weeks = False
    return slow


@pytest.mark.parametrize("spec", PROPERTY_SPECS, ids=lambda spec: spec.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start_us=st.integers(0, 4 * 365 * 86_400 * 10**6),
    duration_us=st.integers(1, 3 * 365 * 86_400 * 10**6),
    closure_day=st.integers(0, 2 * 365),
)
def test_skipping_steady_weeks_never_changes_a_result(
    spec: Spec, start_us: int, duration_us: int, closure_day: int
) -> None:
    """Property: same result as the day-by-day walk, on every shared calendar (DST zones,
    night shifts, holidays), with a closure thrown in somewhere in the span."""
    first = dt.date(2025, 1, 1) + dt.timedelta(days=closure_day)
    with_closure = Spec(
        spec.name,
        spec.timezone,
        spec.intervals,
        spec.holidays,
        (*spec.closures, Closure(first, first + dt.timedelta(days=9), "works")),
    )
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=start_us)
    duration = dt.timedelta(microseconds=duration_us)
    fast = with_closure.build()
    assert fast.add(start, duration) == _walking(with_closure).add(start, duration)
