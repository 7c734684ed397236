"""What a site's public page shows (INFO-HOURS): its weekly hours in local time, the
holidays and closures coming up, and how to reach it. Read-only; nothing here writes.

The page is public (no login): it shows only what the site publishes anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone, translation

from posventa.core.models import Site, Weekday

# How far ahead the page lists holidays and closures.
LOOKAHEAD = dt.timedelta(days=90)
DASH = "\u2013"


@dataclass(frozen=True)
class DayHours:
    weekday: int
    name: str
    intervals: list[str]
    is_today: bool


@dataclass(frozen=True)
class ClosedDay:
    start: dt.date
    end: dt.date
    reason: str


def local_today(site: Site) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(site.timezone)).date()


def weekly_hours(site: Site) -> list[DayHours]:
    """Monday to Sunday, each day's open intervals in the site's wall-clock time."""
    today = local_today(site).weekday()
    by_day = {
        day: [
            f"{row.start:%H:%M}{DASH}{row.end:%H:%M}"
            if row.end
            else f"{row.start:%H:%M}{DASH}24:00"
            for row in rows
        ]
        for day, rows in groupby(
            site.opening_intervals.order_by("weekday", "start"), key=lambda row: row.weekday
        )
    }
    return [
        DayHours(value, str(label), by_day.get(value, []), value == today)
        for value, label in Weekday.choices
    ]


def upcoming_closures(site: Site) -> list[ClosedDay]:
    """Public holidays (less the ones the site opens on) and the site's own closures in
    the next LOOKAHEAD, soonest first. Holiday names in the reader's language when the
    holidays package has them."""
    today = local_today(site)
    until = today + LOOKAHEAD
    closed = [
        ClosedDay(row.start_date, row.end_date, row.reason)
        for row in site.closures.filter(end_date__gte=today, start_date__lte=until)
    ]
    open_anyway = set(site.holiday_overrides.values_list("date", flat=True))
    for day, name in _public_holidays(site, today.year, until.year).items():
        if today <= day <= until and day not in open_anyway:
            closed.append(ClosedDay(day, day, str(name)))
    return sorted(closed, key=lambda row: (row.start, row.end))


def _public_holidays(site: Site, first_year: int, last_year: int) -> dict[dt.date, str]:
    years = list(range(first_year, last_year + 1))
    language = translation.get_language() or ""
    try:
        table = holidays.country_holidays(
            site.country.upper(), subdiv=site.subdivision or None, years=years, language=language
        )
    except (NotImplementedError, KeyError, ValueError):
        return {}
    return dict(table)
