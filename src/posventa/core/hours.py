"""The manager's opening-hours comparison (INFO-HOURS): a site against the group's other
sites and the local competitors a manager entered. Read-only; `core.actions` writes the
competitors.

Everything is compared in local wall-clock time, each place in its own zone (shown beside
it): a customer in Gothenburg compares Gothenburg's 18:00 with the garage down the road,
not with Madrid's UTC offset. Per weekday it says who opens earliest and who closes latest;
per place, the weekly open hours, the hours after 18:00 (evening) and on Saturday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from posventa.core.models import Competitor, Site, Weekday

EVENING_STARTS = dt.time(18, 0)
SATURDAY = int(Weekday.SATURDAY)
MINUTES_PER_DAY = 24 * 60

Interval = tuple[int, int, int]  # weekday, start minute, end minute (1440 = midnight)


def _minutes(value: dt.time | None, *, end: bool = False) -> int:
    if value is None:
        return MINUTES_PER_DAY if end else 0
    return value.hour * 60 + value.minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class DayCell:
    opens: str
    closes: str
    opens_earliest: bool
    closes_latest: bool


@dataclass(frozen=True)
class PlaceHours:
    """One row of the comparison: a site of the group or a competitor."""

    name: str
    zone: str
    kind: str  # "this", "group" or "competitor"
    intervals: tuple[Interval, ...]
    competitor_id: int | None = None

    def day_span(self, weekday: int) -> tuple[int, int] | None:
        spans = [(start, end) for day, start, end in self.intervals if day == weekday]
        if not spans:
            return None
        return min(start for start, _end in spans), max(end for _start, end in spans)

    def minutes_where(self, keep: Iterable[int], after: int = 0) -> int:
        days = set(keep)
        return sum(
            max(end - max(start, after), 0) for day, start, end in self.intervals if day in days
        )

    @property
    def weekly_hours(self) -> float:
        return self.minutes_where(range(7)) / 60

    @property
    def evening_hours(self) -> float:
        return self.minutes_where(range(7), after=_minutes(EVENING_STARTS)) / 60

    @property
    def saturday_hours(self) -> float:
        return self.minutes_where([SATURDAY]) / 60

    @property
    def evening_days(self) -> int:
        evening = _minutes(EVENING_STARTS)
        return len({day for day, _start, end in self.intervals if end > evening})


@dataclass(frozen=True)
class ComparisonRow:
    place: PlaceHours
    days: list[DayCell | None]


@dataclass(frozen=True)
class Comparison:
    site: Site
    weekdays: list[str]
    rows: list[ComparisonRow]


def _place_of_site(site: Site, kind: str) -> PlaceHours:
    intervals = tuple(
        (row.weekday, _minutes(row.start), _minutes(row.end, end=True))
        for row in site.opening_intervals.all()
    )
    return PlaceHours(site.name, site.timezone, kind, intervals)


def _place_of_competitor(competitor: Competitor, zone: str) -> PlaceHours:
    intervals = tuple(
        (row.weekday, _minutes(row.start), _minutes(row.end, end=True))
        for row in competitor.hours.all()
    )
    return PlaceHours(competitor.name, zone, "competitor", intervals, competitor.pk)


def places(site: Site) -> list[PlaceHours]:
    """This site first, then the group's other sites, then the site's competitors."""
    group = (
        Site.objects.filter(organisation_id=site.organisation_id)
        .exclude(pk=site.pk)
        .prefetch_related("opening_intervals")
        .order_by("name")
    )
    competitors = Competitor.objects.filter(site=site).prefetch_related("hours").order_by("name")
    return [
        _place_of_site(site, "this"),
        *(_place_of_site(other, "group") for other in group),
        *(_place_of_competitor(competitor, site.timezone) for competitor in competitors),
    ]


def compare(site: Site) -> Comparison:
    """The comparison page's table: per place and weekday, opening and closing, marked
    where a place opens earliest or closes latest of all the places open that day."""
    everyone = places(site)
    rows: list[ComparisonRow] = [ComparisonRow(place, []) for place in everyone]
    for weekday in range(7):
        spans = [place.day_span(weekday) for place in everyone]
        open_spans = [span for span in spans if span is not None]
        earliest = min((start for start, _end in open_spans), default=None)
        latest = max((end for _start, end in open_spans), default=None)
        several = len(open_spans) > 1
        for row, span in zip(rows, spans, strict=True):
            if span is None:
                row.days.append(None)
                continue
            start, end = span
            row.days.append(
                DayCell(
                    opens=_clock(start),
                    closes=_clock(end),
                    opens_earliest=several and start == earliest,
                    closes_latest=several and end == latest,
                )
            )
    return Comparison(site, [str(label) for _value, label in Weekday.choices], rows)
