"""The staff page per vehicle: who may open it, what it shows, and the forms that record
maintenance and the vehicle's fuel (bad input comes back with the field named and what was
typed kept)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posventa.advisor import actions
from posventa.advisor.models import ServiceRecord
from posventa.core import actions as core_actions
from posventa.core.models import Role, User
from posventa.customers.models import Customer, Vehicle
from tests.conftest import make_user

PAGES = ["advisor:vehicle", "advisor:record_service", "advisor:describe"]


@pytest.mark.parametrize("name", PAGES)
def test_an_outsider_gets_404(client: Client, car: Vehicle, outsider: User, name: str) -> None:
    client.force_login(outsider)
    url = reverse(name, args=[car.pk])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login(client: Client, car: Vehicle, name: str) -> None:
    response = client.get(reverse(name, args=[car.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_says_what_is_due_and_what_to_book(
    client: Client, car: Vehicle, agent: User
) -> None:
    client.force_login(agent)
    response = client.get(reverse("advisor:vehicle", args=[car.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-item="brake-fluid" data-status="due"' in page
    assert 'data-appointment-type="inspection-30k"' in page
    assert 'data-appointment-type="brake-fluid"' in page
    assert "Brake fluid: every 2 years whatever the distance; last done: never; due now" in page


def test_severe_service_and_a_distance_given_change_the_answer(
    client: Client, car: Vehicle, agent: User
) -> None:
    client.force_login(agent)
    response = client.get(
        reverse("advisor:vehicle", args=[car.pk]), {"km": "31.000 km", "severe": "on"}
    )
    page = response.content.decode()
    assert "(severe service)" in page and "31,000 km" in page


def test_the_customer_page_links_each_vehicle_to_its_advice(
    client: Client, car: Vehicle, owner: Customer, agent: User
) -> None:
    client.force_login(agent)
    page = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert reverse("advisor:vehicle", args=[car.pk]) in page


def test_staff_record_maintenance_from_the_page(client: Client, car: Vehicle, agent: User) -> None:
    client.force_login(agent)
    response = client.post(
        reverse("advisor:record_service", args=[car.pk]),
        {"done_on": timezone.localdate().isoformat(), "km": "30 200", "items": ["brake-fluid"]},
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get(vehicle=car, items=["brake-fluid"])
    assert record.km == 30_200 and record.recorded_by == agent
    page = client.get(reverse("advisor:vehicle", args=[car.pk])).content.decode()
    assert 'data-item="brake-fluid" data-status="later"' in page


def test_a_lower_distance_is_refused_on_the_field_keeping_what_was_typed(
    client: Client, car: Vehicle, agent: User
) -> None:
    client.force_login(agent)
    response = client.post(
        reverse("advisor:record_service", args=[car.pk]),
        {
            "done_on": timezone.localdate().isoformat(),
            "km": "3005",
            "items": ["brake-fluid"],
            "note": "Cliente pidió cambio",
        },
    )
    assert response.status_code == 400
    form = response.context["service_form"]
    assert "km" in form.errors and "lower than the previous reading" in form.errors["km"][0]
    page = response.content.decode()
    assert 'value="3005"' in page and "Cliente pidió cambio" in page
    assert not ServiceRecord.objects.filter(vehicle=car, items=["brake-fluid"]).exists()


def test_a_distance_that_is_not_a_number_is_refused_on_the_field(
    client: Client, car: Vehicle, agent: User
) -> None:
    client.force_login(agent)
    response = client.post(
        reverse("advisor:record_service", args=[car.pk]),
        {
            "done_on": timezone.localdate().isoformat(),
            "km": "about thirty",
            "items": ["brake-fluid"],
        },
    )
    assert response.status_code == 400
    assert "km" in response.context["service_form"].errors


def test_the_fuel_is_recorded_from_the_page_and_a_bad_year_refused(
    client: Client, car: Vehicle, agent: User
) -> None:
    client.force_login(agent)
    url = reverse("advisor:describe", args=[car.pk])
    assert client.post(url, {"fuel": "electric", "model_year": "2024"}).status_code == 302
    car.refresh_from_db()
    assert car.fuel == "electric"
    refused = client.post(url, {"fuel": "diesel", "model_year": "1700"})
    assert refused.status_code == 400
    assert "model_year" in refused.context["describe_form"].errors
    car.refresh_from_db()
    assert car.fuel == "electric"


def test_the_page_speaks_the_readers_language(client: Client, car: Vehicle) -> None:
    """A Swedish colleague with a group-wide role reads the advice in Swedish."""
    swede = make_user("sv-manager", language="sv")
    core_actions.grant_role(swede, car.organisation, Role.SERVICE_MANAGER)
    client.force_login(swede)
    page = client.get(reverse("advisor:vehicle", args=[car.pk])).content.decode()
    assert "Vad behöver bilen?" in page
    assert "Bromsvätska: intervall 2 år oavsett körsträcka; senast gjort: aldrig; dags nu" in page
    assert "30\xa0000 km-inspektion" in page


def test_the_page_costs_the_same_queries_with_more_history(
    client: Client, car: Vehicle, agent: User, django_assert_max_num_queries: Any
) -> None:
    client.force_login(agent)
    url = reverse("advisor:vehicle", args=[car.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    day = timezone.localdate()
    for days in range(10, 40, 3):
        actions.record_service(car, done_on=day - dt.timedelta(days=days), items=["coolant"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
