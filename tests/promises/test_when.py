"""A spoken time read on the site's calendar: due at the close of the day it names."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from posventa.businesstime import BusinessCalendar, Closure, WeeklyInterval
from posventa.promises.when import (
    AFTERNOON,
    DAYS,
    HOURS,
    NEXT_WEEK,
    THIS_WEEK,
    TODAY,
    TOMORROW,
    WEEKDAY,
    NoOpenDay,
    When,
    due_for,
)

MADRID = ZoneInfo("Europe/Madrid")
# Monday to Friday 08:00-13:00 and 15:00-19:00, Saturday 09:00-13:00, closed on Sunday.
HOURS_OF_SITE = [
    *(WeeklyInterval(day, dt.time(8), dt.time(13)) for day in range(5)),
    *(WeeklyInterval(day, dt.time(15), dt.time(19)) for day in range(5)),
    WeeklyInterval(5, dt.time(9), dt.time(13)),
]
DEFAULT = dt.timedelta(hours=4)


def calendar(closures: list[Closure] | None = None) -> BusinessCalendar:
    return BusinessCalendar("Europe/Madrid", HOURS_OF_SITE, holidays=(), closures=closures or [])


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of December 2026 in Madrid (Monday 7, Friday 11, Saturday 12)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


def due(when: When | None, now: dt.datetime, cal: BusinessCalendar | None = None):
    return due_for(when, calendar=cal or calendar(), now=now, default=DEFAULT)


def test_today_is_due_when_the_site_closes_today() -> None:
    assert due(When(TODAY), local(7, 10)).at == local(7, 19)


def test_this_afternoon_said_after_closing_moves_to_the_next_open_day() -> None:
    result = due(When(AFTERNOON), local(7, 20))
    assert result.at == local(8, 19)
    assert result.moved


def test_tomorrow_on_a_friday_is_saturdays_short_day() -> None:
    assert due(When(TOMORROW), local(11, 10)).at == local(12, 13)


def test_tomorrow_on_a_saturday_moves_past_the_closed_sunday() -> None:
    result = due(When(TOMORROW), local(12, 10))
    assert result.at == local(14, 19)
    assert result.moved


def test_a_weekday_is_the_next_one_never_today() -> None:
    assert due(When(WEEKDAY, 0), local(7, 10)).at == local(14, 19)
    assert due(When(WEEKDAY, 3), local(7, 10)).at == local(10, 19)


def test_within_two_days_said_on_friday_counts_open_days_only() -> None:
    # Saturday is the first open day after Friday, Monday the second.
    assert due(When(DAYS, 2), local(11, 10)).at == local(14, 19)


def test_within_hours_counts_business_hours() -> None:
    # 12:00 + 2 business hours: one before the lunch break, one after it.
    assert due(When(HOURS, 2), local(7, 12)).at == local(7, 16)


def test_this_week_and_next_week_end_on_their_last_open_day() -> None:
    assert due(When(THIS_WEEK), local(8, 10)).at == local(12, 13)
    assert due(When(NEXT_WEEK), local(8, 10)).at == local(19, 13)


def test_no_time_stated_uses_the_sites_default() -> None:
    # 10:00 plus four business hours: three before lunch, one after it.
    assert due(None, local(7, 10)).at == local(7, 16)


def test_a_closure_moves_the_named_day_to_the_reopening() -> None:
    closed = calendar([Closure(dt.date(2026, 12, 8), dt.date(2026, 12, 9), "inventory")])
    result = due(When(TOMORROW), local(7, 10), closed)
    assert result.at == local(10, 19)
    assert result.moved


def test_a_site_closed_for_months_has_no_day_to_offer() -> None:
    closed = calendar([Closure(dt.date(2026, 12, 1), dt.date(2027, 6, 30), "rebuilding")])
    with pytest.raises(NoOpenDay):
        due(When(TOMORROW), local(7, 10), closed)


def test_an_unknown_kind_of_time_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        When("fortnight")
