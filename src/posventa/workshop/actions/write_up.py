"""Write-up (check-in), the first step of a repair order (WRITEUP-*).

- WRITEUP-PROMPT: from the appointment time (or the arrival, when the customer comes late
  or without one) to the start of the write-up, measured by a clock of 10 minutes.
- WRITEUP-CONFIRM: the needs are confirmed and the inspection permitted, or refused.
- WRITEUP-WALKAROUND: a checklist and photos from the tablet (checked and made small).
- WRITEUP-CONTACT: contact data and the preferred method verified; the write-up cannot
  finish without it.
- WRITEUP-MAINTENANCE: what the advisor says is due is offered, and what the customer
  accepts becomes an approved job.
- WRITEUP-ESTIMATE-TIME: a promised completion time, which starts DELIVERY-ON-TIME.
- The customer signs on the tablet, or will approve by link, and gets a copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from signature_pad.fields import validate_png_data_url  # type: ignore[import-untyped]

from posventa.clocks import actions as clocks
from posventa.core.events import record_event
from posventa.core.models import User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Channel, ContactKind
from posventa.workshop.actions._common import atomic, refusable
from posventa.workshop.actions.orders import DELIVERY_ON_TIME, LineSpec, add_job, record_decision
from posventa.workshop.models import DecidedVia, RepairOrder, WalkaroundPhoto, WriteUp
from posventa.workshop.photos import accept_photo

WRITEUP_PROMPT = "WRITEUP-PROMPT"
WALKAROUND_ITEMS = ("body", "glass", "wheels", "lights", "interior", "fuel", "belongings")
MAX_SIGNATURE_KB = 200


@dataclass(frozen=True)
class Upload:
    file: BinaryIO
    name: str
    size: int
    note: str = ""


@dataclass(frozen=True)
class MaintenanceOffer:
    code: str  # the advisor's item, e.g. "brake-fluid"
    label: str  # as the customer was told, with the reason
    accepted: bool
    lines: tuple[LineSpec, ...] = ()


def start_write_up(
    order: RepairOrder, *, actor: User, arrived_at: dt.datetime, at: dt.datetime | None = None
) -> WriteUp:
    """Begin the write-up; the prompt is measured from the appointment, or the arrival."""
    at = at or timezone.now()
    if timezone.is_naive(arrived_at) or arrived_at > at:
        raise ValidationError({"arrived_at": _("The arrival must be a past time with its zone.")})
    appointment = order.appointment
    due_from = max(arrived_at, appointment.starts_at) if appointment else arrived_at
    due_from = min(due_from, at)
    with atomic():
        write_up, created = WriteUp.objects.get_or_create(
            order=order, defaults={"due_from": due_from, "started_at": at}
        )
        if not created:
            return write_up
        clock = clocks.start_clock(
            WRITEUP_PROMPT,
            subject=write_up,
            site=order.site,
            owner=actor,
            started_at=due_from,
            label=order.reference,
            actor=actor,
        )
        clocks.satisfy_clock(clock, actor=actor, at=at, reason=_("Write-up started"))
        record_event(
            "repair_order.write_up_started",
            subject=order,
            site=order.site,
            actor=actor,
            occurred_at=at,
            data={"waited_seconds": int((at - due_from).total_seconds())},
        )
    return write_up


def confirm_needs(write_up: WriteUp, *, inspection_permitted: bool, actor: User) -> WriteUp:
    write_up.inspection_permitted = inspection_permitted
    write_up.save(update_fields=["inspection_permitted"])
    _event(write_up, "repair_order.needs_confirmed", actor, {"inspection": inspection_permitted})
    return write_up


def record_walkaround(
    write_up: WriteUp,
    *,
    checklist: Mapping[str, tuple[bool, str]],
    photos: Sequence[Upload],
    actor: User,
) -> WriteUp:
    """The walk-around: each item ok or not (with a note where not), and photos, each
    refused by name when it is not a picture or too large; nothing is kept then."""
    errors: dict[str, list[str]] = {}
    unknown = set(checklist) - set(WALKAROUND_ITEMS)
    if unknown:
        errors["checklist"] = [
            _("Unknown items: %(items)s.") % {"items": ", ".join(sorted(unknown))}
        ]
    unexplained = [item for item, (ok, note) in checklist.items() if not ok and not note.strip()]
    if unexplained:
        errors.setdefault("checklist", []).append(
            _("Say what was seen: %(items)s.") % {"items": ", ".join(sorted(unexplained))}
        )
    accepted = []
    for upload in photos:
        try:
            accepted.append((upload, accept_photo(upload.file, name=upload.name, size=upload.size)))
        except ValidationError as error:
            errors.setdefault("photos", []).extend(error.message_dict["photos"])
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with atomic():
        write_up.walkaround = {
            item: {"ok": ok, "note": note.strip()} for item, (ok, note) in checklist.items()
        }
        write_up.walkaround_at = now
        write_up.save(update_fields=["walkaround", "walkaround_at"])
        for upload, photo in accepted:
            saved = WalkaroundPhoto(
                write_up=write_up,
                width=photo.width,
                height=photo.height,
                note=upload.note[:200],
                taken_at=now,
            )
            saved.image.save(
                f"{now:%Y%m%d%H%M%S}-{len(accepted)}.jpg", ContentFile(photo.jpeg), save=False
            )
            saved.save()
        _event(
            write_up,
            "repair_order.walkaround",
            actor,
            {"items": len(checklist), "photos": len(accepted)},
        )
    return write_up


def verify_contact(
    write_up: WriteUp,
    *,
    preferred_channel: str,
    actor: User,
    email: str = "",
    phone: str = "",
) -> WriteUp:
    """Contact data and the preferred method, checked with the customer (WRITEUP-CONTACT)."""
    customer = write_up.order.customer
    needs: dict[str, str] = {
        Channel.EMAIL: email,
        Channel.SMS: phone,
        Channel.WHATSAPP: phone,
        Channel.PHONE: phone,
    }
    if preferred_channel in needs and not needs[preferred_channel].strip():
        field = "email" if preferred_channel == Channel.EMAIL else "phone"
        raise ValidationError({field: _("Give the address for the preferred method.")})
    with refusable():  # a malformed address is refused by customers.actions, naming it
        if email.strip():
            _add_point(customer, ContactKind.EMAIL, email, actor, "email")
        if phone.strip():
            _add_point(customer, ContactKind.PHONE, phone, actor, "phone")
        customer_actions.set_preferences(customer, preferred_channel=preferred_channel, actor=actor)
        write_up.contact_verified_at = timezone.now()
        write_up.contact_verified_by = actor
        write_up.save(update_fields=["contact_verified_at", "contact_verified_by"])
        _event(write_up, "repair_order.contact_verified", actor, {"preferred": preferred_channel})
    return write_up


def _add_point(customer: object, kind: str, value: str, actor: User, field: str) -> None:
    try:
        customer_actions.add_contact_point(customer, kind, value.strip(), actor=actor, primary=True)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


def offer_maintenance(
    write_up: WriteUp, offers: Sequence[MaintenanceOffer], *, actor: User
) -> WriteUp:
    """What is due was offered (WRITEUP-MAINTENANCE); each accepted item is a job the
    customer approved in person."""
    order = write_up.order
    with refusable():
        for offer in offers:
            if offer.accepted:
                job = add_job(
                    order,
                    title=offer.label,
                    actor=actor,
                    lines=offer.lines,
                    operation_code=offer.code,
                )
                record_decision(
                    job,
                    approved=True,
                    via=DecidedVia.IN_PERSON,
                    decided_by=order.customer.display_name,
                    actor=actor,
                )
        write_up.maintenance = [
            {"code": offer.code, "label": offer.label, "accepted": offer.accepted}
            for offer in offers
        ]
        write_up.save(update_fields=["maintenance"])
        _event(
            write_up,
            "repair_order.maintenance_offered",
            actor,
            {"offered": len(offers), "accepted": sum(o.accepted for o in offers)},
        )
    return write_up


def sign(write_up: WriteUp, *, signature: str = "", by_link: bool = False, actor: User) -> WriteUp:
    """The customer signs on the tablet (a PNG data URL), or will approve by link."""
    if not by_link:
        _check_signature(signature)
    write_up.signature = "" if by_link else signature
    write_up.approve_by_link = by_link
    write_up.signed_at = None if by_link else timezone.now()
    write_up.save(update_fields=["signature", "approve_by_link", "signed_at"])
    _event(write_up, "repair_order.signed", actor, {"by_link": by_link})
    return write_up


def _check_signature(signature: str) -> None:
    if not signature:
        raise ValidationError({"signature": _("The customer has not signed yet.")})
    try:
        validate_png_data_url(signature)
    except ValidationError as error:
        raise ValidationError(
            {"signature": _("The signature could not be read; ask the customer to sign again.")}
        ) from error
    if len(signature) * 3 / 4 > MAX_SIGNATURE_KB * 1024:
        raise ValidationError(
            {"signature": _("The signature is too large; clear it and sign again.")}
        )


def finish_write_up(write_up: WriteUp, *, promised_at: dt.datetime, actor: User) -> WriteUp:
    """Finish the write-up: refused, naming each missing step, until the contact is
    verified, the inspection asked about, a completion time promised and the customer has
    signed (or will approve by link)."""
    now = timezone.now()
    errors: dict[str, str] = {}
    if write_up.contact_verified_at is None:
        errors["contact"] = _("Verify the customer's contact data and preferred method first.")
    if write_up.inspection_permitted is None:
        errors["inspection_permitted"] = _("Ask the customer whether we may inspect the car.")
    if timezone.is_naive(promised_at) or promised_at <= now:
        errors["promised_at"] = _("Promise a completion time to come, with its zone.")
    if not write_up.signed_at and not write_up.approve_by_link:
        errors["signature"] = _("The customer has not signed yet.")
    if errors:
        raise ValidationError(errors)
    order = write_up.order
    with atomic():
        write_up.finished_at = now
        write_up.save(update_fields=["finished_at"])
        order.promised_at = promised_at
        order.save(update_fields=["promised_at", "updated_at"])
        for clock in clocks.open_clocks_for(order).filter(standard_id=DELIVERY_ON_TIME):
            clocks.cancel_clock(clock, actor=actor, reason=_("A new completion time was promised"))
        clocks.start_clock(
            DELIVERY_ON_TIME,
            subject=order,
            site=order.site,
            owner=order.advisor,
            started_at=now,
            deadline=promised_at,
            label=order.reference,
            actor=actor,
        )
        _event(
            write_up,
            "repair_order.write_up_finished",
            actor,
            {"promised_at": promised_at.isoformat()},
        )
    return write_up


def _event(write_up: WriteUp, verb: str, actor: User, data: dict[str, object]) -> None:
    order = write_up.order
    record_event(verb, subject=order, site=order.site, actor=actor, data=data)
