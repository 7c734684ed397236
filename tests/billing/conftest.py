"""Billing fixtures: a customer of the Madrid site with invoices, and the billing dispute
(a case) that can hold them. Everything is made through the actions. Names, numbers and
accounts are invented."""

from __future__ import annotations

import datetime as dt

import pytest

from posventa.billing import actions
from posventa.billing.models import Invoice, InvoiceSource
from posventa.cases import actions as case_actions
from posventa.cases.models import Case, Department
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.api.conftest import ApiClient, TokenFactory, api_as, media_root  # noqa: F401

__all__ = ["ApiClient", "TokenFactory"]


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Tomás Ferrer",
        contact_points=[("email", "tomas.ferrer@example.org")],
        site=madrid,
    )


def invoice(customer: Customer, number: str, amount: str = "0.00", account: str = "") -> Invoice:
    fields = actions.clean_invoice_fields(
        number=number,
        issued_on=dt.date(2026, 10, 1),
        amount=amount,
        currency="EUR",
        account=account,
    )
    return actions.record_invoice(customer, fields, source=InvoiceSource.STAFF, actor=None)[0]


@pytest.fixture
def invoices(customer: Customer) -> list[Invoice]:
    """Two zero-cost phone invoices (the promotion) and one ordinary bill, on one account."""
    return [
        invoice(customer, "F-2026-0101", "0.00", account="ACC-5001"),
        invoice(customer, "F-2026-0102", "0.00", account="ACC-5001"),
        invoice(customer, "F-2026-0150", "39.90", account="ACC-5001"),
    ]


@pytest.fixture
def dispute(madrid: Site, customer: Customer, agent: User) -> Case:
    return case_actions.open_case(
        site=madrid,
        customer=customer,
        channel="email",
        subject="Cobro de terminales gratuitos",
        department=Department.BILLING,
        requested_reply_channel="email",
        owner=agent,
        actor=agent,
    )
