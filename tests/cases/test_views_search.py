"""Global search: a reference, a name, a phone number, an e-mail, a plate or a VIN."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases import actions
from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, Vehicle


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Rocío Ibáñez",
        contact_points=[("email", "rocio.ibanez@example.org"), ("phone", "612 34 56 78")],
    )


@pytest.fixture
def vehicle(madrid: Site, customer: Customer) -> Vehicle:
    return customer_actions.register_vehicle(
        madrid.organisation,
        vin="VF1RFB00X57123456",
        plate="1234-BCD",
        make="Renault",
        model="Clio",
        owner=customer,
    )


@pytest.fixture
def case(madrid: Site, customer: Customer, vehicle: Vehicle) -> Case:
    return actions.open_case(
        site=madrid,
        customer=customer,
        channel="email",
        subject="Ruido al frenar",
        vehicle=vehicle,
    )


def search(client: Client, user: User, query: str, **extra: str):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(reverse("cases:search"), {"q": query, **extra})


def found(response) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    results = response.context["results"]
    return (
        [case.reference for case in results.cases],
        [customer.display_name for customer in results.customers],
    )


@pytest.mark.parametrize(
    "query",
    [
        "1234 bcd",  # plate as typed, any spacing or case
        "1234BCD",
        "57123456",  # the VIN's last characters, read off the windscreen
        "612345678",  # phone, national
        "+34 612 34 56 78",  # phone, international
        "rocio.ibanez@example",  # e-mail fragment
        "rocio ibanez",  # name without accents
    ],
)
def test_it_finds_the_case_and_the_customer(
    client: Client, agent: User, case: Case, query: str
) -> None:
    cases, customers = found(search(client, agent, query))

    assert cases == [case.reference]
    assert customers == ["Rocío Ibáñez"]


def test_it_finds_a_case_by_reference_and_jumps_to_it_from_the_search_box(
    client: Client, agent: User, case: Case
) -> None:
    response = search(client, agent, case.reference.lower())
    assert found(response)[0] == [case.reference]

    jump = search(client, agent, case.reference, go="1")
    assert jump.status_code == 302
    assert jump["Location"] == reverse("cases:detail", args=[case.reference])


def test_a_case_keeps_its_vehicle_after_the_vehicle_changes_hands(
    client: Client, agent: User, case: Case, vehicle: Vehicle, madrid: Site
) -> None:
    buyer = customer_actions.create_customer(
        madrid.organisation, display_name="Nuevo Dueño", site=madrid
    )
    customer_actions.transfer_vehicle(vehicle, buyer, actor=agent)

    cases, customers = found(search(client, agent, "1234BCD"))

    assert cases == [case.reference]
    assert customers == ["Nuevo Dueño"]


def test_an_outsider_finds_nothing_of_another_site(
    client: Client, outsider: User, case: Case
) -> None:
    response = search(client, outsider, case.reference, go="1")

    assert response.status_code == 200
    assert found(response)[0] == []
    assert "Ruido al frenar" not in response.content.decode()


def test_it_says_when_nothing_matches_and_when_the_query_is_too_short(
    client: Client, agent: User, case: Case
) -> None:
    nothing = search(client, agent, "zzzz-nadie")
    short = search(client, agent, "r")

    assert "Nothing matches" in nothing.content.decode()
    assert "Type at least two characters." in short.content.decode()
    assert found(short) == ([], [])


def test_the_queue_and_case_pages_carry_a_search_box(
    client: Client, agent: User, case: Case
) -> None:
    client.force_login(agent)
    for page in (reverse("cases:my"), reverse("cases:detail", args=[case.reference])):
        html = client.get(page).content.decode()
        assert f'action="{reverse("cases:search")}"' in html
        assert 'role="search"' in html
