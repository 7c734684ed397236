"""Staff pages: scoped by the organisations of the sites a user may see; others get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.core.models import Organisation, Site, User
from posventa.customers import actions
from posventa.customers.models import Customer


@pytest.fixture
def lucia(group: Organisation, madrid: Site) -> Customer:
    customer = actions.create_customer(
        group,
        display_name="Lucía Inventada",
        contact_points=[("email", "lucia@example.es"), ("phone", "612345678")],
        site=madrid,
    )
    vehicle = actions.register_vehicle(
        group, vin="WVWZZZ1KZ8W123456", plate="1234 BCD", make="Seat", model="León", owner=customer
    )
    actions.record_odometer(vehicle, 42_195, source="write-up")
    actions.record_consent(customer, "sms", False, source="SMS STOP")
    return customer


@pytest.fixture
def twin(group: Organisation, madrid: Site) -> Customer:
    return actions.create_customer(
        group,
        display_name="L. Inventada",
        contact_points=[("email", "l.inventada@example.es")],
        site=madrid,
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_requires_login(client: Client, lucia: Customer) -> None:
    response = client.get(reverse("customers:detail", args=[lucia.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_list_searches_by_plate(agent: User, lucia: Customer, twin: Customer) -> None:
    response = logged_in(agent).get(reverse("customers:list"), {"q": "1234bcd"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [lucia]
    assert "Lucía Inventada" in response.content.decode()


def test_the_detail_shows_the_whole_story(agent: User, lucia: Customer) -> None:
    response = logged_in(agent).get(reverse("customers:detail", args=[lucia.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "lucia@example.es",
        "+34612345678",
        "WVWZZZ1KZ8W123456",
        "42195",
        "SMS STOP",
        "customer.created",
        "customer.consent_withdrawn",
    ):
        assert expected in page


def test_an_outsider_from_another_organisation_gets_404(
    foreign_agent: User, lucia: Customer, twin: Customer
) -> None:
    client = logged_in(foreign_agent)
    assert client.get(reverse("customers:detail", args=[lucia.pk])).status_code == 404
    merge_url = reverse("customers:merge", args=[lucia.pk])
    response = client.post(merge_url, {"duplicate": twin.pk, "confirm": "yes"})
    assert response.status_code == 404
    assert client.post(reverse("customers:reviewed", args=[lucia.pk])).status_code == 404
    listing = client.get(reverse("customers:list"), {"q": "Inventada"})
    assert not listing.context["page"].object_list
    twin.refresh_from_db()
    assert twin.merged_into is None


def test_staff_of_another_site_see_the_customer_when_the_group_shares_customers(
    outsider: User, lucia: Customer, group: Organisation
) -> None:
    # The group may choose that the same person visiting Madrid and writing to Göteborg
    # is one customer for both sites (customers.visibility).
    client = logged_in(outsider)
    assert client.get(reverse("customers:detail", args=[lucia.pk])).status_code == 404
    group.share_customers_across_sites = True
    group.save(update_fields=["share_customers_across_sites"])
    assert client.get(reverse("customers:detail", args=[lucia.pk])).status_code == 200


def test_a_user_without_any_role_sees_nothing(lucia: Customer) -> None:
    nobody = User.objects.create_user(username="nadie", password="test-password-123")
    client = logged_in(nobody)
    assert client.get(reverse("customers:detail", args=[lucia.pk])).status_code == 404
    assert not client.get(reverse("customers:list")).context["page"].object_list


def test_the_merge_form_finds_candidates_and_asks_for_confirmation(
    agent: User, lucia: Customer, twin: Customer
) -> None:
    client = logged_in(agent)
    detail = client.get(reverse("customers:detail", args=[lucia.pk]), {"merge_q": "l.inventada"})
    assert detail.context["merge_results"] == [twin]

    merge_url = reverse("customers:merge", args=[lucia.pk])
    confirm = client.get(merge_url, {"duplicate": twin.pk})
    assert confirm.status_code == 200
    assert "l.inventada@example.es" in confirm.content.decode()
    twin.refresh_from_db()
    assert twin.merged_into is None


def test_merging_without_ticking_the_confirmation_changes_nothing(
    agent: User, lucia: Customer, twin: Customer
) -> None:
    response = logged_in(agent).post(
        reverse("customers:merge", args=[lucia.pk]), {"duplicate": twin.pk}
    )
    assert response.status_code == 400
    twin.refresh_from_db()
    assert twin.merged_into is None


def test_a_confirmed_merge_moves_the_duplicate_into_this_customer(
    agent: User, lucia: Customer, twin: Customer
) -> None:
    response = logged_in(agent).post(
        reverse("customers:merge", args=[lucia.pk]), {"duplicate": twin.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[lucia.pk])
    twin.refresh_from_db()
    assert twin.merged_into == lucia
    assert lucia.contact_points.filter(value="l.inventada@example.es").exists()


def test_a_refused_merge_is_explained(agent: User, lucia: Customer) -> None:
    response = logged_in(agent).post(
        reverse("customers:merge", args=[lucia.pk]), {"duplicate": lucia.pk, "confirm": "yes"}
    )
    assert response.status_code == 400
    assert response.context["errors"]


def test_a_flagged_customer_shows_its_candidates_and_can_be_marked_reviewed(
    group_admin: User, group: Organisation, lucia: Customer
) -> None:
    actions.create_customer(group, display_name="Hermano", contact_points=[("phone", "612345678")])
    # Identified with no case yet: no site has dealt with it, so a group-wide role reviews it.
    flagged = actions.identify_customer(group, channel="sms", address="+34612345678").customer
    client = logged_in(group_admin)

    detail = client.get(reverse("customers:detail", args=[flagged.pk]))
    assert lucia in detail.context["review_candidates"]
    merge_link = f"{reverse('customers:merge', args=[lucia.pk])}?duplicate={flagged.pk}"
    assert merge_link in detail.content.decode()

    response = client.post(reverse("customers:reviewed", args=[flagged.pk]))
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert not flagged.needs_review
