"""Admin: configuration keeps the actions' rules (validated hours, calendar version, audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from posventa.clocks import actions as clocks
from posventa.core.models import Event, Membership, OpeningInterval, Role, Site, User
from tests.conftest import make_user


@pytest.fixture
def superuser(db: None) -> User:
    user = make_user("root-admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def site_form(site: Site, intervals: list[tuple[int, str, str]], **changes: str) -> dict[str, Any]:
    """The POST the site change form sends, with `intervals` replacing the weekly hours."""
    existing = list(site.opening_intervals.all())
    data: dict[str, Any] = {
        "organisation": site.organisation_id,
        "name": site.name,
        "slug": site.slug,
        "timezone": site.timezone,
        "country": site.country,
        "subdivision": site.subdivision,
        "email": site.email,
        "phone": site.phone,
        "address": site.address,
        "opening_intervals-TOTAL_FORMS": len(existing) + len(intervals),
        "opening_intervals-INITIAL_FORMS": len(existing),
        "closures-TOTAL_FORMS": 0,
        "closures-INITIAL_FORMS": 0,
        "holiday_overrides-TOTAL_FORMS": 0,
        "holiday_overrides-INITIAL_FORMS": 0,
        **changes,
    }
    for index, row in enumerate(existing):  # delete every existing interval...
        prefix = f"opening_intervals-{index}"
        data.update(
            {
                f"{prefix}-id": row.pk,
                f"{prefix}-site": site.pk,
                f"{prefix}-weekday": row.weekday,
                f"{prefix}-start": row.start,
                f"{prefix}-end": row.end or "",
                f"{prefix}-DELETE": "on",
            }
        )
    for offset, (weekday, start, end) in enumerate(intervals):  # ...and add the new ones
        prefix = f"opening_intervals-{len(existing) + offset}"
        data.update(
            {
                f"{prefix}-site": site.pk,
                f"{prefix}-weekday": weekday,
                f"{prefix}-start": start,
                f"{prefix}-end": end,
            }
        )
    return data


def change_url(site: Site) -> str:
    return reverse("admin:core_site_change", args=[site.pk])


def hours(site: Site) -> list[tuple[int, dt.time, dt.time | None]]:
    return [(row.weekday, row.start, row.end) for row in OpeningInterval.objects.filter(site=site)]


def test_it_shows_a_site_with_its_hours_closures_and_holiday_overrides(
    admin_client: Client, madrid: Site
) -> None:
    response = admin_client.get(change_url(madrid))

    assert response.status_code == 200
    html = response.content.decode()
    for prefix in ("opening_intervals", "closures", "holiday_overrides"):
        assert f'name="{prefix}-TOTAL_FORMS"' in html


def test_overlapping_hours_are_refused_naming_the_field_and_nothing_changes(
    admin_client: Client, madrid: Site
) -> None:
    before, version = hours(madrid), madrid.calendar_version

    response = admin_client.post(
        change_url(madrid), site_form(madrid, [(0, "08:00", "14:00"), (0, "13:00", "19:00")])
    )

    assert response.status_code == 200  # the form again, with the error
    html = response.content.decode()
    assert "Opening hours (intervals)" in html
    assert hours(madrid) == before
    madrid.refresh_from_db()
    assert madrid.calendar_version == version


def test_an_interval_ending_before_it_starts_is_refused(admin_client: Client, madrid: Site) -> None:
    before = hours(madrid)

    response = admin_client.post(change_url(madrid), site_form(madrid, [(1, "18:00", "09:00")]))

    assert "Opening hours (intervals)" in response.content.decode()
    assert hours(madrid) == before


def test_saving_hours_bumps_the_calendar_version_replans_clocks_and_is_audited(
    admin_client: Client, madrid: Site, agent: User, superuser: User
) -> None:
    monday_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)  # 10:00 in Madrid
    clock = clocks.start_clock("INFO-WRITTEN", subject=agent, site=madrid, started_at=monday_9)
    old_due, version = clock.due_at, madrid.calendar_version

    response = admin_client.post(
        change_url(madrid), site_form(madrid, [(day, "10:00", "12:00") for day in range(5)])
    )

    assert response.status_code == 302
    assert hours(madrid) == [(day, dt.time(10), dt.time(12)) for day in range(5)]
    madrid.refresh_from_db()
    assert madrid.calendar_version == version + 1
    clock.refresh_from_db()
    assert clock.due_at != old_due
    event = Event.objects.filter(verb="site.calendar_changed").get()
    assert event.actor == superuser
    assert event.data["inlines"] == ["openinginterval"]


def test_changing_only_the_name_leaves_the_calendar_alone(
    admin_client: Client, madrid: Site
) -> None:
    version = madrid.calendar_version
    data = site_form(madrid, [], name="Ejemplo Motor Madrid Centro")
    data["opening_intervals-TOTAL_FORMS"] = data["opening_intervals-INITIAL_FORMS"] = 0

    response = admin_client.post(change_url(madrid), data)

    assert response.status_code == 302
    madrid.refresh_from_db()
    assert (madrid.name, madrid.calendar_version) == ("Ejemplo Motor Madrid Centro", version)
    assert Event.objects.filter(verb="site.changed").exists()
    assert not Event.objects.filter(verb="site.calendar_changed").exists()


def test_the_event_log_is_read_only_in_admin(admin_client: Client, madrid: Site) -> None:
    event = Event.objects.filter(verb="site.created").first()
    assert event is not None

    listing = admin_client.get(reverse("admin:core_event_changelist"))
    add = admin_client.get(reverse("admin:core_event_add"))
    detail = admin_client.get(reverse("admin:core_event_change", args=[event.pk]))
    post = admin_client.post(
        reverse("admin:core_event_change", args=[event.pk]), {"verb": "tampered"}
    )
    delete = admin_client.post(reverse("admin:core_event_delete", args=[event.pk]), {"post": "yes"})

    assert listing.status_code == 200
    assert add.status_code == 403
    assert detail.status_code == 200 and 'name="verb"' not in detail.content.decode()
    assert post.status_code == 403
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.verb == "site.created"


def test_granting_a_role_in_admin_is_audited(
    admin_client: Client, madrid: Site, superuser: User
) -> None:
    newcomer = make_user("nuria")

    response = admin_client.post(
        reverse("admin:core_membership_add"),
        {
            "user": newcomer.pk,
            "organisation": madrid.organisation_id,
            "site": madrid.pk,
            "role": Role.TECHNICIAN,
        },
    )

    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, role=Role.TECHNICIAN).exists()
    event = Event.objects.filter(verb="staff.role_granted", data__user="nuria").get()
    assert event.actor == superuser


def test_a_membership_at_another_groups_site_is_refused_on_the_site_field(
    admin_client: Client, madrid: Site
) -> None:
    from posventa.core import actions

    other = actions.create_organisation("Otro Grupo", "otro")
    newcomer = make_user("nuria")

    response = admin_client.post(
        reverse("admin:core_membership_add"),
        {
            "user": newcomer.pk,
            "organisation": other.pk,
            "site": madrid.pk,
            "role": Role.AGENT,
        },
    )

    assert response.status_code == 200
    assert "The site belongs to another organisation." in response.content.decode()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_staff_without_admin_rights_cannot_open_admin(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
