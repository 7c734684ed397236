"""The admin shows the catalogue and clocks read-only, and changes site targets and ladders
only through the actions layer (so open clocks are re-planned and the change is logged)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from posventa.clocks import actions
from posventa.clocks.models import Clock, EscalationPolicy, SiteStandard
from posventa.core.events import timeline
from posventa.core.models import Site, User
from tests.clocks.conftest import madrid_at

HOUR = 3600


@pytest.fixture
def admin_client(db: None) -> Client:
    superuser = User.objects.create_superuser("root", "root@example.com", "admin-pass-123")
    client = Client()
    client.force_login(superuser)
    return client


def test_the_catalogue_is_listed_and_cannot_be_edited(admin_client: Client) -> None:
    listing = admin_client.get(reverse("admin:clocks_standard_changelist"))
    assert listing.status_code == 200
    assert b"HOLD-DISPUTE" in listing.content
    url = reverse("admin:clocks_standard_change", args=["INFO-WEB"])
    assert admin_client.post(url, {"title": "changed"}).status_code == 403
    assert admin_client.get(reverse("admin:clocks_standard_add")).status_code == 403


def test_a_site_target_saved_in_the_admin_replans_open_clocks(
    admin_client: Client, madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    response = admin_client.post(
        reverse("admin:clocks_sitestandard_add"),
        {
            "site": madrid.pk,
            "standard": "INFO-WEB",
            "target_seconds": 2 * HOUR,
            "calendar_kind": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SiteStandard.objects.get(site=madrid).target_seconds == 2 * HOUR
    clock.refresh_from_db()
    assert clock.due_at == madrid_at(2, 11)
    assert timeline(madrid).filter(verb="site.standard_policy_changed").exists()


def test_a_negative_target_in_the_admin_form_is_refused(admin_client: Client, madrid: Site) -> None:
    response = admin_client.post(
        reverse("admin:clocks_sitestandard_add"),
        {
            "site": madrid.pk,
            "standard": "INFO-WEB",
            "target_seconds": -1,
            "calendar_kind": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    assert "target_seconds" in response.context["adminform"].form.errors
    assert not SiteStandard.objects.exists()


def test_deleting_an_override_goes_back_to_the_default(
    admin_client: Client, madrid: Site, subject: Model
) -> None:
    override = actions.set_site_target(madrid, "INFO-WEB", 2 * HOUR)
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    assert clock.due_at == madrid_at(2, 11)
    url = reverse("admin:clocks_sitestandard_delete", args=[override.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    clock.refresh_from_db()
    assert clock.due_at == madrid_at(2, 10)


def test_an_escalation_policy_saved_in_the_admin_moves_warnings(
    admin_client: Client, madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    response = admin_client.post(
        reverse("admin:clocks_escalationpolicy_add"),
        {"site": madrid.pk, "warn_at_ratio": "0.500", "site_manager_after_seconds": HOUR},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EscalationPolicy.objects.get(site=madrid).warn_at_ratio == Decimal("0.5")
    clock.refresh_from_db()
    assert clock.warn_at == madrid_at(2, 9, 30)


def test_clocks_are_read_only_in_the_admin(
    admin_client: Client, madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock("INFO-WEB", subject=subject, site=madrid, label="Case 9")
    assert b"Case 9" in admin_client.get(reverse("admin:clocks_clock_changelist")).content
    detail = admin_client.get(reverse("admin:clocks_clock_change", args=[clock.pk]))
    assert detail.status_code == 200
    delete = reverse("admin:clocks_clock_delete", args=[clock.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Clock.objects.filter(pk=clock.pk).exists()
