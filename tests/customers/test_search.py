"""Staff find a customer by name, e-mail, phone (as typed), number plate or VIN."""

from __future__ import annotations

import pytest

from posventa.core.access import visible_sites
from posventa.core.models import Organisation, Site, User
from posventa.customers import actions
from posventa.customers.matching import search_customers
from posventa.customers.models import Customer

VIN = "WVWZZZ1KZ8W123456"


@pytest.fixture
def lucia(group: Organisation, madrid: Site) -> Customer:
    customer = actions.create_customer(
        group,
        display_name="Lucía Fernández Inventada",
        contact_points=[("email", "lucia.f@example.es"), ("phone", "+34612345678")],
    )
    actions.register_vehicle(group, vin=VIN, plate="1234 BCD", owner=customer)
    return customer


@pytest.fixture
def nils(group: Organisation, goteborg: Site) -> Customer:
    return actions.create_customer(
        group,
        display_name="Nils Påhittad",
        contact_points=[("phone", "070-123 45 67", "SE")],
    )


@pytest.mark.parametrize(
    "query",
    [
        "fernández",
        "LUCÍA",
        "lucia.f@example.es",
        "Lucia.F@",
        "612 34 56 78",
        "+34 612 345 678",
        "0034612345678",
        "612345678",
        "1234bcd",
        "1234-BCD",
        VIN,
        VIN.lower(),
        VIN[-8:],
    ],
)
def test_it_finds_the_customer_by_each_key(
    group: Organisation, lucia: Customer, nils: Customer, query: str
) -> None:
    assert list(search_customers(group, query)) == [lucia]


def test_a_swedish_national_number_is_read_with_the_swedish_site(
    group: Organisation, madrid: Site, lucia: Customer, nils: Customer
) -> None:
    assert list(search_customers(group, "070-123 45 67")) == [nils]


def test_an_empty_query_lists_every_unmerged_customer(
    group: Organisation, lucia: Customer, nils: Customer, agent: User
) -> None:
    assert set(search_customers(group, "")) == {lucia, nils}
    actions.merge_customers(lucia, nils, actor=agent)
    assert list(search_customers(group, "")) == [lucia]


def test_a_match_on_a_merged_customer_finds_the_survivor(
    group: Organisation, lucia: Customer, nils: Customer, agent: User
) -> None:
    actions.merge_customers(lucia, nils, actor=agent)
    assert list(search_customers(group, "Påhittad")) == [lucia]


def test_search_stays_inside_the_given_organisations(
    group: Organisation, other_group: Organisation, lucia: Customer, santiago: Site
) -> None:
    actions.create_customer(other_group, display_name="Lucía Ajena")
    assert list(search_customers(group, "Lucía")) == [lucia]
    assert list(search_customers([group.pk], "Lucía")) == [lucia]


def test_search_accepts_the_sites_a_user_may_see(
    agent: User, lucia: Customer, other_group: Organisation, santiago: Site
) -> None:
    actions.create_customer(other_group, display_name="Lucía Ajena")
    assert list(search_customers(visible_sites(agent), "lucía")) == [lucia]


def test_it_finds_nothing_for_an_unknown_key(group: Organisation, lucia: Customer) -> None:
    assert not search_customers(group, "9999 ZZZ").exists()
    assert not search_customers(group, "+46 8 123 456 78").exists()
