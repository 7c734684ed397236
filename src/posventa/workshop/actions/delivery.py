"""Delivery (DELIVERY-*): the car goes back explained, paid and picked up, with its service
record handed over and sent, and the next visit offered.

Refused until the quality check passed (the order's rules), until the work, the costs and
the inspection results were explained (DELIVERY-EXPLAIN), and without the payment, the
pick-up and the outcome of the next-visit offer (DELIVERY-NEXT). Delivery starts
FOLLOWUP-2D.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.clocks import actions as clocks
from posventa.core.events import record_event
from posventa.core.models import User
from posventa.customers.models import ContactKind, ContactPoint
from posventa.outbox import actions as outbox
from posventa.workshop.actions._common import refusable
from posventa.workshop.actions.orders import FOLLOWUP_2D, move
from posventa.workshop.delivery_document import render_delivery_pdf
from posventa.workshop.models import (
    Appointment,
    Delivery,
    NextVisitOutcome,
    PaymentMethod,
    PickUp,
    RepairOrder,
)
from posventa.workshop.order_states import OrderState
from posventa.workshop.records import service_transaction

EXPLAINED = ("work", "costs", "inspection")


def deliver(
    order: RepairOrder,
    *,
    actor: User,
    odometer_out: int,
    explained: Sequence[str],
    payment_method: str,
    pick_up: str,
    next_visit_outcome: str,
    next_visit_offer: str = "",
    next_appointment: Appointment | None = None,
    next_service: tuple[str, ...] = (),
    at: dt.datetime | None = None,
) -> Delivery:
    """Hand the car back; `next_service` is the advisor's lines for the record's "next
    service" section, `next_visit_offer` what the customer was offered."""
    at = at or timezone.now()
    _refuse_bad_delivery(
        order,
        odometer_out,
        explained,
        payment_method,
        pick_up,
        next_visit_outcome,
        next_appointment,
    )
    with refusable():  # the move is refused without a passed quality check
        move(order, OrderState.DELIVERED, actor=actor, at=at)
        order.odometer_out = odometer_out
        order.delivered_at = at
        order.save(update_fields=["odometer_out", "delivered_at", "updated_at"])
        delivery = Delivery.objects.create(
            order=order,
            delivered_by=actor,
            explained=sorted(set(explained)),
            payment_method=payment_method,
            pick_up=pick_up,
            next_visit_offer=next_visit_offer.strip()[:300],
            next_visit_outcome=next_visit_outcome,
            next_appointment=next_appointment,
        )
        delivery.record_sent_to = _send_record(order, next_service)
        delivery.save(update_fields=["record_sent_to"])
        record_event(
            "repair_order.delivered",
            subject=order,
            site=order.site,
            actor=actor,
            occurred_at=at,
            data={
                "odometer_out": odometer_out,
                "payment": payment_method,
                "pick_up": pick_up,
                "next_visit": next_visit_outcome,
                "record_sent_to": delivery.record_sent_to,
            },
            internal=False,
        )
        clocks.start_clock(
            FOLLOWUP_2D,
            subject=order,
            site=order.site,
            owner=order.advisor,
            started_at=at,
            label=order.reference,
            actor=actor,
        )
    return delivery


def _refuse_bad_delivery(
    order: RepairOrder,
    odometer_out: int,
    explained: Sequence[str],
    payment_method: str,
    pick_up: str,
    next_visit_outcome: str,
    next_appointment: Appointment | None,
) -> None:
    errors: dict[str, str] = {}
    if odometer_out < order.odometer_in:
        errors["odometer_out"] = _(
            "The odometer reads less than when the car came in (%(km)d km)."
        ) % {"km": order.odometer_in}
    missing = [item for item in EXPLAINED if item not in explained]
    if missing:
        errors["explained"] = _("Explain to the customer first: %(items)s.") % {
            "items": ", ".join(str(_EXPLAINED_LABELS[item]) for item in missing)
        }
    if payment_method not in PaymentMethod.values:
        errors["payment_method"] = _("Record how the customer paid.")
    if pick_up not in PickUp.values:
        errors["pick_up"] = _("Record how the car was picked up.")
    if next_visit_outcome not in NextVisitOutcome.values:
        errors["next_visit_outcome"] = _("Offer the next visit and record the answer.")
    if next_visit_outcome == NextVisitOutcome.BOOKED and next_appointment is None:
        errors["next_appointment"] = _("Book the next visit, or record another answer.")
    if errors:
        raise ValidationError(errors)


_EXPLAINED_LABELS = {
    "work": translation.gettext_lazy("the work done"),
    "costs": translation.gettext_lazy("the costs"),
    "inspection": translation.gettext_lazy("the inspection results"),
}


def _send_record(order: RepairOrder, next_service: tuple[str, ...]) -> str:
    """The service record, also sent by e-mail when the customer has an address: the
    address it went to, or "" (it was handed over only)."""
    address = (
        ContactPoint.objects.filter(customer=order.customer, kind=ContactKind.EMAIL)
        .order_by("-is_primary", "pk")
        .values_list("value", flat=True)
        .first()
    )
    if not address:
        return ""
    pdf = render_delivery_pdf(service_transaction(order, next_service=next_service))
    with translation.override(order.customer.language or None):
        subject = _("Your service record: %(reference)s") % {"reference": order.reference}
        body = _("Thank you for your visit. Your service record for %(vehicle)s is attached.") % {
            "vehicle": order.vehicle
        }
    outbox.send_to_customer(
        channel="email",
        to_address=address,
        subject=subject,
        body=body,
        site=order.site,
        related=order,
        automatic=True,
        dedupe_key=f"service-record:{order.pk}",
        attachments=[
            {
                "filename": f"{order.reference}.pdf",
                "content_type": "application/pdf",
                "content": base64.b64encode(pdf).decode(),
                "encoding": "base64",
            }
        ],
    )
    return address
