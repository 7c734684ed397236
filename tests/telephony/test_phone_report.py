"""INFO-PHONE on the compliance page and in the API: service level, speed of answer,
abandonment, hold breaches and the callback on-time rate, per site, department and agent,
for a period of the site's local days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from posventa.core.models import Site, User
from posventa.reports.phone import phone_report
from posventa.telephony.callbacks import calls_closed
from posventa.telephony.models import CallStatus
from tests.api.conftest import TokenFactory, api_as  # noqa: F401 (fixture)
from tests.telephony.factories_out import call_back, make_call, missed_call

pytestmark = pytest.mark.django_db
# Tuesday 1 December 2026, 10:00 in Madrid.
MORNING = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PERIOD = {"start": "2026-12-01", "end": "2026-12-01"}


@pytest.fixture
def calls(madrid: Site, goteborg: Site, agent: User, manager: User) -> None:
    """At Madrid: 4 offered calls (2 in time, 1 slow, 1 abandoned), two callbacks (one
    kept on time by us, one by the customer calling again); one call at Gothenburg."""
    at = MORNING
    made = [
        make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=10, agent=agent,
                  department="service", started_at=at, close=False),
        make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=14, agent=agent,
                  department="service", started_at=at + dt.timedelta(minutes=1),
                  holds_over_limit=2, close=False),
        make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=30, agent=manager,
                  department="parts", answered_within_limit=False,
                  started_at=at + dt.timedelta(minutes=2), close=False),
        make_call(madrid, status=CallStatus.ABANDONED, ring_seconds=25, number="+34600000201",
                  department="service", started_at=at + dt.timedelta(minutes=3), close=False),
        make_call(madrid, status=CallStatus.MISSED, number="+34600000202", department="parts",
                  started_at=at + dt.timedelta(minutes=4), close=False),
        call_back(madrid, number="+34600000201", started_at=at + dt.timedelta(minutes=20),
                  close=False),
        make_call(madrid, status=CallStatus.COMPLETED, number="+34600000202", ring_seconds=5,
                  agent=agent, department="parts", started_at=at + dt.timedelta(minutes=30),
                  close=False),
        make_call(goteborg, status=CallStatus.COMPLETED, number="+46700000001",
                  started_at=at, close=False),
    ]  # fmt: skip
    calls_closed(made, now=at + dt.timedelta(hours=1))


def test_the_figures_count_offered_calls_and_callbacks_per_site(calls: None, madrid: Site) -> None:
    report = phone_report([madrid], dt.date(2026, 12, 1), dt.date(2026, 12, 1), now=MORNING)
    [row] = report.by_site
    assert row.calls.offered == 6  # inbound only: the call back is outbound
    assert row.calls.answered_in_time == 3
    assert row.calls.service_level == pytest.approx(50.0)
    assert row.calls.average_speed_of_answer == pytest.approx((10 + 14 + 30 + 5) / 4)
    assert row.calls.abandonment_rate == pytest.approx(100 / 6)
    assert row.calls.hold_breaches == 2
    assert row.callbacks is not None
    assert (row.callbacks.opened, row.callbacks.kept_on_time, row.callbacks.late) == (2, 2, 0)
    assert row.callbacks.customer_called == 1 and row.callbacks.called_back == 1
    assert row.callbacks.on_time_rate == pytest.approx(100.0)


def test_the_figures_split_by_department_and_answering_agent(
    calls: None, madrid: Site, agent: User, manager: User
) -> None:
    report = phone_report([madrid], dt.date(2026, 12, 1), dt.date(2026, 12, 1), now=MORNING)
    departments = {row.key: row for row in report.by_department}
    assert departments["service"].calls.offered == 3
    assert departments["parts"].calls.offered == 3
    assert departments["parts"].callbacks is not None
    assert departments["parts"].callbacks.customer_called == 1
    agents = {row.key: row for row in report.by_agent}
    assert agents[agent.pk].calls.answered == 3
    assert agents[manager.pk].calls.answered_in_time == 0
    assert agents[None].calls.offered == 2  # the abandoned and the missed call


def test_a_callback_still_open_after_its_deadline_counts_as_late(madrid: Site) -> None:
    missed = missed_call(madrid, started_at=MORNING, close=False)
    calls_closed([missed], now=MORNING + dt.timedelta(minutes=5))
    later = MORNING + dt.timedelta(hours=3)
    report = phone_report([madrid], dt.date(2026, 12, 1), dt.date(2026, 12, 1), now=later)
    assert report.total.callbacks is not None
    assert report.total.callbacks.late == 1 and report.total.callbacks.on_time_rate == 0.0


def test_the_compliance_page_shows_the_phone_figures(
    calls: None, client: Client, manager: User
) -> None:
    client.force_login(manager)
    response = client.get("/compliance/", PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="phone-figures"' in page
    assert 'data-figure="service-level">50 %' in page


def test_the_compliance_page_leaves_phone_out_when_another_standard_is_chosen(
    calls: None, client: Client, manager: User
) -> None:
    client.force_login(manager)
    response = client.get("/compliance/", {**PERIOD, "standard": "INFO-WEB"})
    assert 'id="phone-figures"' not in response.content.decode()


def test_the_api_gives_the_same_figures(
    calls: None,
    api_as: TokenFactory,  # noqa: F811
    manager: User,
    madrid: Site,
) -> None:
    response = api_as(manager).get("/api/reports/phone", **PERIOD)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    [site] = body["by_site"]
    assert site["key"] == madrid.pk
    assert site["calls"]["offered"] == 6
    assert site["calls"]["service_level_percent"] == 50.0
    assert site["calls"]["hold_breaches"] == 2
    assert site["callbacks"]["on_time_rate_percent"] == 100.0
    assert site["callbacks"]["customer_called"] == 1
    assert {row["key"] for row in body["by_department"]} == {"service", "parts"}
    assert all(row["callbacks"] is None for row in body["by_agent"])


def test_the_api_shows_only_the_tokens_sites(
    calls: None,
    api_as: TokenFactory,  # noqa: F811
    outsider: User,
    madrid: Site,
) -> None:
    client = api_as(outsider)
    body = client.get("/api/reports/phone", **PERIOD).json()
    assert [row["name"] for row in body["by_site"]] == ["Exempel Bil Göteborg"]
    refused = client.get("/api/reports/phone", site=madrid.slug, **PERIOD)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "site"


def test_the_api_refuses_a_period_that_ends_before_it_starts(
    api_as: TokenFactory,  # noqa: F811
    manager: User,
) -> None:
    response = api_as(manager).get("/api/reports/phone", start="2026-12-02", end="2026-12-01")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"


def test_a_period_is_the_sites_local_days(madrid: Site) -> None:
    # 23:30 UTC on 30 November is 00:30 on 1 December in Madrid.
    make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=5,
              started_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC), close=False)  # fmt: skip
    report = phone_report([madrid], dt.date(2026, 12, 1), dt.date(2026, 12, 1), now=timezone.now())
    assert report.total.calls.offered == 1


def test_an_agent_the_phone_system_names_but_posventa_does_not_know_gets_a_row(
    madrid: Site,
) -> None:
    make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=5, agent_raw="201",
              started_at=MORNING, close=False)  # fmt: skip
    report = phone_report([madrid], dt.date(2026, 12, 1), dt.date(2026, 12, 1), now=MORNING)
    assert [(row.key, row.name, row.calls.answered) for row in report.by_agent] == [
        ("201", "201", 1)
    ]
