"""Every figure opens the clocks behind it: same filters, same numbers; both export CSV;
per-person figures; the weekly trend."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from posventa.clocks.models import ClockState
from posventa.core.models import Site, User
from posventa.reports.metrics import (
    clocks_in_period,
    compliance_by_person,
    trend,
    week_buckets,
)
from tests.ui.helpers import make_clock

UTC = dt.UTC
H = dt.timedelta(hours=1)
NOW = dt.datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
IN_MARCH = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
LATER = dt.datetime(2036, 1, 1, tzinfo=UTC)
PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}


def satisfied(site: Site, business: int, *, owner: User | None = None, at=IN_MARCH) -> None:  # type: ignore[no-untyped-def]
    make_clock(
        "INFO-WEB",
        site,
        state=ClockState.SATISFIED,
        started_at=at,
        satisfied_at=at + H,
        business_seconds=business,
        delta_seconds=business - 3600,
        owner=owner,
        label=f"Web {business}",
    )


@pytest.fixture
def march(madrid: Site, goteborg: Site, agent: User, manager: User) -> None:
    satisfied(madrid, 1200, owner=agent)
    satisfied(madrid, 3000, owner=agent)
    satisfied(madrid, 5400, owner=manager)  # late
    # Open in time: the page counts at the real "now", so its deadline is years away.
    make_clock("INFO-WEB", madrid, started_at=IN_MARCH, due_at=LATER, owner=agent)
    make_clock("INFO-WEB", madrid, started_at=IN_MARCH, due_at=NOW - H)  # late, nobody's
    satisfied(goteborg, 1000)


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_each_figure_links_to_exactly_the_clocks_it_counts(
    client: Client, march: None, group_admin: User, madrid: Site
) -> None:
    client.force_login(group_admin)
    page = client.get(reverse("reports:compliance"), PERIOD)
    [item] = page.context["report"]
    madrid_row = next(row for row in item.sites if row.key == madrid.pk)

    for outcome in ("started", "met", "breached", "open", "cancelled", "timed"):
        drill = client.get(
            reverse("reports:clocks"),
            {**PERIOD, "standard": "INFO-WEB", "site": madrid.pk, "outcome": outcome},
        )
        expected = getattr(madrid_row.figures, outcome)
        assert drill.context["page"].paginator.count == expected, outcome
    assert 'data-outcome="breached" href="/compliance/clocks/?' in page.content.decode()


def test_a_person_figure_opens_that_persons_clocks(
    client: Client, march: None, manager: User, agent: User, madrid: Site
) -> None:
    client.force_login(manager)
    [item] = client.get(reverse("reports:compliance"), PERIOD).context["by_person"]
    figures = {row.key: row.figures for row in item.sites}

    mine = client.get(reverse("reports:clocks"), {**PERIOD, "owner": agent.pk, "outcome": "met"})
    nobodys = client.get(reverse("reports:clocks"), {**PERIOD, "owner": "none"})

    assert (figures[agent.pk].started, figures[agent.pk].met) == (3, 2)
    assert figures[None].started == 1 and figures[None].breached == 1
    assert mine.context["page"].paginator.count == 2
    assert nobodys.context["page"].paginator.count == 1


def test_per_person_figures_group_by_the_clocks_owner(
    march: None, agent: User, manager: User, madrid: Site
) -> None:
    clocks = clocks_in_period([madrid], dt.date(2026, 3, 1), dt.date(2026, 3, 31))

    [item] = compliance_by_person([madrid], clocks, now=NOW)

    rows = {row.name: row.figures for row in item.sites}
    assert rows[str(agent)].median == 2100.0
    assert (rows[str(manager)].breached, rows[str(manager)].met) == (1, 0)
    assert [row.key for row in item.sites][-1] is None  # nobody's clocks come last


def test_the_drill_down_links_each_clock_to_its_subject_and_pages(
    client: Client, agent: User, madrid: Site
) -> None:
    for number in range(53):
        satisfied(madrid, 600 + number)
    client.force_login(agent)

    first = client.get(reverse("reports:clocks"), {**PERIOD, "outcome": "met"})
    second = client.get(reverse("reports:clocks"), {**PERIOD, "outcome": "met", "page": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 3
    clock, card = first.context["rows"][0]
    assert card.url == reverse("clocks:subject", args=[clock.subject_type_id, clock.subject_id])
    assert card.url in first.content.decode()


def test_the_table_exports_as_csv(client: Client, march: None, group_admin: User) -> None:
    client.force_login(group_admin)

    response = client.get(reverse("reports:compliance"), {**PERIOD, "format": "csv"})

    rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:5] == ["standard", "by", "name", "started", "met"]
    by_site = {row[2]: row for row in rows[1:] if row[1] == "site"}
    assert by_site["Ejemplo Motor Madrid"][3:6] == ["5", "2", "2"]
    assert by_site[""][3] == "6"  # all sites
    assert any(row[1] == "person" for row in rows[1:])


def test_the_drill_down_exports_the_same_clocks_as_csv(
    client: Client, march: None, agent: User
) -> None:
    client.force_login(agent)
    query = {**PERIOD, "outcome": "breached"}

    listed = client.get(reverse("reports:clocks"), query).context["page"].paginator.count
    rows = csv_rows(client.get(reverse("reports:clocks"), {**query, "format": "csv"}))

    assert len(rows) - 1 == listed == 2
    assert {row[1] for row in rows[1:]} == {"INFO-WEB"}


def test_an_outsider_drills_into_nothing_of_another_site(
    client: Client, march: None, outsider: User, madrid: Site, goteborg: Site
) -> None:
    client.force_login(outsider)

    theirs = client.get(reverse("reports:clocks"), PERIOD)
    asked = client.get(reverse("reports:clocks"), {**PERIOD, "site": madrid.pk})

    assert theirs.context["page"].paginator.count == 1  # Göteborg's own clock
    assert asked.context["page"].paginator.count == 0
    assert "site" in asked.context["form"].errors


def test_trend_buckets_are_weeks_of_local_days_ending_on_the_last_day() -> None:
    buckets = week_buckets(dt.date(2026, 3, 31), weeks=3)

    assert buckets == [
        (dt.date(2026, 3, 11), dt.date(2026, 3, 17)),
        (dt.date(2026, 3, 18), dt.date(2026, 3, 24)),
        (dt.date(2026, 3, 25), dt.date(2026, 3, 31)),
    ]


def test_the_trend_counts_met_and_breached_per_week(madrid: Site) -> None:
    satisfied(madrid, 600, at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    satisfied(madrid, 9000, at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=UTC))  # late
    satisfied(madrid, 600, at=dt.datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    # 23:30 UTC on 24 March is 00:30 on the 25th in Madrid: the last week.
    satisfied(madrid, 600, at=dt.datetime(2026, 3, 24, 23, 30, tzinfo=UTC))

    points = trend([madrid], dt.date(2026, 3, 31), now=NOW, weeks=3)

    assert [(p.met, p.breached) for p in points] == [(1, 1), (0, 0), (2, 0)]
    assert [p.percent_met for p in points] == [50.0, None, 100.0]


def test_the_page_draws_the_trend_as_an_accessible_inline_svg(
    client: Client, march: None, agent: User
) -> None:
    client.force_login(agent)

    html = client.get(reverse("reports:compliance"), PERIOD).content.decode()

    assert '<svg class="trend-chart"' in html and 'role="img"' in html
    assert "<title>% met per week</title>" in html
    assert 'id="trend-figures"' in html and "<script" not in html.split("<main")[1]
