"""A period is a range of each site's local days, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt

import pytest

from posventa.core.models import Site
from posventa.reports.metrics import compliance_by_standard, local_bounds
from tests.ui.helpers import make_clock

UTC = dt.UTC
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))  # summer time ends on 25 October
NOW = dt.datetime(2026, 12, 1, tzinfo=UTC)


def started(site: Site, *instants: dt.datetime) -> None:
    for instant in instants:
        make_clock("INFO-WEB", site, started_at=instant, due_at=NOW + dt.timedelta(days=1))


def counted(sites: list[Site], start: dt.date, end: dt.date) -> dict[str, int]:
    report = compliance_by_standard(sites, start, end, now=NOW)
    return {row.name: row.figures.started for item in report for row in item.sites}


def test_local_bounds_follow_the_offset_of_each_end(madrid: Site) -> None:
    begin, finish = local_bounds(madrid.timezone, *OCTOBER)

    assert begin == dt.datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # 00:00 CEST (UTC+2)
    assert finish == dt.datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # 00:00 CET (UTC+1)


@pytest.mark.parametrize("site_name", ["madrid", "goteborg"])
def test_a_month_starts_and_ends_at_the_sites_own_midnights(
    site_name: str, request: pytest.FixtureRequest
) -> None:
    site: Site = request.getfixturevalue(site_name)
    started(
        site,
        dt.datetime(2026, 9, 30, 21, 59, tzinfo=UTC),  # 23:59 on 30 September: out
        dt.datetime(2026, 9, 30, 22, 0, tzinfo=UTC),  # 00:00 on 1 October: in
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST on the change day: in
        dt.datetime(2026, 10, 31, 22, 59, tzinfo=UTC),  # 23:59 CET on 31 October: in
        dt.datetime(2026, 10, 31, 23, 0, tzinfo=UTC),  # 00:00 on 1 November: out
    )

    assert counted([site], *OCTOBER) == {site.name: 3}


def test_one_day_across_the_change_is_twenty_five_hours_long(madrid: Site, goteborg: Site) -> None:
    change_day = dt.date(2026, 10, 25)
    started(madrid, dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC))  # 00:00 CEST: in
    started(goteborg, dt.datetime(2026, 10, 25, 22, 59, tzinfo=UTC))  # 23:59 CET: in
    started(goteborg, dt.datetime(2026, 10, 24, 21, 59, tzinfo=UTC))  # the day before

    assert counted([madrid, goteborg], change_day, change_day) == {
        madrid.name: 1,
        goteborg.name: 1,
    }


def test_sites_in_different_zones_each_use_their_own_midnight(madrid: Site, goteborg: Site) -> None:
    goteborg.timezone = "America/Santiago"  # UTC-3 in November (southern summer)
    goteborg.save(update_fields=["timezone"])
    instant = dt.datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # 02:00 in Madrid, 22:00 in Santiago
    started(madrid, instant)
    started(goteborg, instant)

    november = counted([madrid, goteborg], dt.date(2026, 11, 1), dt.date(2026, 11, 30))

    assert november == {madrid.name: 1}
