"""The admin lists every customers model and normalises contact points typed there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.core.models import Event, Organisation, Site, User
from posventa.customers import actions
from posventa.customers.models import ContactPoint, Customer


@pytest.fixture
def admin_client_for(db: None) -> Client:
    superuser = User.objects.create_superuser("root", "root@example.com", "test-password-123")
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def customer(group: Organisation, goteborg: Site) -> Customer:
    customer = actions.create_customer(
        group, display_name="Astrid Påhittad", contact_points=[("email", "astrid@example.se")]
    )
    vehicle = actions.register_vehicle(group, vin="YV1DZ8256C2123456", owner=customer)
    actions.record_odometer(vehicle, 1200)
    actions.record_consent(customer, "email", True, source="portal")
    return customer


@pytest.mark.parametrize(
    "model", ["customer", "contactpoint", "consentrecord", "vehicle", "odometerreading"]
)
def test_every_model_has_a_changelist(
    admin_client_for: Client, customer: Customer, model: str
) -> None:
    response = admin_client_for.get(reverse(f"admin:customers_{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_the_customer_page_shows_contact_points_inline(
    admin_client_for: Client, customer: Customer
) -> None:
    response = admin_client_for.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    assert "astrid@example.se" in response.content.decode()


def test_a_number_added_in_the_admin_is_normalised_with_the_group_country(
    admin_client_for: Client, customer: Customer
) -> None:
    response = admin_client_for.post(
        reverse("admin:customers_contactpoint_add"),
        {"customer": customer.pk, "kind": "phone", "value": "070-123 45 67"},
    )
    assert response.status_code == 302
    point = ContactPoint.objects.get(customer=customer, kind="phone")
    # The group's first site is Göteborg in this fixture, so the number is read as Swedish.
    assert point.value == "+46701234567"
    assert point.organisation_id == customer.organisation_id
    assert Event.objects.filter(verb="contactpoint.admin_added").exists()


def test_a_bad_number_in_the_admin_is_refused_on_the_value_field(
    admin_client_for: Client, customer: Customer
) -> None:
    response = admin_client_for.post(
        reverse("admin:customers_contactpoint_add"),
        {"customer": customer.pk, "kind": "phone", "value": "12"},
    )
    assert response.status_code == 200
    assert "value" in response.context["adminform"].form.errors
    assert not ContactPoint.objects.filter(kind="phone").exists()
