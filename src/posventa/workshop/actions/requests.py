"""Booking requests: everyone who wanted an appointment and has none (FOLLOWUP-REBOOK).

Rules (seed 000: a customer lost because nobody answered to book):

* A request is kept when no time fitted, when someone leaves the booking page after typing
  a contact (a draft, opened by housekeeping after POSVENTA_BOOKING_ABANDON_MINUTES), when
  a call ends without a booking (staff record it from the call), and after a no-show.
* Opening a request starts its FOLLOWUP-REBOOK clock (default 1 business day). The first
  contact attempt satisfies it: the standard is that they are contacted again.
* The outcome is recorded: booked (also automatically when the same contact books),
  declined, or unreachable, which follows on its own after POSVENTA_REBOOK_ATTEMPTS
  unanswered attempts. A request is never deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.clocks import actions as clocks
from posventa.core.events import record_event
from posventa.core.models import Site, User
from posventa.customers.models import Channel, Customer
from posventa.telephony.models import Call
from posventa.workshop.actions._common import PHONE_CHANNELS, Contact, atomic
from posventa.workshop.models import BookingRequest, RequestSource, RequestStatus

if TYPE_CHECKING:
    from posventa.workshop.models import Appointment

FOLLOWUP_REBOOK = "FOLLOWUP-REBOOK"
CLOSED = (RequestStatus.BOOKED, RequestStatus.DECLINED, RequestStatus.UNREACHABLE)


def keep_request(
    site: Site,
    *,
    source: str,
    contact: Contact,
    wish: str = "",
    type_codes: Sequence[str] = (),
    vehicle_text: str = "",
    customer: Customer | None = None,
    call: Call | None = None,
    missed_appointment: Appointment | None = None,
    actor: User | None = None,
    waiting: bool = True,
    draft: bool = False,
    now: dt.datetime | None = None,
) -> BookingRequest:
    """Keep the wish and the contact. A draft starts no clock until it is opened."""
    now = now or timezone.now()
    if source not in RequestSource.values:
        raise ValidationError({"source": _("Unknown reason.")})
    contact = _contact_kept(contact)
    with atomic():
        request = BookingRequest.objects.create(
            site=site,
            customer=customer,
            source=source,
            status=RequestStatus.DRAFT if draft else RequestStatus.OPEN,
            wish=wish.strip(),
            type_codes=list(type_codes),
            vehicle_text=vehicle_text.strip()[:40],
            contact_name=contact.name,
            contact_email=contact.email,
            contact_phone=contact.phone,
            preferred_method=contact.preferred_method,
            language=contact.language,
            waiting=waiting,
            call=call,
            missed_appointment=missed_appointment,
            created_at=now,
        )
        if not draft:
            _open(request, actor, now)
    return request


def _contact_kept(contact: Contact) -> Contact:
    """A request needs a way back to the person, not a full booking contact: a phone or an
    e-mail is enough, and a missing name or an unusable preference is no reason to lose
    them (the preference falls back to what they gave)."""
    email, phone = contact.email.strip(), "".join(contact.phone.split())
    if not email and not phone:
        raise ValidationError({"contact_phone": _("Give a phone number or an e-mail address.")})
    method = contact.preferred_method
    unusable = (method == Channel.EMAIL and not email) or (method in PHONE_CHANNELS and not phone)
    if unusable or method not in Channel.values:
        method = Channel.EMAIL if email else Channel.SMS
    return Contact(
        name=contact.name.strip() or email or phone,
        email=email,
        phone=phone,
        preferred_method=method,
        language=contact.language,
    ).cleaned()


def update_draft(
    request: BookingRequest,
    *,
    contact: Contact,
    wish: str,
    type_codes: Sequence[str],
    vehicle_text: str,
) -> BookingRequest:
    """The booking page's draft follows what the person typed last."""
    contact = _contact_kept(contact)
    BookingRequest.objects.filter(pk=request.pk, status=RequestStatus.DRAFT).update(
        contact_name=contact.name,
        contact_email=contact.email,
        contact_phone=contact.phone,
        preferred_method=contact.preferred_method,
        language=contact.language,
        wish=wish.strip(),
        type_codes=list(type_codes),
        vehicle_text=vehicle_text.strip()[:40],
    )
    request.refresh_from_db()
    return request


def open_request(
    request: BookingRequest, *, source: str, wish: str, actor: User | None
) -> BookingRequest:
    """A draft becomes a request to contact (the person asked us to, or left the page)."""
    _validate_open(request, drafts=True)
    with atomic():
        request.source = source
        request.wish = wish.strip() or request.wish
        request.save(update_fields=["source", "wish"])
        if request.status == RequestStatus.DRAFT:
            _open(request, actor, timezone.now())
    return request


def _open(request: BookingRequest, actor: User | None, now: dt.datetime) -> None:
    request.status = RequestStatus.OPEN
    request.opened_at = now
    request.save(update_fields=["status", "opened_at"])
    clocks.start_clock(
        FOLLOWUP_REBOOK,
        subject=request,
        site=request.site,
        started_at=now,
        label=str(request)[:300],
        actor=actor,
    )
    _event("booking_request.opened", request, actor, source=request.source)


def open_abandoned_requests(now: dt.datetime | None = None) -> int:
    """Housekeeping: drafts older than POSVENTA_BOOKING_ABANDON_MINUTES become requests.
    A compare-and-set on the status, so several sweepers open each draft once."""
    now = now or timezone.now()
    minutes = getattr(settings, "POSVENTA_BOOKING_ABANDON_MINUTES", 30)
    before = now - dt.timedelta(minutes=minutes)
    opened = 0
    for pk in BookingRequest.objects.filter(
        status=RequestStatus.DRAFT, created_at__lte=before
    ).values_list("pk", flat=True)[:200]:
        with atomic():
            claimed = BookingRequest.objects.filter(pk=pk, status=RequestStatus.DRAFT).update(
                status=RequestStatus.OPEN
            )
            if claimed:
                request = BookingRequest.objects.select_related("site").get(pk=pk)
                _open(request, None, now)
                opened += 1
    return opened


def close_as_booked(appointment: Appointment, *, actor: User | None) -> int:
    """The contact's open requests at the site (and the draft of this booking) are booked."""
    match = Q()
    if appointment.contact_email:
        match |= Q(contact_email__iexact=appointment.contact_email)
    if appointment.contact_phone:
        match |= Q(contact_phone=appointment.contact_phone)
    if appointment.customer_id:
        match |= Q(customer_id=appointment.customer_id)
    if not match:
        return 0
    rows = (
        BookingRequest.objects.filter(match, site=appointment.site)
        .filter(status__in=(RequestStatus.OPEN, RequestStatus.DRAFT))
        .exclude(missed_appointment=appointment)
    )
    closed = 0
    for request in rows.select_related("site"):
        record_outcome(request, outcome=RequestStatus.BOOKED, actor=actor, appointment=appointment)
        closed += 1
    return closed


def record_attempt(
    request: BookingRequest, *, reached: bool, actor: User, note: str = ""
) -> BookingRequest:
    """A try to contact them. The first one satisfies FOLLOWUP-REBOOK; the last allowed one
    unanswered closes the request as unreachable."""
    _validate_open(request)
    now = timezone.now()
    with atomic():
        current = BookingRequest.objects.select_for_update().get(pk=request.pk)
        _validate_open(current)
        current.attempts += 1
        current.save(update_fields=["attempts"])
        clocks.satisfy_clocks(current, FOLLOWUP_REBOOK, at=now, actor=actor, reason=note)
        _event("booking_request.attempted", current, actor, reached=reached, note=note.strip())
        if not reached and current.attempts >= getattr(settings, "POSVENTA_REBOOK_ATTEMPTS", 3):
            record_outcome(current, outcome=RequestStatus.UNREACHABLE, actor=actor, note=note)
    current.refresh_from_db()
    return current


def record_outcome(
    request: BookingRequest,
    *,
    outcome: str,
    actor: User | None,
    note: str = "",
    appointment: Appointment | None = None,
) -> BookingRequest:
    """Close the request as booked, declined or unreachable; its clock is satisfied when
    they were contacted (booked, declined) and cancelled otherwise."""
    if outcome not in CLOSED:
        raise ValidationError({"outcome": _("Choose booked, declined or unreachable.")})
    _validate_open(request, drafts=True)
    now = timezone.now()
    with atomic():
        request.status = outcome
        request.closed_at = now
        request.waiting = False
        request.outcome_note = note.strip()
        request.appointment = appointment
        request.save(
            update_fields=["status", "closed_at", "waiting", "outcome_note", "appointment"]
        )
        for clock in clocks.open_clocks_for(request):
            if outcome == RequestStatus.UNREACHABLE:
                clocks.cancel_clock(clock, actor=actor, reason=_("Unreachable"))
            else:
                clocks.satisfy_clock(clock, at=now, actor=actor, reason=outcome)
        _event(f"booking_request.{outcome}", request, actor, note=note.strip())
    return request


def _validate_open(request: BookingRequest, *, drafts: bool = False) -> None:
    allowed = (RequestStatus.OPEN, RequestStatus.DRAFT) if drafts else (RequestStatus.OPEN,)
    if request.status not in allowed:
        raise ValidationError(
            {"status": _("This request is %(status)s.") % {"status": request.get_status_display()}}
        )


def _event(verb: str, request: BookingRequest, actor: User | None, **data: object) -> None:
    record_event(
        verb,
        subject=request,
        site=request.site,
        actor=actor,
        actor_label="" if actor else "system",
        summary=str(request)[:500],
        data={key: value for key, value in data.items()},
    )
