"""When a promise falls due: a spoken time ("tomorrow", "el lunes", "inom två dagar") read on
the site's business calendar.

A promise made in words names a day more often than an hour, and the customer hears "by the
end of that day": so a day-sized promise is due when the site closes that day. A day the site
is closed (a Sunday, a holiday) moves to the close of the next day it opens, and says so, so
the person confirming the promise sees that "Sunday" became Monday. "Within N hours" counts
N business hours from now, as every clock does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from posventa.businesstime import BusinessCalendar

TODAY = "today"
AFTERNOON = "afternoon"
TOMORROW = "tomorrow"
WEEKDAY = "weekday"
DAYS = "days"
HOURS = "hours"
THIS_WEEK = "this_week"
NEXT_WEEK = "next_week"
KINDS = (TODAY, AFTERNOON, TOMORROW, WEEKDAY, DAYS, HOURS, THIS_WEEK, NEXT_WEEK)
# How far ahead an open day is looked for before giving up (a site closed for a month in
# summer still finds its reopening).
SEARCH_DAYS = 62


@dataclass(frozen=True)
class When:
    """A time as a message states it. `amount` is the number of days or hours, or the
    weekday (Monday = 0) for WEEKDAY."""

    kind: str
    amount: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of time: {self.kind!r}")


@dataclass(frozen=True)
class Due:
    at: dt.datetime  # UTC
    # True when the day the words name is closed and the deadline moved to the next open one.
    moved: bool = False


class NoOpenDay(ValueError):
    """The calendar has no open day within SEARCH_DAYS of the named one."""


def due_for(
    when: When | None, *, calendar: BusinessCalendar, now: dt.datetime, default: dt.timedelta
) -> Due:
    """The deadline `when` means when said at `now`; the site's default when no time was said."""
    if when is None:
        return Due(calendar.add(now, default))
    if when.kind == HOURS:
        return Due(calendar.add(now, dt.timedelta(hours=when.amount)))
    today = now.astimezone(calendar.timezone).date()
    if when.kind in (TODAY, AFTERNOON):
        return _close_on_or_after(calendar, today, after=now)
    if when.kind == TOMORROW:
        return _close_on_or_after(calendar, today + dt.timedelta(days=1), after=now)
    if when.kind == WEEKDAY:
        ahead = (when.amount - today.weekday() - 1) % 7 + 1  # the next one, never today
        return _close_on_or_after(calendar, today + dt.timedelta(days=ahead), after=now)
    if when.kind == DAYS:
        return Due(_nth_open_close(calendar, today, when.amount, after=now))
    monday = today - dt.timedelta(days=today.weekday())
    if when.kind == THIS_WEEK:
        return _last_close_of_week(calendar, monday, after=now)
    return _last_close_of_week(calendar, monday + dt.timedelta(days=7), after=now)


def _close_of(calendar: BusinessCalendar, day: dt.date) -> dt.datetime | None:
    intervals = calendar.intervals_on(day)
    return intervals[-1][1] if intervals else None


def _close_on_or_after(calendar: BusinessCalendar, day: dt.date, *, after: dt.datetime) -> Due:
    for offset in range(SEARCH_DAYS):
        close = _close_of(calendar, day + dt.timedelta(days=offset))
        if close is not None and close > after:
            return Due(close, moved=offset > 0)
    raise NoOpenDay(day)


def _nth_open_close(
    calendar: BusinessCalendar, today: dt.date, count: int, *, after: dt.datetime
) -> dt.datetime:
    """The close of the count-th open day after today ("within 2 days" said on Monday is
    Wednesday's close); within 0 days is today's."""
    if count <= 0:
        return _close_on_or_after(calendar, today, after=after).at
    seen = 0
    for offset in range(1, SEARCH_DAYS + count):
        close = _close_of(calendar, today + dt.timedelta(days=offset))
        if close is not None:
            seen += 1
            if seen == count:
                return close
    raise NoOpenDay(today)


def _last_close_of_week(calendar: BusinessCalendar, monday: dt.date, *, after: dt.datetime) -> Due:
    for offset in range(6, -1, -1):
        close = _close_of(calendar, monday + dt.timedelta(days=offset))
        if close is not None and close > after:
            return Due(close)
    return _close_on_or_after(calendar, monday + dt.timedelta(days=7), after=after)
