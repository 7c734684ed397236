"""A site's staff see the customers who dealt with one of their sites, on every surface:
list, detail, merge, review, portal sign-out, the workspace search, the API and the letter
form's customer number. Group-wide roles see the whole group, and so does everyone when the
group shares customers across sites. Outsiders get 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posventa.api.actions import create_api_token
from posventa.core.models import Organisation, Site, User
from posventa.customers import actions
from posventa.customers.models import Customer, Vehicle
from posventa.customers.visibility import visible_customers, visible_vehicles
from tests.api.conftest import ApiClient, case_by_email

SVEN = "sven.ek@example.se"


@pytest.fixture
def sven(goteborg: Site) -> Customer:
    """Only ever dealt with Göteborg: his e-mail opened a case there."""
    return case_by_email(goteborg, f"Sven Ek <{SVEN}>", "Vinterdäck").customer


@pytest.fixture
def svens_car(sven: Customer) -> Vehicle:
    return actions.register_vehicle(sven.organisation, vin="YV1DZ8256C2271234", owner=sven)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_rule_sees_customers_of_the_users_sites_only(
    agent: User, outsider: User, group_admin: User, sven: Customer, svens_car: Vehicle
) -> None:
    assert sven not in visible_customers(agent)
    assert sven in visible_customers(outsider)
    assert sven in visible_customers(group_admin)
    assert svens_car not in visible_vehicles(agent)
    assert svens_car in visible_vehicles(outsider)


def test_a_case_at_a_site_makes_the_customer_that_sites_business(
    agent: User, sven: Customer, madrid: Site
) -> None:
    case_by_email(madrid, f"Sven Ek <{SVEN}>", "Ruido en Madrid")
    assert sven in visible_customers(agent)


def test_a_customer_created_at_a_site_is_seen_there_before_any_case(
    agent: User, outsider: User, group: Organisation, madrid: Site
) -> None:
    created = actions.create_customer(group, display_name="Rocío Nueva", site=madrid)
    assert created in visible_customers(agent)
    assert created not in visible_customers(outsider)


def test_a_group_that_shares_customers_shows_them_at_every_site(
    agent: User, group: Organisation, sven: Customer, svens_car: Vehicle
) -> None:
    group.share_customers_across_sites = True
    group.save(update_fields=["share_customers_across_sites"])
    assert sven in visible_customers(agent)
    assert svens_car in visible_vehicles(agent)


def test_the_sharing_setting_is_off_by_default_and_in_the_admin(group: Organisation) -> None:
    assert not group.share_customers_across_sites
    superuser = User.objects.create_superuser("root", "root@example.com", "test-password-123")
    page = logged_in(superuser).get(reverse("admin:core_organisation_change", args=[group.pk]))
    assert "share_customers_across_sites" in page.content.decode()


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "customers:detail", {}),
        ("get", "customers:merge", {"duplicate": "self"}),
        ("post", "customers:merge", {"duplicate": "self", "confirm": "yes"}),
        ("post", "customers:reviewed", {}),
        ("post", "customers:revoke_portal_links", {}),
    ],
)
def test_staff_of_another_site_get_404_on_every_customer_page(
    agent: User, sven: Customer, method: str, name: str, data: dict[str, str]
) -> None:
    values = {key: str(sven.pk) if value == "self" else value for key, value in data.items()}
    response = getattr(logged_in(agent), method)(reverse(name, args=[sven.pk]), values)
    assert response.status_code == 404


def test_the_customer_list_and_merge_search_leave_them_out(
    agent: User, outsider: User, sven: Customer, group: Organisation, madrid: Site
) -> None:
    listing = logged_in(agent).get(reverse("customers:list"), {"q": "Sven"})
    assert list(listing.context["page"].object_list) == []
    assert list(logged_in(outsider).get(reverse("customers:list")).context["page"]) == [sven]
    mine = actions.create_customer(group, display_name="Sven Madrileño", site=madrid)
    url = reverse("customers:detail", args=[mine.pk])
    detail = logged_in(agent).get(url, {"merge_q": "Sven"})
    assert detail.context["merge_results"] == []


def test_the_workspace_search_leaves_them_out(agent: User, outsider: User, sven: Customer) -> None:
    hidden = logged_in(agent).get(reverse("cases:search"), {"q": "Sven Ek"})
    assert hidden.context["results"].customers == []
    seen = logged_in(outsider).get(reverse("cases:search"), {"q": "Sven Ek"})
    assert seen.context["results"].customers == [sven]


def api(user: User, sites: list[Site] | None = None) -> ApiClient:
    return ApiClient(create_api_token(user, "visibility", sites=sites or ()).plaintext)


def test_the_api_leaves_them_out(
    agent: User, outsider: User, sven: Customer, svens_car: Vehicle
) -> None:
    client = api(agent)
    assert client.get(f"/api/customers/{sven.pk}").status_code == 404
    assert client.get(f"/api/customers/{sven.pk}/vehicles").status_code == 404
    assert client.get(f"/api/vehicles/{svens_car.pk}").status_code == 404
    point = {"kind": "email", "value": "x@example.se"}
    added = client.post(f"/api/customers/{sven.pk}/contact-points", point)
    assert added.status_code == 404
    assert client.get("/api/customers", q="Sven").json()["items"] == []
    odometer = client.post(f"/api/vehicles/{svens_car.pk}/odometer", {"km": 10})
    assert odometer.status_code == 404
    assert api(outsider).get(f"/api/customers/{sven.pk}").status_code == 200


def test_a_group_token_narrowed_to_a_site_sees_as_that_sites_staff(
    group_admin: User, madrid: Site, sven: Customer
) -> None:
    assert api(group_admin).get(f"/api/customers/{sven.pk}").status_code == 200
    assert api(group_admin, [madrid]).get(f"/api/customers/{sven.pk}").status_code == 404


def test_a_case_cannot_be_opened_through_the_api_for_a_hidden_customer(
    agent: User, sven: Customer
) -> None:
    response = api(agent).post(
        "/api/cases",
        {"site": "madrid", "customer": sven.pk, "subject": "Hola", "channel": "phone"},
    )
    assert response.status_code in {400, 422}
    assert response.json()["errors"][0]["field"] == "customer"


def test_the_letter_form_treats_a_hidden_customer_number_as_unknown(
    agent: User, sven: Customer
) -> None:
    response = logged_in(agent).post(
        "/in/letter/madrid/",
        {
            "customer": str(sven.pk),
            "department": "service",
            "preferred_channel": "letter",
            "text": "Carta",
            "received_on": "2025-01-02",
            "submission_id": "5f0c9a6e-7a1b-4d5e-9c3f-0a1b2c3d4e5f",
        },
    )
    assert response.status_code == 400
    assert "There is no customer with this number in your group." in response.content.decode()


def test_the_list_costs_the_same_queries_for_3_and_30_customers(
    agent: User, group: Organisation, madrid: Site
) -> None:
    def make(count: int, start: int) -> None:
        for number in range(start, start + count):
            actions.create_customer(group, display_name=f"Cliente {number:03}", site=madrid)

    client = logged_in(agent)
    make(3, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("customers:list"))
    make(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("customers:list"))
    assert len(response.context["page"].object_list) == 30
    assert len(many.captured_queries) == len(few.captured_queries)
