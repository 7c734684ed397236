"""Customers: search, read, create, add contact points; bad input names the field."""

from __future__ import annotations

from posventa.core.models import Event, Site, User
from posventa.customers.models import ContactPoint, Customer
from tests.api.conftest import TokenFactory


def test_it_lists_and_searches_customers(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    client = api_as(agent)
    everyone = client.get("/api/customers").json()
    assert everyone["count"] == 1
    assert everyone["items"][0]["display_name"] == "Inés Castell"
    by_phone = client.get("/api/customers", q="611 22 33 44").json()
    assert [row["id"] for row in by_phone["items"]] == [customer.pk]
    assert client.get("/api/customers", q="nobody-like-this").json()["count"] == 0


def test_it_shows_a_customer_with_contact_points(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    body = api_as(agent).get(f"/api/customers/{customer.pk}").json()
    assert body["id"] == customer.pk
    assert {(p["kind"], p["value"]) for p in body["contact_points"]} == {
        ("email", "ines.castell@example.org"),
        ("phone", "+34611223344"),
    }
    assert body["merged_into"] is None


def test_it_creates_a_customer_reading_phones_in_the_sites_country(
    api_as: TokenFactory, outsider: User, goteborg: Site
) -> None:
    response = api_as(outsider).post(
        "/api/customers",
        {
            "display_name": "Sven Ek",
            "language": "sv",
            "preferred_channel": "sms",
            "contact_points": [{"kind": "phone", "value": "070-123 45 67"}],
            "site": "goteborg",
        },
    )
    assert response.status_code == 201, response.json()
    created = Customer.objects.get(pk=response.json()["id"])
    assert created.organisation_id == goteborg.organisation_id
    assert created.contact_points.get().value == "+46701234567"
    assert Event.objects.filter(verb="customer.created", actor=outsider).exists()


def test_it_names_a_bad_phone_and_creates_nothing(api_as: TokenFactory, agent: User) -> None:
    response = api_as(agent).post(
        "/api/customers",
        {
            "display_name": "",
            "contact_points": [{"kind": "phone", "value": "12"}],
        },
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"display_name", "phone"}
    assert not Customer.objects.exists()


def test_it_adds_a_contact_point(api_as: TokenFactory, agent: User, customer: Customer) -> None:
    response = api_as(agent).post(
        f"/api/customers/{customer.pk}/contact-points",
        {"kind": "whatsapp", "value": "622 33 44 55"},
    )
    assert response.status_code == 201
    assert response.json()["value"] == "+34622334455"
    assert customer.contact_points.filter(kind="whatsapp", value="+34622334455").exists()


def test_it_names_a_bad_e_mail_address(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    response = api_as(agent).post(
        f"/api/customers/{customer.pk}/contact-points", {"kind": "email", "value": "not-an-address"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
    assert ContactPoint.objects.filter(customer=customer).count() == 2


def test_a_missing_customer_is_not_found(api_as: TokenFactory, agent: User) -> None:
    assert api_as(agent).get("/api/customers/999999").status_code == 404
