"""The signed link opens the customer's own cases only; a bad or old link gets a 403 page
that offers a new one."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.portal.conftest import (
    CARMEN,
    case_path,
    email_case,
    portal_path,
    token_issued_days_ago,
)


def test_the_link_lists_the_customers_cases_across_sites_and_nobody_elses(
    client: Client, carmen: Customer, carmen_case: Case, goteborg: Site, jonas_case: Case
) -> None:
    second = email_case(goteborg, f"Carmen Rius <{CARMEN}>", "Alquiler de coche")
    assert second.customer == carmen
    response = client.get(portal_path(carmen))
    assert response.status_code == 200
    page = response.content.decode()
    assert carmen_case.reference in page
    assert second.reference in page
    assert jonas_case.reference not in page
    assert "Ruido en la dirección" in page


def test_another_customers_case_reference_is_not_found(
    client: Client, carmen: Customer, jonas_case: Case
) -> None:
    response = client.get(case_path(carmen, jonas_case))
    assert response.status_code == 404
    assert jonas_case.subject.encode() not in response.content


def test_an_unknown_reference_is_not_found_either(client: Client, carmen: Customer) -> None:
    assert client.get(f"{portal_path(carmen)}cases/MAD-2020-99999/").status_code == 404


def test_an_expired_link_gets_403_and_a_way_to_ask_for_a_new_one(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    token = token_issued_days_ago(carmen, 31)
    for path in (f"/portal/{token}/", f"/portal/{token}/cases/{carmen_case.reference}/"):
        response = client.get(path)
        assert response.status_code == 403
        page = response.content.decode()
        assert "This link no longer works" in page
        assert 'action="/portal/new-link/"' in page
        assert carmen_case.reference not in page


def test_a_link_works_for_thirty_days_by_default(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    token = token_issued_days_ago(carmen, 29)
    assert client.get(f"/portal/{token}/").status_code == 200


def test_the_lifetime_of_a_link_is_a_setting(
    client: Client, settings: SettingsWrapper, carmen: Customer, carmen_case: Case
) -> None:
    settings.POSVENTA_PORTAL_LINK_MAX_AGE = 3600
    assert client.get(f"/portal/{token_issued_days_ago(carmen, 0.1)}/").status_code == 403
    assert client.get(f"/portal/{token_issued_days_ago(carmen, 0.01)}/").status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "9999" + token[token.index(":") :],  # another customer's id
        lambda token: "not-a-token",
    ],
    ids=["signature", "customer-id", "garbage"],
)
def test_a_tampered_link_gets_403(
    client: Client, carmen: Customer, carmen_case: Case, tamper: object
) -> None:
    token = tamper(portal_path(carmen).split("/")[2])  # type: ignore[operator]
    response = client.get(f"/portal/{token}/cases/{carmen_case.reference}/")
    assert response.status_code == 403
    assert "Ruido" not in response.content.decode()


def test_portal_pages_are_private(client: Client, carmen: Customer, carmen_case: Case) -> None:
    for path in (portal_path(carmen), case_path(carmen, carmen_case), "/portal/bad/"):
        response = client.get(path)
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]


def test_a_link_sent_before_a_merge_opens_the_surviving_record(
    client: Client, carmen: Customer, carmen_case: Case, madrid: Site, manager: User
) -> None:
    survivor = customer_actions.create_customer(madrid.organisation, display_name="Carmen R.")
    old_path = case_path(carmen, carmen_case)
    customer_actions.merge_customers(survivor, carmen, actor=manager)
    assert client.get(old_path).status_code == 200
    assert carmen_case.reference in client.get(portal_path(survivor)).content.decode()
