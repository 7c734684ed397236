"""Invoices on the customer: entered by staff (the action), through the API, resent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from posventa.billing import actions
from posventa.billing.models import Invoice, InvoiceSource
from posventa.core.models import Event, Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.billing.conftest import TokenFactory, invoice


def test_an_invoice_is_recorded_on_the_customer_with_an_event(customer: Customer) -> None:
    recorded = invoice(customer, "F-1", "12,50")
    assert (recorded.number, recorded.amount, recorded.currency) == ("F-1", Decimal("12.50"), "EUR")
    assert recorded.customer == customer
    assert Event.objects.filter(verb="invoice.recorded", subject_id=str(customer.pk)).exists()


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        actions.clean_invoice_fields(
            number=" ", issued_on="31/12/2026", amount="twelve", currency="euro", status="lost"
        )
    assert set(error.value.message_dict) == {"number", "date", "amount", "currency", "status"}


def test_a_resent_invoice_updates_its_status_instead_of_doubling(customer: Customer) -> None:
    invoice(customer, "F-2", "10")
    fields = actions.clean_invoice_fields(
        number="F-2", issued_on=dt.date(2026, 10, 1), amount="10", currency="eur", status="paid"
    )
    again, created = actions.record_invoice(customer, fields, source=InvoiceSource.API, actor=None)
    assert not created and again.status == "paid"
    assert Invoice.objects.filter(number="F-2").count() == 1


def test_a_number_of_another_customer_is_refused(customer: Customer, madrid: Site) -> None:
    other = customer_actions.create_customer(madrid.organisation, display_name="Lucía Prat")
    invoice(customer, "F-3")
    fields = actions.clean_invoice_fields(
        number="F-3", issued_on="2026-10-02", amount="1", currency="EUR"
    )
    with pytest.raises(ValidationError) as error:
        actions.record_invoice(other, fields, source=InvoiceSource.STAFF, actor=None)
    assert "number" in error.value.message_dict


def test_the_api_records_and_lists_invoices(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    client = api_as(agent)
    body = {
        "customer": customer.pk,
        "number": "F-9",
        "date": "2026-11-02",
        "amount": "0",
        "currency": "EUR",
        "account": "ACC-1",
    }
    response = client.post("/api/billing/invoices", body)
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "0.00"
    assert client.post("/api/billing/invoices", body).status_code == 200
    listed = client.get("/api/billing/invoices", customer=customer.pk).json()
    assert [(row["number"], row["held"]) for row in listed] == [("F-9", False)]


def test_the_api_names_the_bad_field(api_as: TokenFactory, agent: User, customer: Customer) -> None:
    response = api_as(agent).post(
        "/api/billing/invoices",
        {
            "customer": customer.pk,
            "number": "F-9",
            "date": "2026-11-02",
            "amount": "x",
            "currency": "EUR",
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["amount"]


def test_an_outsider_cannot_put_invoices_on_our_customer(
    api_as: TokenFactory, outsider: User, customer: Customer
) -> None:
    response = api_as(outsider).post(
        "/api/billing/invoices",
        {
            "customer": customer.pk,
            "number": "F-9",
            "date": "2026-11-02",
            "amount": "1",
            "currency": "EUR",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"
