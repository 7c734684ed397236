"""Compliance figures: clocks aggregated per standard, site, owner... in the database.

Every clock started in the period falls in exactly one bucket:

- breached: a deadline was missed. A breach is permanent: a clock satisfied late, or
  cancelled after its breach, stays breached. A running clock already past its due time
  counts too, even if the sweeper has not marked it yet, so reports never flatter.
- met: satisfied on time.
- open: still running or paused, and not late.
- cancelled: cancelled before any breach (the obligation went away).

% met = met / (met + breached): open and cancelled clocks have not been decided.

The median business duration is over *satisfied* clocks (on time or late) and uses the
business_seconds stored when each clock closed; history is never recomputed, so a later
calendar edit cannot rewrite last month's figures. Medians are computed per group in Python
over those stored integers: SQLite has no percentile function and a single portable code path
is easier to trust than two. On PostgreSQL, percentile_cont(0.5) WITHIN GROUP would be the
drop-in replacement if the row counts ever make this slow.

Reuse: `aggregate_compliance(clocks, ["owner_id"])` gives the per-agent report.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from posventa.clocks.models import OPEN_STATES, Clock, ClockState, Standard
from posventa.core.models import Site

GroupKey = tuple[Any, ...]


@dataclass(frozen=True)
class ComplianceFigures:
    started: int = 0
    met: int = 0
    breached: int = 0
    open: int = 0
    cancelled: int = 0
    median_business_seconds: float | None = None

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percent_met(self) -> float | None:
        """None when nothing was decided yet: 0 % would accuse, 100 % would flatter."""
        if not self.decided:
            return None
        return 100.0 * self.met / self.decided


@dataclass(frozen=True)
class SiteCompliance:
    site_id: int
    site_name: str
    figures: ComplianceFigures


@dataclass(frozen=True)
class StandardCompliance:
    standard_code: str
    standard_title: str
    total: ComplianceFigures
    sites: list[SiteCompliance] = field(default_factory=list)


def breached_condition(now: dt.datetime) -> Q:
    return (
        Q(breached_at__isnull=False)
        | Q(state=ClockState.SATISFIED, delta_seconds__gt=0)
        | Q(state=ClockState.RUNNING, due_at__lte=now)
    )


def clocks_started_between(
    start: dt.datetime, end: dt.datetime, sites: QuerySet[Site] | Iterable[Site]
) -> QuerySet[Clock]:
    """Clocks started in [start, end) at the given sites."""
    return Clock.objects.filter(started_at__gte=start, started_at__lt=end, site__in=sites)


def aggregate_compliance(
    clocks: QuerySet[Clock], group_by: Sequence[str], *, now: dt.datetime | None = None
) -> dict[GroupKey, ComplianceFigures]:
    """Figures per group (e.g. ["standard_id", "site_id"]), one database query plus medians."""
    now = now or timezone.now()
    breached = breached_condition(now)
    rows = (
        clocks.order_by()
        .values(*group_by)
        .annotate(
            started=Count("pk"),
            breached=Count("pk", filter=breached),
            met=Count("pk", filter=Q(state=ClockState.SATISFIED) & ~breached),
            open=Count("pk", filter=Q(state__in=OPEN_STATES) & ~breached),
            cancelled=Count("pk", filter=Q(state=ClockState.CANCELLED) & ~breached),
        )
    )
    medians = median_business_seconds(clocks, group_by)
    result = {}
    for row in rows:
        key = tuple(row[name] for name in group_by)
        result[key] = ComplianceFigures(
            started=row["started"],
            met=row["met"],
            breached=row["breached"],
            open=row["open"],
            cancelled=row["cancelled"],
            median_business_seconds=medians.get(key),
        )
    return result


def median_business_seconds(
    clocks: QuerySet[Clock], group_by: Sequence[str]
) -> dict[GroupKey, float]:
    """Median stored business duration of satisfied clocks, per group."""
    durations: dict[GroupKey, list[int]] = defaultdict(list)
    values = (
        clocks.filter(state=ClockState.SATISFIED, business_seconds__isnull=False)
        .order_by()
        .values_list(*group_by, "business_seconds")
    )
    for *key, seconds in values.iterator():
        durations[tuple(key)].append(seconds)
    return {key: float(statistics.median(values)) for key, values in durations.items()}


def compliance_by_standard(
    sites: QuerySet[Site] | Iterable[Site],
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> list[StandardCompliance]:
    """For each standard with clocks started in [start, end): totals, then one row per site."""
    clocks = clocks_started_between(start, end, sites)
    per_site = aggregate_compliance(clocks, ["standard_id", "site_id"], now=now)
    totals = aggregate_compliance(clocks, ["standard_id"], now=now)
    standards = Standard.objects.filter(pk__in=[code for (code,) in totals]).order_by(
        "position", "code"
    )
    site_names = dict(
        Site.objects.filter(pk__in={site_id for _, site_id in per_site}).values_list("pk", "name")
    )
    report = []
    for standard in standards:
        site_rows = sorted(
            (
                SiteCompliance(site_id, site_names[site_id], figures)
                for (code, site_id), figures in per_site.items()
                if code == standard.code
            ),
            key=lambda row: row.site_name,
        )
        report.append(
            StandardCompliance(standard.code, standard.title, totals[(standard.code,)], site_rows)
        )
    return report


def overall_compliance(report: Sequence[StandardCompliance]) -> ComplianceFigures:
    """Sum of the counts across standards (medians do not add up, so none is given)."""
    return ComplianceFigures(
        started=sum(item.total.started for item in report),
        met=sum(item.total.met for item in report),
        breached=sum(item.total.breached for item in report),
        open=sum(item.total.open for item in report),
        cancelled=sum(item.total.cancelled for item in report),
    )
