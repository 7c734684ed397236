"""Median and 90th percentile of stored durations, in the unit of the standard's target."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.test import Client
from django.urls import reverse

from posventa.clocks.models import ClockState
from posventa.core.models import Site, User
from posventa.reports.metrics import (
    BUSINESS_DAYS,
    SECONDS,
    compliance_by_standard,
    percentile_cont,
)
from tests.ui.helpers import make_clock

UTC = dt.UTC
DAY = 10 * 3600  # both fixture sites open ten hours on an ordinary weekday
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
NOW = dt.datetime(2026, 4, 2, tzinfo=UTC)
IN_MARCH = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def satisfied(code: str, site: Site, business: int, target: int) -> None:
    make_clock(
        code,
        site,
        state=ClockState.SATISFIED,
        started_at=IN_MARCH,
        satisfied_at=IN_MARCH + dt.timedelta(days=9),
        business_seconds=business,
        delta_seconds=business - target,
        target_seconds=target,
    )


@pytest.fixture
def complete_requests(madrid: Site) -> None:
    """INFO-COMPLETE (five business days): answered after 1, 1.5, 2.5 and 5 days."""
    for days in (1, 1.5, 2.5, 5):
        satisfied("INFO-COMPLETE", madrid, int(days * DAY), 5 * DAY)
    # Still open: not part of any duration.
    make_clock("INFO-COMPLETE", madrid, started_at=IN_MARCH, due_at=NOW + dt.timedelta(days=2))


def test_a_standard_measured_in_days_reports_business_days(
    complete_requests: None, madrid: Site
) -> None:
    [item] = compliance_by_standard([madrid], START, END, now=NOW)

    assert item.unit == BUSINESS_DAYS
    assert item.total.median == pytest.approx(2.0)  # between 1.5 and 2.5
    assert item.total.p90 == pytest.approx(4.25)  # 70 % of the way from 2.5 to 5
    assert item.total.timed == 4


def test_the_page_shows_multi_day_durations_in_business_days(
    client: Client, complete_requests: None, agent: User
) -> None:
    client.force_login(agent)

    html = client.get(
        reverse("reports:compliance"), {"start": "2026-03-01", "end": "2026-03-31"}
    ).content.decode()

    assert "2.0 business days" in html and "4.2 business days" in html
    assert "0 min" not in html


def test_an_hour_standard_keeps_business_time(madrid: Site) -> None:
    for minutes in (10, 20, 40, 50, 130):
        satisfied("INFO-WEB", madrid, minutes * 60, 3600)

    [item] = compliance_by_standard([madrid], START, END, now=NOW)

    assert item.unit == SECONDS
    assert item.total.median == 40 * 60
    assert item.total.p90 == pytest.approx((50 + 0.6 * 80) * 60)


def test_percentile_cont_over_counted_values_matches_the_definition() -> None:
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    counts: dict[float, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1

    assert percentile_cont(list(counts.items()), 0.5) == statistics.median(values)
    ordered = sorted(values)
    position = 0.9 * (len(values) - 1)
    low = ordered[int(position)]
    expected = low + (ordered[int(position) + 1] - low) * (position - int(position))
    assert percentile_cont(list(counts.items()), 0.9) == pytest.approx(expected)
    assert percentile_cont([(7.0, 1)], 0.9) == 7.0
