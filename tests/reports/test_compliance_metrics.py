"""Compliance figures counted by hand on a small data set: met, breached, open, median."""

from __future__ import annotations

import datetime as dt

import pytest

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Site, User
from posventa.reports.metrics import (
    BUSINESS_DAYS,
    ComplianceFigures,
    aggregate_compliance,
    clocks_started_between,
    compliance_by_standard,
    overall_compliance,
)
from tests.ui.helpers import make_clock

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
IN_PERIOD = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)

SAT = ClockState.SATISFIED


def satisfied(code: str, site: Site, business: int, target: int = 3600, **fields) -> Clock:  # type: ignore[no-untyped-def]
    # The wall-clock span is deliberately unrelated to `business`: reports must read the
    # stored duration, never recompute it from timestamps.
    fields.setdefault("started_at", IN_PERIOD)
    return make_clock(
        code,
        site,
        state=SAT,
        satisfied_at=fields["started_at"] + 7 * H,
        business_seconds=business,
        delta_seconds=business - target,
        target_seconds=target,
        **fields,
    )


@pytest.fixture
def data_set(madrid: Site, goteborg: Site, agent: User, manager: User) -> None:
    # Madrid, INFO-WEB
    satisfied("INFO-WEB", madrid, 1200, owner=agent)  # met
    satisfied("INFO-WEB", madrid, 3000, owner=agent)  # met
    satisfied(
        "INFO-WEB",
        madrid,
        5400,
        owner=manager,  # late: breached
        breached_at=IN_PERIOD + 2 * H,
    )
    make_clock(
        "INFO-WEB",
        madrid,
        started_at=IN_PERIOD,
        due_at=NOW + H,  # open in time
        owner=agent,
    )
    make_clock("INFO-WEB", madrid, started_at=IN_PERIOD, due_at=NOW - H)  # late, not swept yet
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.CANCELLED,  # cancelled in time
        started_at=IN_PERIOD,
        cancelled_at=IN_PERIOD + H,
    )
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.CANCELLED,  # cancelled after breach
        started_at=IN_PERIOD,
        breached_at=IN_PERIOD + H,
        cancelled_at=IN_PERIOD + 3 * H,
        owner=manager,
    )
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.PAUSED,
        due_at=None,  # paused: open
        started_at=IN_PERIOD,
    )
    # Outside the period on both sides: not counted.
    satisfied("INFO-WEB", madrid, 10, started_at=START - dt.timedelta(seconds=1))
    satisfied("INFO-WEB", madrid, 10, started_at=END)
    # Madrid, INFO-WRITTEN: only one clock, open in time.
    make_clock("INFO-WRITTEN", madrid, started_at=IN_PERIOD, due_at=NOW + 24 * H)
    # Göteborg, INFO-WEB
    satisfied("INFO-WEB", goteborg, 1000)
    satisfied("INFO-WEB", goteborg, 2000)
    satisfied("INFO-WEB", goteborg, 9000)  # late; the sweeper never marked it


def by_site(report, code: str) -> dict[str, ComplianceFigures]:  # type: ignore[no-untyped-def]
    item = next(item for item in report if item.standard_code == code)
    return {row.site_name: row.figures for row in item.sites}


def test_it_counts_each_standard_per_site_exactly(
    data_set: None, madrid: Site, goteborg: Site
) -> None:
    report = compliance_by_standard(Site.objects.all(), START, END, now=NOW)

    web = by_site(report, "INFO-WEB")
    assert web[madrid.name] == ComplianceFigures(
        started=8, met=2, breached=3, open=2, cancelled=1, median=3000.0, p90=4920.0, timed=3
    )
    assert web[madrid.name].percent_met == pytest.approx(40.0)
    assert web[goteborg.name] == ComplianceFigures(
        started=3, met=2, breached=1, open=0, cancelled=0, median=2000.0, p90=7600.0, timed=3
    )
    assert web[goteborg.name].percent_met == pytest.approx(200 / 3)


def test_it_totals_each_standard_across_sites_with_its_own_median(data_set: None) -> None:
    report = compliance_by_standard(Site.objects.all(), START, END, now=NOW)

    total = next(item for item in report if item.standard_code == "INFO-WEB").total
    assert total == ComplianceFigures(
        started=11,
        met=4,
        breached=4,
        open=2,
        cancelled=1,
        # median of 1000, 1200, 2000, 3000, 5400, 9000; p90 halfway from 5400 to 9000
        median=2500.0,
        p90=7200.0,
        timed=6,
    )
    assert total.percent_met == pytest.approx(50.0)


def test_a_standard_with_nothing_decided_has_no_percentage(data_set: None, madrid: Site) -> None:
    report = compliance_by_standard(Site.objects.all(), START, END, now=NOW)

    written = by_site(report, "INFO-WRITTEN")[madrid.name]
    assert written == ComplianceFigures(started=1, open=1, unit=BUSINESS_DAYS)
    assert written.percent_met is None
    assert written.median_business_seconds is None


def test_it_lists_only_standards_with_clocks_in_catalogue_order(data_set: None) -> None:
    report = compliance_by_standard(Site.objects.all(), START, END, now=NOW)

    assert [item.standard_code for item in report] == ["INFO-WEB", "INFO-WRITTEN"]


def test_it_only_counts_the_sites_it_is_given(data_set: None, goteborg: Site) -> None:
    report = compliance_by_standard(Site.objects.filter(pk=goteborg.pk), START, END, now=NOW)

    assert [item.standard_code for item in report] == ["INFO-WEB"]
    assert [row.site_name for row in report[0].sites] == [goteborg.name]
    assert report[0].total.started == 3


def test_overall_sums_the_counts_of_every_standard(data_set: None) -> None:
    report = compliance_by_standard(Site.objects.all(), START, END, now=NOW)

    assert overall_compliance(report) == ComplianceFigures(
        started=12, met=4, breached=4, open=3, cancelled=1
    )


def test_the_same_figures_group_by_owner_for_per_agent_reports(
    data_set: None, agent: User, manager: User
) -> None:
    clocks = clocks_started_between(START, END, Site.objects.all())

    per_owner = aggregate_compliance(clocks, ["owner_id"], now=NOW)

    assert per_owner[(agent.pk,)] == ComplianceFigures(
        started=3, met=2, open=1, median=2100.0, p90=2820.0, timed=2
    )
    assert per_owner[(manager.pk,)] == ComplianceFigures(
        started=2, breached=2, median=5400.0, p90=5400.0, timed=1
    )


def test_a_late_satisfaction_stays_breached_later(data_set: None, madrid: Site) -> None:
    """Time passing does not turn a breach back into a success."""
    much_later = NOW + dt.timedelta(days=365)

    report = compliance_by_standard(Site.objects.all(), START, END, now=much_later)

    madrid_web = by_site(report, "INFO-WEB")[madrid.name]
    # The open-in-time clock is now late too; nothing breached became met.
    assert (madrid_web.met, madrid_web.breached, madrid_web.open) == (2, 4, 1)
