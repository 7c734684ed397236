"""Compliance figures: clocks aggregated per standard, site, owner... in the database.

Every clock started in the period falls in exactly one bucket:

- breached: a deadline was missed. A breach is permanent: a clock satisfied late, or
  cancelled after its breach, stays breached. A running clock already past its due time
  counts too, even if the sweeper has not marked it yet, so reports never flatter.
- met: satisfied on time.
- open: still running or paused, and not late.
- cancelled: cancelled before any breach (the obligation went away).

% met = met / (met + breached): open and cancelled clocks have not been decided.

A period is a range of the *site's local* days: "2026-11-01..2026-11-30" starts at each
site's own midnight of 1 November and ends at its midnight after 30 November, so a letter
that reached Madrid at 00:30 local time on 1 November (23:30 UTC the day before) belongs to
November, across daylight-saving changes too (local_bounds).

Durations (median and 90th percentile) are over *satisfied* clocks (on time or late) and
use the business_seconds stored when each clock closed; history is never recomputed, so a
later calendar edit cannot rewrite last month's figures. A standard whose target is a number
of business days is measured in the site's business days (the stored seconds divided by the
site's ordinary open day, as the catalogue converts its target), so INFO-COMPLETE reads
"1.4 business days", not "12 h 36 min" of open time nobody can picture. PostgreSQL computes
them with percentile_cont; SQLite has no percentile function, so there the database counts
the clocks per distinct duration and Python interpolates over those counts exactly as
percentile_cont does (bounded by the distinct durations, not the clocks).

Every figure has a drill-down: `clocks_behind(...)` is the same queryset and the same
outcome condition the figure counted, so the list and the number always agree.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from posventa.clocks.catalogue import business_day_seconds
from posventa.clocks.models import OPEN_STATES, Clock, ClockState, Standard
from posventa.core.models import Site, User

GroupKey = tuple[Any, ...]

SECONDS = "seconds"
BUSINESS_DAYS = "business_days"
OUTCOMES = ("started", "met", "breached", "open", "cancelled", "timed")
TREND_WEEKS = 8


@dataclass(frozen=True)
class ComplianceFigures:
    started: int = 0
    met: int = 0
    breached: int = 0
    open: int = 0
    cancelled: int = 0
    # Over satisfied clocks, in `unit`: business seconds, or the site's business days.
    median: float | None = None
    p90: float | None = None
    timed: int = 0  # how many satisfied clocks the median and p90 are over
    unit: str = SECONDS

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percent_met(self) -> float | None:
        """None when nothing was decided yet: 0 % would accuse, 100 % would flatter."""
        if not self.decided:
            return None
        return 100.0 * self.met / self.decided

    @property
    def median_business_seconds(self) -> float | None:
        return self.median if self.unit == SECONDS else None


@dataclass(frozen=True)
class RowCompliance:
    """One site's (or one person's) figures for a standard."""

    key: Any  # the site's or the owner's primary key (None: nobody owned the clock)
    name: str
    figures: ComplianceFigures

    @property
    def site_id(self) -> Any:
        return self.key

    @property
    def site_name(self) -> str:
        return self.name


SiteCompliance = RowCompliance


@dataclass(frozen=True)
class StandardCompliance:
    standard_code: str
    standard_title: str
    total: ComplianceFigures
    sites: list[RowCompliance] = field(default_factory=list)
    unit: str = SECONDS


@dataclass(frozen=True)
class TrendPoint:
    start: dt.date
    end: dt.date
    met: int
    breached: int

    @property
    def percent_met(self) -> float | None:
        decided = self.met + self.breached
        return 100.0 * self.met / decided if decided else None


# --- which clocks ---------------------------------------------------------------------


def local_bounds(zone_name: str, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of `start`, local midnight after `end`) as instants, in `zone_name`.

    Midnight exists on every day in the zones we serve (DST moves 02:00 or 03:00); fold=0
    takes the first of two midnights should a zone ever repeat one.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    begin = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return begin.astimezone(dt.UTC), finish.astimezone(dt.UTC)


def period_condition(sites: Iterable[Site], start: dt.date, end: dt.date) -> Q:
    """Started within the local days start..end (both included) of each clock's own site."""
    return period_q(sites, start, end, "started_at")


def period_q(
    sites: Iterable[Site], start: dt.date, end: dt.date, field: str, site_field: str = "site_id"
) -> Q:
    """`field` within the local days start..end (both included) of each row's own site,
    the site being `site_field` (a path such as "hold__case__site_id" for rows without one)."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for site in sites:
        by_zone[site.timezone].append(site.pk)
    condition = Q(pk__in=[])  # no site, no row
    for zone_name, site_ids in by_zone.items():
        begin, finish = local_bounds(zone_name, start, end)
        condition |= Q(
            **{f"{site_field}__in": site_ids, f"{field}__gte": begin, f"{field}__lt": finish}
        )
    return condition


def clocks_in_period(sites: Iterable[Site], start: dt.date, end: dt.date) -> QuerySet[Clock]:
    return Clock.objects.filter(period_condition(list(sites), start, end))


def clocks_started_between(
    start: dt.datetime, end: dt.datetime, sites: QuerySet[Site] | Iterable[Site]
) -> QuerySet[Clock]:
    """Clocks started in [start, end) at the given sites (instants, not local days)."""
    return Clock.objects.filter(started_at__gte=start, started_at__lt=end, site__in=sites)


def breached_condition(now: dt.datetime) -> Q:
    return (
        Q(breached_at__isnull=False)
        | Q(state=ClockState.SATISFIED, delta_seconds__gt=0)
        | Q(state=ClockState.RUNNING, due_at__lte=now)
    )


def outcome_condition(outcome: str, now: dt.datetime) -> Q:
    """The clocks a figure counts: started (all), met, breached, open, cancelled, or timed
    (the satisfied clocks the median and the 90th percentile are over)."""
    breached = breached_condition(now)
    conditions = {
        "started": Q(),
        "breached": breached,
        "met": Q(state=ClockState.SATISFIED) & ~breached,
        "open": Q(state__in=OPEN_STATES) & ~breached,
        "cancelled": Q(state=ClockState.CANCELLED) & ~breached,
        "timed": Q(state=ClockState.SATISFIED, business_seconds__isnull=False),
    }
    return conditions[outcome]


def clocks_behind(clocks: QuerySet[Clock], outcome: str, now: dt.datetime) -> QuerySet[Clock]:
    """The drill-down of a figure: exactly the clocks it counted."""
    return clocks.filter(outcome_condition(outcome, now))


# --- durations ------------------------------------------------------------------------


@dataclass(frozen=True)
class DurationUnits:
    """How each standard's durations are measured: the site's business days for standards
    whose target is a number of business days, business seconds for the others."""

    day_standards: frozenset[str] = frozenset()
    day_seconds: dict[int, int] = field(default_factory=dict)  # per site

    @classmethod
    def for_sites(cls, sites: Iterable[Site]) -> DurationUnits:
        codes = Standard.objects.filter(default_target_business_days__isnull=False)
        return cls(
            frozenset(codes.values_list("code", flat=True)),
            {site.pk: business_day_seconds(site) for site in sites},
        )

    def unit_of(self, code: str) -> str:
        return BUSINESS_DAYS if code in self.day_standards else SECONDS

    def value(self, code: str, site_id: int, seconds: int) -> float:
        if code in self.day_standards:
            return seconds / self.day_seconds.get(site_id, 8 * 3600)
        return float(seconds)

    def expression(self) -> Any:
        """The value to take percentiles of, per clock, in its standard's unit."""
        seconds = ExpressionWrapper(F("business_seconds") * 1.0, output_field=FloatField())
        if not self.day_standards or not self.day_seconds:
            return seconds
        day = Case(
            *(When(site_id=pk, then=Value(float(n))) for pk, n in self.day_seconds.items()),
            default=Value(8.0 * 3600),
            output_field=FloatField(),
        )
        return Case(
            When(
                standard_id__in=sorted(self.day_standards),
                then=ExpressionWrapper(seconds / day, output_field=FloatField()),
            ),
            default=seconds,
            output_field=FloatField(),
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the interpolated percentile of a column."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def percentile_cont(counts: list[tuple[float, int]], fraction: float) -> float:
    """percentile_cont over values given with their multiplicity, as PostgreSQL defines it:
    the value at position fraction * (n - 1) of the sorted values, interpolated."""
    ordered = sorted(counts)
    total = sum(count for _value, count in ordered)
    position = fraction * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, count in ordered:
        if low is None and low_rank < seen + count:
            low = value
        if high_rank < seen + count:
            high = value
            break
        seen += count
    assert low is not None and high is not None
    return low + (high - low) * (position - low_rank)


def duration_percentiles(
    clocks: QuerySet[Clock], group_by: Sequence[str], units: DurationUnits
) -> dict[GroupKey, tuple[float, float, int]]:
    """(median, 90th percentile, count) of the satisfied clocks' durations, per group."""
    timed = clocks.filter(outcome_condition("timed", timezone.now())).order_by()
    if "standard_id" not in group_by:
        units = DurationUnits()  # several standards in a group: plain business seconds
    if connection.vendor == "postgresql":
        value = units.expression()
        rows = timed.values(*group_by).annotate(
            median=PercentileCont(value, fraction=0.5),
            p90=PercentileCont(value, fraction=0.9),
            n=Count("pk"),
        )
        return {
            tuple(row[name] for name in group_by): (row["median"], row["p90"], row["n"])
            for row in rows
        }
    histograms: dict[GroupKey, dict[float, int]] = defaultdict(lambda: defaultdict(int))
    fields = list(dict.fromkeys([*group_by, "standard_id", "site_id", "business_seconds"]))
    for row in timed.values(*fields).annotate(n=Count("pk")):
        key = tuple(row[name] for name in group_by)
        value = units.value(row["standard_id"], row["site_id"], row["business_seconds"])
        histograms[key][value] += row["n"]
    result = {}
    for key, histogram in histograms.items():
        counts = list(histogram.items())
        result[key] = (
            percentile_cont(counts, 0.5),
            percentile_cont(counts, 0.9),
            sum(histogram.values()),
        )
    return result


# --- figures --------------------------------------------------------------------------


def aggregate_compliance(
    clocks: QuerySet[Clock],
    group_by: Sequence[str],
    *,
    now: dt.datetime | None = None,
    units: DurationUnits | None = None,
) -> dict[GroupKey, ComplianceFigures]:
    """Figures per group (e.g. ["standard_id", "site_id"]): one query for the counts, one
    for the durations."""
    now = now or timezone.now()
    units = units or DurationUnits()
    rows = (
        clocks.order_by()
        .values(*group_by)
        .annotate(
            **{
                outcome: Count("pk", filter=outcome_condition(outcome, now))
                for outcome in ("breached", "met", "open", "cancelled")
            },
            started=Count("pk"),
        )
    )
    durations = duration_percentiles(clocks, group_by, units)
    result = {}
    for row in rows:
        key = tuple(row[name] for name in group_by)
        median, p90, timed = durations.get(key, (None, None, 0))
        unit = units.unit_of(row["standard_id"]) if "standard_id" in group_by else SECONDS
        result[key] = ComplianceFigures(
            started=row["started"],
            met=row["met"],
            breached=row["breached"],
            open=row["open"],
            cancelled=row["cancelled"],
            median=median,
            p90=p90,
            timed=timed,
            unit=unit,
        )
    return result


def median_business_seconds(
    clocks: QuerySet[Clock], group_by: Sequence[str]
) -> dict[GroupKey, float]:
    """Median stored business duration of satisfied clocks, per group (business seconds)."""
    return {
        key: median
        for key, (median, _p90, _n) in duration_percentiles(
            clocks, group_by, DurationUnits()
        ).items()
    }


def _by_standard(
    clocks: QuerySet[Clock],
    second_key: str,
    names: dict[Any, str],
    *,
    now: dt.datetime,
    units: DurationUnits,
) -> list[StandardCompliance]:
    rows = aggregate_compliance(clocks, ["standard_id", second_key], now=now, units=units)
    totals = aggregate_compliance(clocks, ["standard_id"], now=now, units=units)
    standards = Standard.objects.filter(pk__in=[code for (code,) in totals]).order_by(
        "position", "code"
    )
    report = []
    for standard in standards:
        per_row = sorted(
            (
                RowCompliance(key, names.get(key, ""), figures)
                for (code, key), figures in rows.items()
                if code == standard.code
            ),
            key=lambda row: (row.key is None, row.name.lower()),
        )
        report.append(
            StandardCompliance(
                standard.code,
                standard.title,
                totals[(standard.code,)],
                per_row,
                units.unit_of(standard.code),
            )
        )
    return report


def compliance_by_standard(
    sites: QuerySet[Site] | Iterable[Site],
    start: dt.datetime | dt.date,
    end: dt.datetime | dt.date,
    *,
    now: dt.datetime | None = None,
    clocks: QuerySet[Clock] | None = None,
) -> list[StandardCompliance]:
    """For each standard with clocks in the period: totals, then one row per site.

    `start` and `end` are local days (both included) or, for callers that mean instants,
    datetimes [start, end).
    """
    sites = list(sites)
    now = now or timezone.now()
    if clocks is None:
        clocks = _clocks_for(sites, start, end)
    names = {site.pk: site.name for site in sites}
    return _by_standard(clocks, "site_id", names, now=now, units=DurationUnits.for_sites(sites))


def compliance_by_person(
    sites: Iterable[Site], clocks: QuerySet[Clock], *, now: dt.datetime
) -> list[StandardCompliance]:
    """For each standard: one row per owner of its clocks (and one for clocks nobody owned)."""
    from_db = clocks.order_by().values_list("owner_id", flat=True).distinct()
    owners = {user.pk: str(user) for user in User.objects.filter(pk__in=from_db)}
    return _by_standard(
        clocks, "owner_id", owners, now=now, units=DurationUnits.for_sites(list(sites))
    )


def _clocks_for(
    sites: list[Site], start: dt.datetime | dt.date, end: dt.datetime | dt.date
) -> QuerySet[Clock]:
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        return clocks_started_between(start, end, sites)
    assert not isinstance(start, dt.datetime) and not isinstance(end, dt.datetime)
    return clocks_in_period(sites, start, end)


def overall_compliance(report: Sequence[StandardCompliance]) -> ComplianceFigures:
    """Sum of the counts across standards (medians do not add up, so none is given)."""
    return ComplianceFigures(
        started=sum(item.total.started for item in report),
        met=sum(item.total.met for item in report),
        breached=sum(item.total.breached for item in report),
        open=sum(item.total.open for item in report),
        cancelled=sum(item.total.cancelled for item in report),
    )


# --- trend ----------------------------------------------------------------------------


def week_buckets(end: dt.date, weeks: int = TREND_WEEKS) -> list[tuple[dt.date, dt.date]]:
    """`weeks` runs of seven local days, the last one ending on `end`, oldest first."""
    return [
        (end - dt.timedelta(days=7 * back + 6), end - dt.timedelta(days=7 * back))
        for back in range(weeks - 1, -1, -1)
    ]


def trend(
    sites: Iterable[Site],
    end: dt.date,
    *,
    now: dt.datetime,
    narrow: Q | None = None,
    weeks: int = TREND_WEEKS,
) -> list[TrendPoint]:
    """% met per week of local days, in one query (a CASE names each clock's week)."""
    sites = list(sites)
    buckets = week_buckets(end, weeks)
    week_of = Case(
        *(
            When(period_condition(sites, first, last), then=Value(number))
            for number, (first, last) in enumerate(buckets)
        ),
        default=Value(-1),
    )
    clocks = clocks_in_period(sites, buckets[0][0], end)
    if narrow is not None:
        clocks = clocks.filter(narrow)
    rows = (
        clocks.order_by()
        .annotate(week=week_of)
        .values("week")
        .annotate(
            met=Count("pk", filter=outcome_condition("met", now)),
            breached=Count("pk", filter=outcome_condition("breached", now)),
        )
    )
    counted = {row["week"]: (row["met"], row["breached"]) for row in rows}
    return [
        TrendPoint(first, last, *counted.get(number, (0, 0)))
        for number, (first, last) in enumerate(buckets)
    ]
