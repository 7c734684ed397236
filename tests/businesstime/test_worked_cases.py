"""Worked examples with exact expected instants, worked out by hand from the site's hours.

European clocks change on the last Sunday of March (2026-03-29, 02:00 -> 03:00) and of
October (2026-10-25, 03:00 -> 02:00). Chile's dates are computed from zoneinfo below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import pytest

from posventa.businesstime import (
    AlwaysOpenCalendar,
    BusinessCalendar,
    Closure,
    WeeklyInterval,
)
from tests.businesstime import (
    DST_EDGES,
    MADRID,
    NIGHT_SHIFT,
    SANTIAGO,
    SANTIAGO_NO_HOLIDAYS,
    STOCKHOLM,
    UTC,
    T,
    calendar,
    local,
    transitions,
    utc,
    weekdays,
)

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)


madrid = functools.partial(local, "Europe/Madrid")
stockholm = functools.partial(local, "Europe/Stockholm")
santiago = functools.partial(local, "America/Santiago")


# -- Madrid, split shifts and ES-MD holidays ---------------------------------------------


def test_european_change_dates_of_2026_are_the_last_sundays() -> None:
    found = transitions(MADRID.zone, 2026, 2026)
    assert found == [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)]
    assert transitions(STOCKHOLM.zone, 2026, 2026) == found


def test_lunch_break_is_skipped() -> None:
    due = calendar(MADRID).add(madrid(2026, 6, 15, 12, 30), H)
    assert due == madrid(2026, 6, 15, 14, 30)
    assert due.tzinfo is UTC


def test_work_fitting_exactly_is_due_at_closing_time_not_next_opening() -> None:
    cal = calendar(MADRID)
    assert cal.add(madrid(2026, 6, 15, 8), 5 * H) == madrid(2026, 6, 15, 13)
    assert cal.add(madrid(2026, 6, 15, 8), 5 * H + US) == madrid(2026, 6, 15, 14) + US


def test_friday_evening_rolls_through_saturday_morning_and_the_spring_forward_sunday() -> None:
    # 30 min on Friday, Saturday's 4 hours, then 30 min on Monday, now in summer time.
    due = calendar(MADRID).add(madrid(2026, 3, 27, 18, 30), 5 * H)
    assert due == madrid(2026, 3, 30, 8, 30)
    assert due == utc(2026, 3, 30, 6, 30)


def test_a_weekend_of_public_holidays_is_skipped() -> None:
    # 2026-12-06 (Constitution Day) falls on a Sunday, so Madrid moves it to Monday the 7th,
    # and Tuesday the 8th is the Immaculate Conception: closed from Saturday 13:00 to Wednesday.
    cal = calendar(MADRID)
    assert dt.date(2026, 12, 7) in MADRID.holidays
    assert dt.date(2026, 12, 8) in MADRID.holidays
    assert cal.add(madrid(2026, 12, 5, 12), 2 * H) == madrid(2026, 12, 9, 9)
    assert cal.between(madrid(2026, 12, 7), madrid(2026, 12, 9)) == dt.timedelta(0)
    assert cal.next_open(madrid(2026, 12, 8, 10)) == madrid(2026, 12, 9, 8)


def test_site_closure_closes_whole_local_days_inclusive() -> None:
    summer = Closure(dt.date(2026, 8, 8), dt.date(2026, 8, 23), "summer")
    cal = dataclasses.replace(MADRID, closures=[summer]).build()
    assert cal.add(madrid(2026, 8, 7, 18), 2 * H) == madrid(2026, 8, 24, 9)
    assert not cal.is_open(madrid(2026, 8, 8, 10))
    assert not cal.is_open(madrid(2026, 8, 21, 10))
    assert cal.is_open(madrid(2026, 8, 24, 8))
    assert cal.between(madrid(2026, 8, 1), madrid(2026, 9, 1)) == (
        calendar(MADRID).between(madrid(2026, 8, 1), madrid(2026, 9, 1))
        # Ten weekdays of 10 h and Saturdays 8 and 22 of 4 h (15 is a holiday anyway).
        - (10 * 10 + 2 * 4) * H
    )


def test_a_week_of_split_shifts_is_54_hours() -> None:
    cal = calendar(MADRID)
    assert cal.between(madrid(2026, 6, 15), madrid(2026, 6, 22)) == 54 * H
    assert cal.between(madrid(2026, 6, 22), madrid(2026, 6, 15)) == -54 * H


def test_autumn_week_counts_the_same_open_hours() -> None:
    # No opening on Sunday, so the extra hour of 2026-10-25 changes nothing.
    cal = calendar(MADRID)
    assert cal.between(madrid(2026, 10, 19), madrid(2026, 10, 26)) == 54 * H


def test_next_open_and_is_open_around_lunch() -> None:
    cal = calendar(MADRID)
    assert cal.is_open(madrid(2026, 6, 15, 12, 59))
    assert not cal.is_open(madrid(2026, 6, 15, 13))
    assert cal.next_open(madrid(2026, 6, 15, 13, 30)) == madrid(2026, 6, 15, 14)
    assert cal.next_open(madrid(2026, 6, 15, 9)) == madrid(2026, 6, 15, 9)


# -- 24/7-ish weekends: the DST jump falls inside an open interval ------------------------

WEEKEND_ALL_DAY = BusinessCalendar(
    "Europe/Madrid",
    [*weekdays(T(9), T(17)), WeeklyInterval(5, T(0), None), WeeklyInterval(6, T(0), None)],
)


def test_adding_across_spring_forward_counts_real_elapsed_time() -> None:
    # Saturday noon to midnight is 12 h; the other 12 h end at 11:00 UTC, 13:00 summer time.
    assert WEEKEND_ALL_DAY.add(madrid(2026, 3, 28, 12), 24 * H) == madrid(2026, 3, 29, 13)
    assert WEEKEND_ALL_DAY.between(madrid(2026, 3, 29), madrid(2026, 3, 30)) == 23 * H


def test_adding_across_fall_back_counts_the_repeated_hour() -> None:
    assert WEEKEND_ALL_DAY.add(madrid(2026, 10, 24, 12), 36 * H) == madrid(2026, 10, 25, 23)
    assert WEEKEND_ALL_DAY.between(madrid(2026, 10, 25), madrid(2026, 10, 26)) == 25 * H
    # Both passes of 02:30 are open, and an hour of business time lies between them.
    first, second = madrid(2026, 10, 25, 2, 30), madrid(2026, 10, 25, 2, 30, fold=1)
    assert WEEKEND_ALL_DAY.between(first, second) == H


def test_weekend_saturday_midnight_and_sunday_midnight_are_contiguous() -> None:
    saturday_evening = madrid(2026, 6, 13, 23)
    assert WEEKEND_ALL_DAY.add(saturday_evening, 2 * H) == madrid(2026, 6, 14, 1)
    assert WEEKEND_ALL_DAY.is_open(madrid(2026, 6, 14, 0))


# -- Night shift: 22:00-24:00 and 00:00-06:00 every day --------------------------------


def test_night_shift_on_spring_forward_night_is_one_hour_shorter() -> None:
    cal = calendar(NIGHT_SHIFT)
    # Sunday 00:00 winter time (23:00 UTC) to 06:00 summer time (04:00 UTC).
    assert cal.intervals_on(dt.date(2026, 3, 29))[0] == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))
    assert cal.between(madrid(2026, 3, 28, 12), madrid(2026, 3, 29, 12)) == 7 * H
    assert cal.add(madrid(2026, 3, 28, 23), 3 * H) == utc(2026, 3, 29, 1)


def test_night_shift_on_fall_back_night_is_one_hour_longer() -> None:
    cal = calendar(NIGHT_SHIFT)
    assert cal.between(madrid(2026, 10, 25), madrid(2026, 10, 25, 12)) == 7 * H


def test_interval_ending_at_midnight_continues_into_next_days_midnight_interval() -> None:
    cal = calendar(NIGHT_SHIFT)
    start = madrid(2026, 6, 13, 22)
    assert cal.add(start, 2 * H) == madrid(2026, 6, 14, 0)
    assert cal.add(start, 2 * H + US) == madrid(2026, 6, 14, 0) + US
    assert cal.is_open(madrid(2026, 6, 14, 0))
    assert cal.next_open(madrid(2026, 6, 14, 0)) == madrid(2026, 6, 14, 0)


def test_closure_of_the_night_shift_calendar_closes_its_after_midnight_part_too() -> None:
    cal = calendar(NIGHT_SHIFT)
    # The closure starts on 1 August: July 31st's 22:00-24:00 stays, August's 00:00-06:00 not.
    assert cal.add(madrid(2026, 7, 31, 23), 2 * H) == madrid(2026, 8, 16, 1)


# -- Opening and closing times inside the gap or the fold --------------------------------


def test_opening_time_inside_the_gap_opens_when_the_clock_jumps() -> None:
    cal = calendar(DST_EDGES)
    # 02:30 does not exist on 2026-03-29; the clock jumps from 02:00 to 03:00 at 01:00 UTC.
    # 01:00-02:10 ends at the jump too, so both intervals merge into 00:00-03:00 UTC.
    assert cal.intervals_on(dt.date(2026, 3, 29)) == ((utc(2026, 3, 29), utc(2026, 3, 29, 3)),)
    assert cal.next_open(utc(2026, 3, 28, 23, 59)) == utc(2026, 3, 29)
    assert cal.between(madrid(2026, 3, 29), madrid(2026, 3, 30)) == 3 * H


def test_interval_lying_wholly_inside_the_gap_vanishes() -> None:
    cal = BusinessCalendar("Europe/Madrid", [WeeklyInterval(6, T(2, 10), T(2, 50))])
    assert cal.intervals_on(dt.date(2026, 3, 29)) == ()
    assert cal.next_open(madrid(2026, 3, 28)) == madrid(2026, 4, 5, 2, 10)


def test_times_inside_the_fold_mean_their_first_pass() -> None:
    cal = calendar(DST_EDGES)
    # 01:00 summer time to the first 02:10 (00:10 UTC); first 02:30 (00:30 UTC) to 05:00
    # winter time (04:00 UTC).
    assert cal.intervals_on(dt.date(2026, 10, 25)) == (
        (utc(2026, 10, 24, 23), utc(2026, 10, 25, 0, 10)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 4)),
    )
    # The first 02:15 falls between the intervals; the second one, after the first 02:30,
    # is inside the 02:30-05:00 interval, which runs on through the repeated hour.
    assert not cal.is_open(madrid(2026, 10, 25, 2, 15))
    assert cal.is_open(madrid(2026, 10, 25, 2, 15, fold=1))


def test_one_to_four_in_the_night_lasts_the_real_elapsed_time() -> None:
    cal = BusinessCalendar("Europe/Madrid", [WeeklyInterval(6, T(1), T(4))])
    assert cal.between(madrid(2026, 3, 29), madrid(2026, 3, 30)) == 2 * H
    assert cal.between(madrid(2026, 10, 25), madrid(2026, 10, 26)) == 4 * H
    assert cal.between(madrid(2026, 6, 14), madrid(2026, 6, 15)) == 3 * H


# -- Stockholm ---------------------------------------------------------------------------


def test_friday_evening_in_stockholm_rolls_to_monday_after_the_clock_change() -> None:
    due = calendar(STOCKHOLM).add(stockholm(2026, 3, 27, 16, 30), H)
    assert due == stockholm(2026, 3, 30, 7, 30)
    assert due == utc(2026, 3, 30, 5, 30)


def test_swedish_christmas_closure_and_holidays() -> None:
    # 24 December (closure), 25 and 26 December (public holidays), then the weekend.
    assert dt.date(2026, 12, 24) not in STOCKHOLM.holidays
    assert dt.date(2026, 12, 25) in STOCKHOLM.holidays
    assert dt.date(2026, 12, 26) in STOCKHOLM.holidays
    assert calendar(STOCKHOLM).add(stockholm(2026, 12, 23, 16), 2 * H) == stockholm(2026, 12, 28, 8)
    # Without the site's own closure, Christmas Eve is an ordinary Thursday.
    public_only = BusinessCalendar(STOCKHOLM.timezone, STOCKHOLM.intervals, STOCKHOLM.holidays)
    assert public_only.add(stockholm(2026, 12, 23, 16), 2 * H) == stockholm(2026, 12, 24, 8)


def test_swedish_easter_skips_good_friday_and_easter_monday() -> None:
    assert calendar(STOCKHOLM).add(stockholm(2026, 4, 2, 16), 2 * H) == stockholm(2026, 4, 7, 8)


# -- Santiago de Chile: changes at local midnight, in April and September ------------------


def chile_changes_2026() -> tuple[dt.datetime, dt.datetime]:
    autumn, spring = transitions(SANTIAGO.zone, 2026, 2026)
    return autumn, spring


def test_chile_changes_clocks_at_midnight_on_april_and_september_sundays() -> None:
    autumn, spring = chile_changes_2026()
    zone = SANTIAGO.zone
    # April: from -03 at Sunday 00:00 back to Saturday 23:00 -04.
    assert (autumn - US).astimezone(zone).utcoffset() == -3 * H
    assert autumn.astimezone(zone).utcoffset() == -4 * H
    assert autumn.astimezone(zone).replace(tzinfo=None) == dt.datetime(2026, 4, 4, 23)
    # September: from -04 at Sunday 00:00 forward to Sunday 01:00 -03.
    assert spring.astimezone(zone).replace(tzinfo=None) == dt.datetime(2026, 9, 6, 1)
    assert spring.astimezone(zone).weekday() == 6


def test_santiago_saturday_until_midnight_counts_the_repeated_hour_in_april() -> None:
    autumn, _ = chile_changes_2026()
    cal = calendar(SANTIAGO_NO_HOLIDAYS)
    saturday = autumn.astimezone(SANTIAGO.zone).date()
    sunday = saturday + dt.timedelta(days=1)
    opens = santiago(2026, 4, 4, 10)
    # 10:00 -03 to Sunday 00:00 -04: 15 real hours, then Sunday's 00:00-02:00 follows on.
    assert cal.intervals_on(saturday) == ((opens, autumn + H),)
    assert cal.intervals_on(sunday) == ((autumn + H, autumn + 3 * H),)
    assert cal.between(opens, santiago(2026, 4, 6)) == 17 * H
    assert cal.add(opens, 16 * H) == autumn + 2 * H
    assert cal.is_open(autumn) and cal.is_open(autumn - US)


def test_santiago_midnight_that_does_not_exist_closes_saturday_at_the_jump() -> None:
    _, spring = chile_changes_2026()
    cal = calendar(SANTIAGO_NO_HOLIDAYS)
    opens = santiago(2026, 9, 5, 10)
    # Saturday 10:00 -04 until the jump (Sunday 00:00 never happens): 14 hours; Sunday's
    # 00:00-02:00 starts at the jump and lasts one hour, up to 02:00 -03.
    assert cal.between(santiago(2026, 9, 5), santiago(2026, 9, 7)) == 15 * H
    assert cal.add(opens, 14 * H) == spring
    assert cal.add(opens, 14 * H + 30 * MIN) == spring + 30 * MIN
    assert cal.add(opens, 15 * H) == santiago(2026, 9, 6, 2)


def test_santiago_holy_saturday_and_good_friday_are_closed() -> None:
    autumn, _ = chile_changes_2026()
    cal = calendar(SANTIAGO)
    assert dt.date(2026, 4, 3) in SANTIAGO.holidays  # Good Friday
    assert dt.date(2026, 4, 4) in SANTIAGO.holidays  # Holy Saturday, the change night
    # Only Sunday's 00:00-02:00 (after the repeated hour, so from 04:00 UTC) stays open.
    assert cal.between(santiago(2026, 4, 2, 18), santiago(2026, 4, 6)) == 2 * H
    assert cal.next_open(santiago(2026, 4, 2, 18)) == autumn + H


def test_santiago_national_holidays_leave_sunday_night_open() -> None:
    cal = calendar(SANTIAGO)
    # 18 and 19 September are holidays; Sunday 00:00 -03 is 03:00 UTC.
    assert cal.add(santiago(2026, 9, 17, 17), 2 * H) == utc(2026, 9, 20, 4)


# -- Always open -------------------------------------------------------------------------


def test_always_open_calendar_is_elapsed_time() -> None:
    cal = AlwaysOpenCalendar()
    start = madrid(2026, 3, 28, 12)
    assert cal.add(start, 24 * H) == utc(2026, 3, 29, 11)
    assert cal.between(start, madrid(2026, 3, 30, 12)) == 47 * H
    assert cal.is_open(start)
    assert cal.next_open(start) == start
    assert cal.add(start, 24 * H).tzinfo is UTC
    assert isinstance(cal, BusinessCalendar)


@pytest.mark.parametrize("start", [madrid(2026, 6, 14, 12), utc(2026, 6, 15, 9)])
def test_adding_nothing_returns_the_start_even_when_closed(start: dt.datetime) -> None:
    due = calendar(MADRID).add(start, dt.timedelta(0))
    assert due == start
    assert due.tzinfo is UTC
