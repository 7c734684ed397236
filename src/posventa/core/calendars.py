"""Builds a site's business calendar from its configuration.

The arithmetic lives in the pure `posventa.businesstime` package; this module only turns
rows into its inputs and caches the result per (site, calendar_version).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar

import holidays
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.businesstime import (
    AlwaysOpenCalendar,
    BusinessCalendar,
    CalendarError,
    Closure,
    WeeklyInterval,
)

if TYPE_CHECKING:
    # Only a type here: core.models validates a site's region with this module.
    from posventa.core.models import Site

CacheKey = tuple[int, int, str, str, str, str]
K = TypeVar("K")
_cache: dict[CacheKey, BusinessCalendar] = {}
_cache_lock = threading.Lock()
ALWAYS_OPEN = AlwaysOpenCalendar()


class HolidaysExcept:
    """Public holidays of a region, minus the days a site chose to open anyway."""

    def __init__(self, public: holidays.HolidayBase, open_anyway: Iterable[dt.date]) -> None:
        self.public = public
        self.open_anyway = frozenset(open_anyway)

    def __contains__(self, day: object) -> bool:
        return day not in self.open_anyway and day in self.public


def public_holidays(country: str, subdivision: str = "") -> holidays.HolidayBase:
    return holidays.country_holidays(country.upper(), subdiv=subdivision or None)


def validate_holiday_region(country: str, subdivision: str) -> None:
    if country.upper() not in holidays.list_supported_countries():
        raise ValidationError({"country": _("Unknown country code.")})
    # The holidays package reports an unknown subdivision as NotImplementedError.
    try:
        public_holidays(country, subdivision)
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise ValidationError(
            {"subdivision": _("'%s' is not a subdivision of this country.") % subdivision}
        ) from exc


def build_calendar(site: Site) -> BusinessCalendar:
    intervals = [
        WeeklyInterval(row.weekday, row.start, row.end) for row in site.opening_intervals.all()
    ]
    return calendars_with_hours(site, {site.pk: intervals})[site.pk]


def calendars_with_hours(
    site: Site, weeks: Mapping[K, Iterable[WeeklyInterval]]
) -> dict[K, BusinessCalendar]:
    """The site's holidays and closures around other weekly hours (each person's shifts).

    The site's closures and holiday overrides are read once for all the weeks.
    """
    closures = [Closure(row.start_date, row.end_date, row.reason) for row in site.closures.all()]
    open_anyway = site.holiday_overrides.values_list("date", flat=True)
    holidays = HolidaysExcept(public_holidays(site.country, site.subdivision), open_anyway)
    return {
        key: BusinessCalendar(
            timezone=site.timezone, intervals=week, holidays=holidays, closures=closures
        )
        for key, week in weeks.items()
    }


def calendar_for_site(site: Site) -> BusinessCalendar:
    """The site's calendar, rebuilt whenever its calendar_version or region changes.

    created_at is part of the key because a rolled-back transaction can hand the same
    primary key to a different site (tests do this all the time).
    """
    key = (
        site.pk,
        site.calendar_version,
        site.created_at.isoformat() if site.created_at else "",
        site.timezone,
        site.country,
        site.subdivision,
    )
    calendar = _cache.get(key)
    if calendar is None:
        calendar = build_calendar(site)
        with _cache_lock:
            for stale in [k for k in _cache if k[0] == site.pk]:
                del _cache[stale]
            _cache[key] = calendar
    return calendar


def calendar_error_to_validation(error: CalendarError) -> ValidationError:
    return ValidationError({error.field: str(error)})
