"""Calendars shared by the business-time tests, and helpers to find real DST transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from posventa.businesstime import BusinessCalendar, Closure, WeeklyInterval

T = dt.time
UTC = dt.UTC


@dataclass(frozen=True, eq=False)  # hashed by identity, for the calendar cache
class Spec:
    """The inputs of a calendar, kept so tests can also reason about them independently."""

    name: str
    timezone: str
    intervals: Sequence[WeeklyInterval]
    holidays: Container[dt.date] = ()
    closures: Sequence[Closure] = field(default_factory=tuple)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def build(self) -> BusinessCalendar:
        return BusinessCalendar(self.timezone, self.intervals, self.holidays, self.closures)


def weekdays(start: dt.time, end: dt.time | None, days: range = range(5)) -> list[WeeklyInterval]:
    return [WeeklyInterval(day, start, end) for day in days]


MADRID = Spec(
    "madrid-split-shifts",
    "Europe/Madrid",
    [*weekdays(T(8), T(13)), *weekdays(T(14), T(19)), WeeklyInterval(5, T(9), T(13))],
    holidays.country_holidays("ES", subdiv="MD"),
)
STOCKHOLM = Spec(
    "stockholm",
    "Europe/Stockholm",
    weekdays(T(7), T(17)),
    holidays.country_holidays("SE"),
    # Christmas Eve is not a public holiday in Sweden, but most sites close.
    [
        Closure(dt.date(year, 12, 24), dt.date(year, 12, 24), "julafton")
        for year in range(2024, 2030)
    ],
)
SANTIAGO = Spec(
    "santiago-midnight",
    "America/Santiago",
    # Saturday runs until midnight and Sunday continues from 00:00: one stretch of open time,
    # right where Chile changes its clocks.
    [*weekdays(T(9), T(18)), WeeklyInterval(5, T(10), T(0)), WeeklyInterval(6, T(0), T(2))],
    holidays.country_holidays("CL"),
)
SANTIAGO_NO_HOLIDAYS = Spec("santiago-no-holidays", SANTIAGO.timezone, SANTIAGO.intervals)
NIGHT_SHIFT = Spec(
    "madrid-night-shift",
    "Europe/Madrid",
    [*weekdays(T(22), None, range(7)), *weekdays(T(0), T(6), range(7))],
    closures=[Closure(dt.date(2026, 8, 1), dt.date(2026, 8, 15), "summer")],
)
# Opening times that fall inside DST gaps and folds on European change nights.
DST_EDGES = Spec(
    "madrid-dst-edges",
    "Europe/Madrid",
    [
        WeeklyInterval(6, T(1), T(2, 10)),
        WeeklyInterval(6, T(2, 30), T(5)),
        WeeklyInterval(2, T(9), T(17)),
    ],
)

PROPERTY_SPECS = [MADRID, STOCKHOLM, SANTIAGO, NIGHT_SHIFT, DST_EDGES]


@cache
def calendar(spec: Spec) -> BusinessCalendar:
    """One calendar per spec for the whole run: their caches are part of what is tested."""
    return spec.build()


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[dt.datetime]:
    """The UTC instants at which `zone` changes its offset, found by asking zoneinfo."""
    found = []
    step = dt.timedelta(hours=6)
    moment = dt.datetime(first_year, 1, 1, tzinfo=UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=UTC)
    while moment < end:
        if moment.astimezone(zone).utcoffset() != (moment + step).astimezone(zone).utcoffset():
            found.append(_first_with_new_offset(zone, moment, moment + step))
        moment += step
    return found


def _first_with_new_offset(zone: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    before = low.astimezone(zone).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def local(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> dt.datetime:
    """A wall-clock time in `zone`; fold=1 picks the second pass of a repeated hour."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)
