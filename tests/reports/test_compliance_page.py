"""The compliance page: a period (last 30 days by default), a site filter, visible sites only."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.clocks.models import ClockState
from posventa.core.models import Site, User
from tests.ui.helpers import make_clock

H = dt.timedelta(hours=1)


def recent(days_ago: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def test_it_requires_login(client: Client) -> None:
    response = client.get(reverse("reports:compliance"))
    assert response.status_code == 302


def test_it_defaults_to_the_last_30_days(client: Client, agent: User, madrid: Site) -> None:
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.SATISFIED,
        started_at=recent(2),
        business_seconds=600,
        delta_seconds=-3000,
    )
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.SATISFIED,
        started_at=recent(45),
        business_seconds=600,
        delta_seconds=-3000,
    )
    client.force_login(agent)

    response = client.get(reverse("reports:compliance"))

    today = timezone.now().date()
    assert (response.context["start"], response.context["end"]) == (
        today - dt.timedelta(days=30),
        today,
    )
    [item] = response.context["report"]
    assert item.total.started == 1
    assert 'data-standard="INFO-WEB"' in response.content.decode()


def test_it_shows_the_figures_of_a_chosen_period(client: Client, agent: User, madrid: Site) -> None:
    inside = dt.datetime(2025, 6, 10, 10, 0, tzinfo=dt.UTC)
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.SATISFIED,
        started_at=inside,
        business_seconds=1500,
        delta_seconds=-2100,
    )
    make_clock(
        "INFO-WEB",
        madrid,
        state=ClockState.SATISFIED,
        started_at=inside,
        breached_at=inside + 2 * H,
        business_seconds=7200,
        delta_seconds=3600,
    )
    client.force_login(agent)

    response = client.get(
        reverse("reports:compliance"), {"start": "2025-06-01", "end": "2025-06-30"}
    )
    html = response.content.decode()

    [item] = response.context["report"]
    assert (item.total.met, item.total.breached) == (1, 1)
    assert "50 %" in html
    assert "1 h 12 min" in html  # median of 1500 s and 7200 s = 4350 s


def test_the_end_day_is_included_whole(client: Client, agent: User, madrid: Site) -> None:
    make_clock(
        "INFO-WEB",
        madrid,
        # 23:59 in Madrid (summer time, UTC+2): still the last local day of the period.
        started_at=dt.datetime(2025, 6, 30, 21, 59, tzinfo=dt.UTC),
        due_at=timezone.now() + H,
    )
    client.force_login(agent)

    response = client.get(
        reverse("reports:compliance"), {"start": "2025-06-30", "end": "2025-06-30"}
    )

    assert response.context["report"][0].total.started == 1


def test_an_outsider_sees_only_their_own_site(
    client: Client, outsider: User, madrid: Site, goteborg: Site
) -> None:
    make_clock("INFO-WEB", madrid, started_at=recent(1), due_at=timezone.now() + H)
    make_clock("INFO-WRITTEN", goteborg, started_at=recent(1), due_at=timezone.now() + H)
    client.force_login(outsider)

    response = client.get(reverse("reports:compliance"))

    assert [item.standard_code for item in response.context["report"]] == ["INFO-WRITTEN"]
    assert madrid.name not in response.content.decode()


def test_an_outsider_cannot_ask_for_another_sites_figures(
    client: Client, outsider: User, madrid: Site
) -> None:
    make_clock("INFO-WEB", madrid, started_at=recent(1), due_at=timezone.now() + H)
    client.force_login(outsider)

    response = client.get(reverse("reports:compliance"), {"site": madrid.pk})

    assert "site" in response.context["form"].errors
    assert response.context["report"] == []


def test_the_site_filter_narrows_to_one_site(
    client: Client, group_admin: User, madrid: Site, goteborg: Site
) -> None:
    make_clock("INFO-WEB", madrid, started_at=recent(1), due_at=timezone.now() + H)
    make_clock("INFO-WEB", goteborg, started_at=recent(1), due_at=timezone.now() + H)
    client.force_login(group_admin)

    both = client.get(reverse("reports:compliance"))
    one = client.get(reverse("reports:compliance"), {"site": goteborg.pk})

    assert [row.site_name for row in both.context["report"][0].sites] == sorted(
        [madrid.name, goteborg.name]
    )
    assert 'data-site="all"' in both.content.decode()
    assert [row.site_name for row in one.context["report"][0].sites] == [goteborg.name]


def test_a_bad_date_is_reported_on_its_field_and_the_default_period_still_shows(
    client: Client, agent: User, madrid: Site
) -> None:
    make_clock("INFO-WEB", madrid, started_at=recent(1), due_at=timezone.now() + H)
    client.force_login(agent)

    response = client.get(reverse("reports:compliance"), {"start": "31/02/2025"})

    assert "start" in response.context["form"].errors
    assert response.context["report"][0].total.started == 1


def test_an_end_before_the_start_is_refused_on_the_end_field(client: Client, agent: User) -> None:
    client.force_login(agent)

    response = client.get(
        reverse("reports:compliance"), {"start": "2025-06-10", "end": "2025-06-01"}
    )

    assert "end" in response.context["form"].errors
    assert "The end date is before the start date." in response.content.decode()


def test_a_bad_site_keeps_the_chosen_period(client: Client, outsider: User, madrid: Site) -> None:
    client.force_login(outsider)

    response = client.get(
        reverse("reports:compliance"),
        {"start": "2025-06-01", "end": "2025-06-30", "site": madrid.pk},
    )

    assert "site" in response.context["form"].errors
    assert response.context["start"] == dt.date(2025, 6, 1)
