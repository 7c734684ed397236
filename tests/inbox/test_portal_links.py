"""Signed portal links: the customer's own page, unforgeable, expiring, merge-proof."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import signing
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core.models import Site, User
from posventa.customers.actions import create_customer, merge_customers
from posventa.customers.models import Customer
from posventa.portal.links import customer_from_token, portal_token, portal_url


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return create_customer(
        madrid.organisation,
        display_name="Nuria Sanz",
        contact_points=[("email", "nuria.sanz@example.org")],
    )


def test_a_link_opens_its_customer(customer: Customer, settings: SettingsWrapper) -> None:
    settings.SITE_URL = "https://posventa.example"
    url = portal_url(customer)
    assert url.startswith("https://posventa.example/portal/") and url.endswith("/")
    token = url.removeprefix("https://posventa.example/portal/").rstrip("/")
    assert customer_from_token(token) == customer


def test_a_tampered_link_opens_nothing(customer: Customer) -> None:
    token = portal_token(customer)
    other_id = str(customer.pk + 1)
    forged = other_id + token[len(str(customer.pk)) :]
    assert customer_from_token(forged) is None
    assert customer_from_token("garbage") is None
    assert customer_from_token("") is None


def test_a_token_signed_for_another_purpose_opens_nothing(customer: Customer) -> None:
    other_purpose = signing.TimestampSigner(salt="something-else").sign(str(customer.pk))
    assert customer_from_token(other_purpose) is None


def test_an_old_link_expires(customer: Customer, monkeypatch: pytest.MonkeyPatch) -> None:
    hundred_days_ago = time.time() - 100 * 86400
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(hundred_days_ago))
    )
    old = portal_token(customer)
    monkeypatch.undo()
    assert customer_from_token(old) is None  # default 90 days
    assert customer_from_token(old, max_age=dt.timedelta(days=120)) == customer


def test_a_link_to_a_merged_customer_opens_the_survivor(
    madrid: Site, customer: Customer, manager: User
) -> None:
    duplicate = create_customer(
        madrid.organisation, display_name="N. Sanz", contact_points=[("email", "nsanz@example.org")]
    )
    token = portal_token(duplicate)
    merge_customers(customer, duplicate, actor=manager)
    assert customer_from_token(token) == customer
