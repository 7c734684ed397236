"""Staff sign a customer out of the portal everywhere; old links then say so and offer a
new one. The link age comes from POSVENTA_PORTAL_LINK_MAX_AGE."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Event, User
from posventa.customers import actions as customer_actions
from posventa.customers.matching import customer_event_filter
from posventa.customers.models import Customer
from tests.portal.conftest import portal_path, token_issued_days_ago


def staff(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_out_everywhere_stops_every_earlier_link_and_is_on_the_timeline(
    client: Client, agent: User, carmen: Customer, carmen_case: Case
) -> None:
    old = portal_path(carmen)
    assert client.get(old).status_code == 200

    response = staff(agent).post(reverse("customers:revoke_portal_links", args=[carmen.pk]))
    assert response.status_code == 302

    refused = client.get(old)
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "You were signed out of this page on every device" in page
    assert 'action="/portal/new-link/"' in page
    assert carmen_case.reference not in page
    carmen.refresh_from_db()
    assert client.get(portal_path(carmen)).status_code == 200  # a new link works
    event = Event.objects.get(
        customer_event_filter([carmen.pk]), verb="customer.portal_links_revoked"
    )
    assert event.actor == agent


def test_the_customer_page_offers_the_button(agent: User, carmen: Customer) -> None:
    page = staff(agent).get(reverse("customers:detail", args=[carmen.pk])).content.decode()
    assert reverse("customers:revoke_portal_links", args=[carmen.pk]) in page
    assert "Sign out everywhere" in page


def test_staff_of_another_site_cannot_sign_the_customer_out(
    client: Client, outsider: User, carmen: Customer
) -> None:
    url = reverse("customers:revoke_portal_links", args=[carmen.pk])
    assert staff(outsider).post(url).status_code == 404
    assert client.get(portal_path(carmen)).status_code == 200


def test_a_link_of_a_merged_record_stops_too(client: Client, agent: User, carmen: Customer) -> None:
    twin = customer_actions.create_customer(
        carmen.organisation, display_name="C. Rius", contact_points=[("phone", "611000111")]
    )
    twin_link = portal_path(twin)
    customer_actions.merge_customers(carmen, twin, actor=agent)
    assert client.get(twin_link).status_code == 200  # opens the survivor
    customer_actions.revoke_portal_links(carmen, actor=agent)
    assert client.get(twin_link).status_code == 403


def test_the_configured_link_age_is_what_counts(
    client: Client, settings: SettingsWrapper, carmen: Customer, carmen_case: Case
) -> None:
    settings.POSVENTA_PORTAL_LINK_MAX_AGE = dt.timedelta(hours=12)
    fresh = token_issued_days_ago(carmen, 0.25)  # six hours
    stale = token_issued_days_ago(carmen, 1)  # a day: fine by the old 30-day rule
    assert client.get(f"/portal/{fresh}/").status_code == 200
    response = client.get(f"/portal/{stale}/")
    assert response.status_code == 403
    assert "Links to your cases expire after a while" in response.content.decode()
