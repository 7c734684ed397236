"""The waiting list (FOLLOWUP-REBOOK): a freed time is offered to waiting requests.

When an appointment is cancelled or moved away (`signals.slot_freed`), the time is offered,
once the change has committed, to the POSVENTA_WAITING_LIST_OFFERS oldest open requests of
the site that are waiting and whose wish fits it (the same services, or no stated services),
each by their preferred channel with a link. The first to open their link books the time if
it is still free (`accept_offer`); the others find it taken and keep their place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.workshop import messages
from posventa.workshop.actions import appointments
from posventa.workshop.actions._common import Contact, atomic, refusable
from posventa.workshop.models import (
    Appointment,
    BookedVia,
    BookingRequest,
    RequestStatus,
    SlotOffer,
)
from posventa.workshop.signals import slot_freed

OFFER_LIFETIME = dt.timedelta(hours=24)


@receiver(slot_freed, dispatch_uid="posventa.workshop.offer_freed_slot")
def _on_slot_freed(
    sender: Any, appointment: Appointment, starts_at: dt.datetime, **kwargs: Any
) -> None:
    codes = [row.code for row in appointment.types.all()]
    site_id = appointment.site_id
    # After commit: the time is only free once the cancellation is.
    transaction.on_commit(lambda: offer_freed_slot(site_id, starts_at, codes))


def waiting_for(site_id: int, codes: list[str]) -> list[BookingRequest]:
    """The oldest open, waiting requests at the site whose wish this time can serve."""
    rows = BookingRequest.objects.filter(
        site_id=site_id, status=RequestStatus.OPEN, waiting=True
    ).select_related("site")
    wanted = set(codes)
    fitting = [
        row for row in rows.order_by("created_at", "pk")[:200] if set(row.type_codes) <= wanted
    ]
    return fitting[: getattr(settings, "POSVENTA_WAITING_LIST_OFFERS", 3)]


def offer_freed_slot(site_id: int, starts_at: dt.datetime, codes: list[str]) -> list[SlotOffer]:
    now = timezone.now()
    if starts_at <= now:
        return []
    offers = []
    with atomic():
        for request in waiting_for(site_id, codes):
            offer = SlotOffer.objects.create(
                request=request,
                starts_at=starts_at,
                type_codes=codes,
                created_at=now,
                expires_at=min(starts_at, now + OFFER_LIFETIME),
            )
            messages.send_offer(offer)
            offers.append(offer)
    return offers


def accept_offer(offer: SlotOffer) -> Appointment:
    """Book the offered time for the request, if it is still free; refused naming
    `starts_at` when someone was quicker (the request keeps its place on the list)."""
    request = offer.request
    if offer.used_at is not None:
        raise ValidationError({"offer": _("This offer has already been used.")})
    site = request.site
    types = appointments.resolve_types(site, offer.type_codes, online=False)
    contact = Contact(
        name=request.contact_name,
        email=request.contact_email,
        phone=request.contact_phone,
        preferred_method=request.preferred_method,
        language=request.language,
    )
    with refusable():
        claimed = SlotOffer.objects.filter(pk=offer.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not claimed:
            raise ValidationError({"offer": _("This offer has already been used.")})
        appointment = appointments.book_appointment(
            site,
            wish=appointments.Wish(
                types=types, starts_at=offer.starts_at, vehicle_text=request.vehicle_text
            ),
            contact=contact,
            via=BookedVia.WAITING_LIST,
            customer=request.customer,
        )
        SlotOffer.objects.filter(pk=offer.pk).update(appointment=appointment)
    return appointment
