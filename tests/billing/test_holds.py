"""Dispute holds: placed on an open case with who, when and why; lifted only by resolving
the case, with a reason in the event log."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.billing import actions
from posventa.billing.models import Hold, HoldScope, Invoice
from posventa.cases import actions as case_actions
from posventa.cases.models import Case, CaseStatus
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.billing.conftest import invoice


def test_a_hold_records_who_when_and_why_on_the_case(dispute: Case, agent: User) -> None:
    hold = actions.place_hold(dispute, actor=agent, reason="Terminales de promoción a coste 0")
    assert (hold.scope, hold.placed_by, hold.customer_id) == (
        HoldScope.ACCOUNT,
        agent,
        dispute.customer_id,
    )
    assert hold.placed_at is not None and hold.is_active
    event = timeline(dispute).get(verb="hold.placed")
    assert event.actor == agent and event.data["hold"] == hold.pk


def test_a_hold_on_invoices_covers_only_those(
    dispute: Case, agent: User, invoices: list[Invoice]
) -> None:
    hold = actions.place_hold(dispute, actor=agent, reason="Coste cero", invoices=invoices[:2])
    assert hold.scope == HoldScope.INVOICES
    check = actions.active_holds(
        customer_ids=[dispute.customer_id], invoice_numbers=["F-2026-0150"]
    )
    assert not check.held
    assert actions.active_holds(
        customer_ids=[dispute.customer_id], invoice_numbers=["F-2026-0101"]
    ).held
    # An action on the account as a whole is held by any hold on it.
    assert actions.active_holds(customer_ids=[dispute.customer_id]).held


def test_a_hold_needs_a_reason_an_open_case_and_the_customers_own_invoices(
    dispute: Case, agent: User, madrid: Site
) -> None:
    stranger = customer_actions.create_customer(madrid.organisation, display_name="Pau Roig")
    foreign = invoice(stranger, "F-X")
    with pytest.raises(ValidationError) as error:
        actions.place_hold(dispute, actor=agent, reason=" ", invoices=[foreign])
    assert set(error.value.message_dict) == {"reason", "invoices"}
    assert not Hold.objects.exists()


def test_resolving_the_dispute_lifts_its_holds_with_the_reason(dispute: Case, agent: User) -> None:
    hold = actions.place_hold(dispute, actor=agent, reason="Coste cero")
    answer = case_actions.reply(dispute, author=agent, body="Anulamos la deuda de los terminales.")
    actions.resolve_dispute(dispute, actor=agent, answer=answer, reason="Deuda anulada")
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason) == (agent, "Deuda anulada")
    assert dispute.status == CaseStatus.RESOLVED
    assert timeline(dispute).get(verb="hold.lifted").data["reason"] == "Deuda anulada"
    assert not actions.active_holds(customer_ids=[dispute.customer_id]).held


def test_resolving_the_case_from_the_case_page_lifts_the_holds_too(
    dispute: Case, agent: User
) -> None:
    hold = actions.place_hold(dispute, actor=agent, reason="Coste cero")
    answer = case_actions.reply(dispute, author=agent, body="Le devolvemos los terminales.")
    case_actions.resolve_case(dispute, actor=agent, answer=answer)
    hold.refresh_from_db()
    assert not hold.is_active
    assert "Le devolvemos los terminales." in hold.lift_reason


def test_a_dispute_resolved_without_a_reason_is_refused_and_keeps_its_hold(
    dispute: Case, agent: User
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Coste cero")
    answer = case_actions.reply(dispute, author=agent, body="Lo revisamos.")
    with pytest.raises(ValidationError) as error:
        actions.resolve_dispute(dispute, actor=agent, answer=answer, reason="")
    assert "reason" in error.value.message_dict
    assert actions.active_holds(customer_ids=[dispute.customer_id]).held


def test_an_unknown_customer_is_clear(customer: Customer) -> None:
    assert not actions.active_holds(customer_ids=[customer.pk + 1000]).held


def test_a_merged_customers_dispute_still_holds_the_survivor(
    dispute: Case, agent: User, madrid: Site, invoices: list[Invoice]
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Coste cero")
    survivor = customer_actions.create_customer(madrid.organisation, display_name="T. Ferrer")
    customer_actions.merge_customers(survivor, dispute.customer, actor=agent)
    assert actions.active_holds(customer_ids=[survivor.pk]).held
    assert Invoice.objects.filter(customer=survivor).count() == len(invoices)


def test_reopening_a_resolved_dispute_holds_collections_again(
    dispute: Case, agent: User, invoices: list[Invoice]
) -> None:
    first = actions.place_hold(dispute, actor=agent, reason="Coste cero", invoices=invoices[:2])
    answer = case_actions.reply(dispute, author=agent, body="Anulamos la deuda.")
    actions.resolve_dispute(dispute, actor=agent, answer=answer, reason="Deuda anulada")
    assert not actions.active_holds(customer_ids=[dispute.customer_id]).held

    # The customer writes back: the debt is still being claimed.
    case_actions.reopen_case(dispute, actor_label="customer", reason="Siguen reclamando")

    [restored] = Hold.objects.filter(case=dispute, lifted_at=None)
    assert restored.pk != first.pk and restored.reason == "Coste cero"
    assert set(restored.invoices.values_list("number", flat=True)) == {
        invoice.number for invoice in invoices[:2]
    }
    assert actions.active_holds(
        customer_ids=[dispute.customer_id], invoice_numbers=[invoices[0].number]
    ).held
    event = timeline(dispute).get(verb="hold.restored")
    assert event.data["restores"] == first.pk
    first.refresh_from_db()
    assert first.lift_reason == "Deuda anulada"  # the audit log keeps the lifted hold


def test_reopening_a_case_that_never_held_anything_places_no_hold(
    dispute: Case, agent: User
) -> None:
    answer = case_actions.reply(dispute, author=agent, body="Resuelto.")
    case_actions.resolve_case(dispute, actor=agent, answer=answer)
    case_actions.reopen_case(dispute, actor=agent)
    assert not Hold.objects.filter(case=dispute).exists()
