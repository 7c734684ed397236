"""How far a vehicle has gone: today's distance from its odometer history.

A reading younger than `FRESH_DAYS` is taken as it is. An older one is extrapolated at the
vehicle's own pace: km per day between its first and last readings when they are at least
`MIN_SPAN_DAYS` apart; with one reading (or readings too close together) the pace since
first registration, counting from 0 km; with nothing to go on, `DEFAULT_KM_PER_YEAR` (about
what a European car covers a year). A correction drops the readings it corrected (the
higher ones before it). Pure arithmetic on dates and numbers: no database here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

FRESH_DAYS = 30
MIN_SPAN_DAYS = 30
DEFAULT_KM_PER_YEAR = 15_000
DAYS_PER_YEAR = 365.25


class KmSource(StrEnum):
    GIVEN = "given"  # the caller said how far (the customer typed it)
    READING = "reading"  # a recent odometer reading
    ESTIMATED = "estimated"  # an old reading, extrapolated at the vehicle's pace
    DEFAULT = "default"  # no reading: the default pace since the vehicle's start
    UNKNOWN = "unknown"  # no reading and no date to start from


@dataclass(frozen=True)
class Reading:
    on: dt.date
    km: int
    correction: bool = False


@dataclass(frozen=True)
class Odometer:
    """A vehicle's usable readings (oldest first), its pace and where it started."""

    readings: tuple[Reading, ...]
    km_per_day: float
    pace_from_history: bool
    start: dt.date | None  # first registration, or the model year's middle

    def km_on(self, day: dt.date) -> int | None:
        """The distance on `day`: interpolated between readings, extrapolated beyond them
        at the pace, counted from 0 at the start without any. None when unknowable."""
        readings = self.readings
        if not readings:
            if self.start is None:
                return None
            return max(0, round((day - self.start).days * self.km_per_day))
        if day <= readings[0].on:
            return max(0, round(readings[0].km - (readings[0].on - day).days * self.km_per_day))
        for before, after in itertools.pairwise(readings):
            if before.on <= day <= after.on:
                span = (after.on - before.on).days or 1
                return round(before.km + (after.km - before.km) * (day - before.on).days / span)
        last = readings[-1]
        return round(last.km + (day - last.on).days * self.km_per_day)


@dataclass(frozen=True)
class Distance:
    km: int | None
    source: KmSource
    km_per_day: float
    last_reading: Reading | None


def usable(readings: Sequence[Reading]) -> tuple[Reading, ...]:
    """Readings in date order, without those a later correction showed to be too high."""
    kept: list[Reading] = []
    for reading in sorted(readings, key=lambda item: item.on):
        if reading.correction:
            kept = [earlier for earlier in kept if earlier.km <= reading.km]
        kept.append(reading)
    return tuple(kept)


def odometer(readings: Sequence[Reading], start: dt.date | None) -> Odometer:
    kept = usable(readings)
    default = DEFAULT_KM_PER_YEAR / DAYS_PER_YEAR
    if len(kept) >= 2 and (kept[-1].on - kept[0].on).days >= MIN_SPAN_DAYS:
        pace = (kept[-1].km - kept[0].km) / (kept[-1].on - kept[0].on).days
        return Odometer(kept, max(pace, 0.0), True, start)
    if kept and start is not None and (kept[-1].on - start).days >= MIN_SPAN_DAYS:
        return Odometer(kept, kept[-1].km / (kept[-1].on - start).days, True, start)
    return Odometer(kept, default, False, start)


def distance_today(meter: Odometer, today: dt.date, given_km: int | None) -> Distance:
    last = meter.readings[-1] if meter.readings else None
    if given_km is not None:
        return Distance(given_km, KmSource.GIVEN, meter.km_per_day, last)
    if last is not None and (today - last.on).days <= FRESH_DAYS:
        return Distance(last.km, KmSource.READING, meter.km_per_day, last)
    km = meter.km_on(today)
    if km is None:
        return Distance(None, KmSource.UNKNOWN, meter.km_per_day, None)
    source = KmSource.ESTIMATED if last is not None else KmSource.DEFAULT
    return Distance(km, source, meter.km_per_day, last)
