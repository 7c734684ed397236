"""Collection actions on a held account: refused with 409 naming the hold, on the case
timeline, the owner told; allowed when nothing holds the account."""

from __future__ import annotations

import pytest

from posventa.billing import actions
from posventa.billing.models import CollectionAttempt, Invoice
from posventa.cases.models import Case
from posventa.core.events import timeline
from posventa.core.models import User
from posventa.customers.models import Customer
from posventa.outbox.models import Notification
from tests.billing.conftest import TokenFactory


@pytest.mark.parametrize("kind", ["collection", "cut_off", "dunning_letter", "legal_referral"])
def test_every_collection_action_on_a_held_account_is_refused_with_409(
    api_as: TokenFactory, agent: User, manager: User, dispute: Case, kind: str
) -> None:
    hold = actions.place_hold(dispute, actor=agent, reason="Terminales a coste cero")
    response = api_as(manager).post(
        "/api/billing/collection-actions",
        {"kind": kind, "customer": dispute.customer_id, "system": "Cobranzas"},
    )
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["errors"][0]["field"] == "hold"
    assert dispute.reference in body["errors"][0]["message"]
    assert body["holds"][0]["id"] == hold.pk
    attempt = CollectionAttempt.objects.get()
    assert attempt.refused and attempt.hold == hold and attempt.kind == kind
    event = timeline(dispute).get(verb="collection.refused")
    assert event.data["kind"] == kind and event.actor == manager
    told = Notification.objects.get(recipient=agent)
    assert dispute.reference in told.subject


def test_an_action_on_an_invoice_nobody_disputes_goes_through(
    api_as: TokenFactory, agent: User, dispute: Case, invoices: list[Invoice]
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Coste cero", invoices=invoices[:2])
    client = api_as(agent)
    allowed = client.post(
        "/api/billing/collection-actions",
        {"kind": "dunning_letter", "account": "ACC-5001", "invoices": ["F-2026-0150"]},
    )
    assert allowed.status_code == 201, allowed.json()
    assert allowed.json()["refused"] is False
    refused = client.post(
        "/api/billing/collection-actions",
        {"kind": "dunning_letter", "account": "ACC-5001", "invoices": ["F-2026-0101"]},
    )
    assert refused.status_code == 409


def test_a_clear_account_records_the_action(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    response = api_as(agent).post(
        "/api/billing/collection-actions", {"kind": "cut_off", "customer": customer.pk}
    )
    assert response.status_code == 201
    assert not CollectionAttempt.objects.get().refused


def test_bad_requests_name_the_field(api_as: TokenFactory, agent: User, customer: Customer) -> None:
    client = api_as(agent)
    unknown_kind = client.post(
        "/api/billing/collection-actions", {"kind": "threaten", "customer": customer.pk}
    )
    assert unknown_kind.status_code == 422
    assert unknown_kind.json()["errors"][0]["field"] == "kind"
    nobody = client.post("/api/billing/collection-actions", {"kind": "cut_off"})
    assert nobody.json()["errors"][0]["field"] == "customer"
    no_invoice = client.post(
        "/api/billing/collection-actions",
        {"kind": "cut_off", "customer": customer.pk, "invoices": ["F-0"]},
    )
    assert no_invoice.json()["errors"][0]["field"] == "invoices"
