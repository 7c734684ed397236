"""Delivery: refused without the explanation, payment, pick-up and next-visit answer; the
ready message and the service record go to the customer; FOLLOWUP-2D starts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.outbox.models import Notification
from posventa.outbox.providers import attachment_bytes, build_email
from posventa.workshop.actions import delivery, orders
from posventa.workshop.models import NextVisitOutcome, PaymentMethod, PickUp, RepairOrder
from tests.workshop.orders.test_repair_orders import ready_for_check


@pytest.fixture
def checked(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> RepairOrder:
    order = ready_for_check(madrid, customer, vehicle, advisor, technicians[1])
    orders.record_quality_check(order, checked_by=technicians[0], passed=True)
    return order


def test_the_customer_hears_the_car_is_ready_by_the_preferred_method(checked: RepairOrder) -> None:
    ready = Notification.objects.get(subject__contains="is ready")
    assert ready.to_address == "carmen.ensayo@example.org" and checked.reference in ready.subject


def test_delivery_needs_the_explanation_the_payment_the_pick_up_and_the_next_visit(
    checked: RepairOrder, advisor: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        delivery.deliver(
            checked,
            actor=advisor,
            odometer_out=30_001,
            explained=["work"],
            payment_method="bitcoin",
            pick_up="",
            next_visit_outcome=NextVisitOutcome.BOOKED,
        )
    errors = refused.value.message_dict
    assert set(errors) == {"explained", "payment_method", "pick_up", "next_appointment"}
    assert (
        "the costs" in errors["explained"][0] and "the inspection results" in errors["explained"][0]
    )
    checked.refresh_from_db()
    assert checked.delivered_at is None


def test_the_service_record_is_handed_over_and_sent_as_a_pdf(
    checked: RepairOrder, advisor: User
) -> None:
    done = delivery.deliver(
        checked,
        actor=advisor,
        odometer_out=30_002,
        explained=delivery.EXPLAINED,
        payment_method=PaymentMethod.CARD,
        pick_up=PickUp.KEY_DROP,
        next_visit_outcome=NextVisitOutcome.DECLINED,
        next_visit_offer="Revisión de los 45.000 km",
    )
    assert done.record_sent_to == "carmen.ensayo@example.org" and done.pick_up == PickUp.KEY_DROP
    sent = Notification.objects.get(subject__contains="service record")
    [attachment] = sent.attachments
    assert attachment["filename"] == f"{checked.reference}.pdf"
    assert attachment_bytes(attachment).startswith(b"%PDF-")  # type: ignore[union-attr]
    [(_name, content, kind)] = build_email(sent).attachments  # type: ignore[misc]
    assert kind == "application/pdf" and content.startswith(b"%PDF-")
    follow_up = Clock.objects.get(standard_id="FOLLOWUP-2D", subject_id=str(checked.pk))
    assert follow_up.state == ClockState.RUNNING
