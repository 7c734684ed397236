"""Appointments: searched, booked, moved, cancelled, arrived, missed (INFO-BOOKING).

Rules:

* A booking names a start; it is refused naming `starts_at` when the site is closed that
  day, when the start is outside its opening hours, in the past, too soon or too far ahead
  for online booking, or when no technician (and bay) is free for the whole length, which
  is what "someone just took it" looks like. Types are refused naming `types`, the
  contact naming its field, an odometer below the vehicle's last reading naming
  `odometer_km`.
* Two people can never book the last slot at once: every booking, move and cancellation
  first updates the site's `CapacityDay` row of each day it touches (in date order, so two
  moves never deadlock), which on PostgreSQL locks it until commit and on SQLite takes the
  write lock. The slots of the day are then searched again inside that transaction, so the
  second booker sees the first one's appointment.
* Booking queues a confirmation (with an .ics invitation by e-mail) and sets the reminder
  (default 24 h before); it closes the contact's open booking requests as booked
  (FOLLOWUP-REBOOK satisfied).
* A move or a cancellation bumps `link_generation` (links sent before stop working) and
  frees the old time for the waiting list (`signals.slot_freed`).
* A no-show is recorded only once the appointment has begun; it starts a FOLLOWUP-REBOOK
  clock through a booking request (actions/requests.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from posventa.cases.models import Case
from posventa.core.calendars import calendar_for_site
from posventa.core.events import record_event
from posventa.core.models import Site, User
from posventa.customers import actions as customers
from posventa.customers.models import Customer, Vehicle
from posventa.customers.validation import normalise_plate
from posventa.telephony.models import Call
from posventa.workshop import capacity, messages, slots
from posventa.workshop.actions import requests
from posventa.workshop.actions._common import Contact, atomic, refusable
from posventa.workshop.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BookedVia,
    CapacityDay,
    RequestSource,
)
from posventa.workshop.signals import slot_freed

# --- searching ---------------------------------------------------------------------------


def resolve_types(site: Site, codes: Sequence[str], *, online: bool) -> list[AppointmentType]:
    """The site's types for `codes`, refused naming `types` when one is unknown here."""
    offered = {row.code: row for row in capacity.types_for(site, online_only=online)}
    unknown = [code for code in codes if code not in offered]
    if unknown:
        raise ValidationError(
            {"types": _("Not offered here: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    if not codes:
        raise ValidationError({"types": _("Choose at least one service.")})
    return [offered[code] for code in dict.fromkeys(codes)]


def unsure_type(site: Site) -> AppointmentType | None:
    """What "I don't know what I need" books: the site's type marked for it."""
    return next((row for row in capacity.types_for(site) if row.for_unsure), None)


def find_slots(
    site: Site,
    types: Sequence[AppointmentType],
    *,
    online: bool,
    first_day: dt.date | None = None,
    days: int = 14,
    limit: int | None = None,
    exclude: Appointment | None = None,
    now: dt.datetime | None = None,
) -> list[slots.Slot]:
    """Bookable starts for `types` on `days` local days from `first_day` (today)."""
    now = now or timezone.now()
    policy = capacity.policy_of(site)
    tz = calendar_for_site(site).timezone
    today = now.astimezone(tz).date()
    first = max(first_day or today, today)
    last = first + dt.timedelta(days=max(days, 1) - 1)
    if online:
        last = min(last, today + dt.timedelta(days=policy.horizon_days))
    if last < first:
        return []
    loaded = capacity.load(site, first, last, exclude=exclude)
    rules = capacity.rules_for(policy, types, online=online, now=now)
    need = capacity.need_for(types, online=online)
    return slots.search(loaded.capacity, need, rules, days=loaded.days, limit=limit)


# --- booking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Wish:
    """What is to be booked, whoever books it."""

    types: Sequence[AppointmentType]
    starts_at: dt.datetime | None
    unsure: bool = False
    notes: str = ""
    vehicle_text: str = ""
    odometer_km: int | None = None


def book_appointment(
    site: Site,
    *,
    wish: Wish,
    contact: Contact,
    via: str,
    actor: User | None = None,
    customer: Customer | None = None,
    vehicle: Vehicle | None = None,
    case: Case | None = None,
    call: Call | None = None,
    now: dt.datetime | None = None,
    after: Callable[[Appointment], object] | None = None,
) -> Appointment:
    """Book `wish` at the site, or refuse naming the field (see the module's rules).
    `after` runs inside the transaction once the appointment is saved (the booking page's
    extension steps); a ValidationError from it refuses the whole booking."""
    now = now or timezone.now()
    online = via in (BookedVia.ONLINE, BookedVia.WAITING_LIST)
    contact = contact.cleaned()
    if not wish.types:
        raise ValidationError({"types": _("Choose at least one service.")})
    starts_at = _validate_start(site, wish.starts_at, online=online, now=now)
    vehicle = vehicle or _vehicle_for(site, wish.vehicle_text)
    customer = customer or _customer_for(site, contact, vehicle)
    with refusable():
        _lock_days(site, [starts_at])
        slot = _free_slot(site, wish.types, starts_at, online=online, now=now)
        if wish.odometer_km is not None and vehicle is not None:
            _record_odometer(vehicle, wish.odometer_km, actor)
        appointment = Appointment.objects.create(
            site=site,
            customer=customer,
            vehicle=vehicle,
            vehicle_text=(wish.vehicle_text or "").strip()[:40],
            odometer_km=wish.odometer_km,
            case=case,
            call=call,
            unsure=wish.unsure,
            notes=(wish.notes or "").strip(),
            technician_id=slot.technician_id,
            bay_id=slot.bay_id,
            starts_at=slot.start,
            ends_at=slot.end,
            booked_via=via,
            contact_name=contact.name,
            contact_email=contact.email,
            contact_phone=contact.phone,
            preferred_method=contact.preferred_method,
            language=contact.language,
            booked_by=actor,
            reminder_due_at=_reminder_due(site, slot.start, now),
        )
        appointment.types.set(wish.types)
        _event("appointment.booked", appointment, actor, internal=False)
        requests.close_as_booked(appointment, actor=actor)
        if after is not None:
            after(appointment)
        messages.send_confirmation(appointment)
    return appointment


def _validate_start(
    site: Site, starts_at: dt.datetime | None, *, online: bool, now: dt.datetime
) -> dt.datetime:
    if starts_at is None:
        raise ValidationError({"starts_at": _("Choose a time.")})
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("The time needs a time zone.")})
    calendar = calendar_for_site(site)
    local = starts_at.astimezone(calendar.timezone)
    opening = calendar.intervals_on(local.date())
    when = messages.local_time(starts_at, site.timezone)
    if not opening:
        raise ValidationError(
            {
                "starts_at": _("%(site)s is closed on %(day)s: choose another day.")
                % {"site": site.name, "day": formats_day(local.date())}
            }
        )
    if not any(low <= starts_at < high for low, high in opening):
        hours = ", ".join(
            f"{low.astimezone(calendar.timezone):%H:%M}–{high.astimezone(calendar.timezone):%H:%M}"
            for low, high in opening
        )
        raise ValidationError(
            {
                "starts_at": _("%(when)s is outside opening hours (that day: %(hours)s).")
                % {"when": when, "hours": hours}
            }
        )
    if starts_at <= now:
        raise ValidationError({"starts_at": _("This time has passed: choose a later one.")})
    policy = capacity.policy_of(site)
    if online and starts_at < now + dt.timedelta(minutes=policy.min_notice_minutes):
        raise ValidationError(
            {"starts_at": _("This time is too soon to book online: please call us.")}
        )
    if online and local.date() > now.astimezone(calendar.timezone).date() + dt.timedelta(
        days=policy.horizon_days
    ):
        raise ValidationError({"starts_at": _("This day is too far ahead to book yet.")})
    return starts_at


def formats_day(day: dt.date) -> str:
    return formats.date_format(day, "l j F Y")


def _free_slot(
    site: Site,
    types: Sequence[AppointmentType],
    starts_at: dt.datetime,
    *,
    online: bool,
    now: dt.datetime,
    exclude: Appointment | None = None,
) -> slots.Slot:
    """The technician and bay free at exactly `starts_at`, read inside the day's lock."""
    day = starts_at.astimezone(calendar_for_site(site).timezone).date()
    found = find_slots(site, types, online=online, first_day=day, days=1, exclude=exclude, now=now)
    slot = next((slot for slot in found if slot.start == starts_at), None)
    if slot is None:
        raise ValidationError(
            {
                "starts_at": _(
                    "%(when)s is no longer free (someone may just have taken it): "
                    "choose another time."
                )
                % {"when": messages.local_time(starts_at, site.timezone)}
            }
        )
    return slot


def _lock_days(site: Site, moments: Sequence[dt.datetime]) -> None:
    tz = calendar_for_site(site).timezone
    for day in sorted({moment.astimezone(tz).date() for moment in moments}):
        row, _created = CapacityDay.objects.get_or_create(site=site, day=day)
        # An UPDATE, not only SELECT ... FOR UPDATE: SQLite has no row locks, but the first
        # write of a transaction takes its database-wide write lock, which serves the same.
        CapacityDay.objects.filter(pk=row.pk).update(changes=F("changes") + 1)
        CapacityDay.objects.select_for_update().filter(pk=row.pk).first()


def _reminder_due(site: Site, starts_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    hours = capacity.policy_of(site).reminder_hours
    if not hours:
        return None
    due = starts_at - dt.timedelta(hours=hours)
    return due if due > now else None


def _vehicle_for(site: Site, text: str) -> Vehicle | None:
    """The group's vehicle with this VIN or plate, if we know it."""
    value = (text or "").strip().upper()
    if not value:
        return None
    rows = Vehicle.objects.filter(organisation_id=site.organisation_id)
    if len(value) == 17:
        found = rows.filter(vin=value).first()
        if found is not None:
            return found
    return rows.filter(plate_normalised=normalise_plate(value)).first()


def _customer_for(site: Site, contact: Contact, vehicle: Vehicle | None) -> Customer | None:
    """Who is booking: found (or created) by the address they gave, as an inbound contact
    is (customers.identify_customer)."""
    if contact.email:
        channel, address = "email", contact.email
    else:
        channel, address = "sms", contact.phone
    try:
        result = customers.identify_customer(
            site.organisation,
            channel=channel,
            address=address,
            display_name=contact.name,
            region=site.country.upper(),
        )
    except ValidationError as error:
        field = "contact_email" if channel == "email" else "contact_phone"
        raise ValidationError({field: error.messages}) from error
    return result.customer


def _record_odometer(vehicle: Vehicle, km: int, actor: User | None) -> None:
    try:
        customers.record_odometer(vehicle, km, source="booking", actor=actor)
    except ValidationError as error:
        raise ValidationError({"odometer_km": error.messages}) from error


def _event(verb: str, appointment: Appointment, actor: User | None, **extra: object) -> None:
    data = {
        "starts_at": appointment.starts_at.isoformat(),
        "technician": appointment.technician_id,
        "bay": appointment.bay_id,
        "via": appointment.booked_via,
        **{key: value for key, value in extra.items() if key != "internal"},
    }
    record_event(
        verb,
        subject=appointment,
        site=appointment.site,
        actor=actor,
        actor_label="" if actor else "customer",
        summary=messages.local_time(appointment.starts_at, appointment.site.timezone),
        data=data,
        internal=bool(extra.get("internal", True)),
    )


# --- changing ----------------------------------------------------------------------------


def _lock_appointment(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().select_related("site").get(pk=appointment.pk)


def _validate_open(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": _("This appointment is %(status)s.")
                % {"status": appointment.get_status_display()}
            }
        )


def reschedule_appointment(
    appointment: Appointment,
    *,
    starts_at: dt.datetime | None,
    actor: User | None = None,
    online: bool = False,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move the appointment to `starts_at` (same services), or refuse naming `starts_at`."""
    now = now or timezone.now()
    site = appointment.site
    _validate_open(appointment)
    starts_at = _validate_start(site, starts_at, online=online, now=now)
    old_start = appointment.starts_at
    with refusable():
        _lock_days(site, [old_start, starts_at])
        current = _lock_appointment(appointment)
        _validate_open(current)
        types = list(current.types.all())
        slot = _free_slot(site, types, starts_at, online=online, now=now, exclude=current)
        current.starts_at, current.ends_at = slot.start, slot.end
        current.technician_id, current.bay_id = slot.technician_id, slot.bay_id
        current.reminder_due_at = _reminder_due(site, slot.start, now)
        current.reminder_sent_at = None
        current.link_generation += 1
        current.save()
        _event("appointment.rescheduled", current, actor, internal=False, was=old_start.isoformat())
        messages.send_confirmation(current, moved=True)
        slot_freed.send(sender=Appointment, appointment=current, starts_at=old_start)
    return current


def cancel_appointment(
    appointment: Appointment, *, actor: User | None = None, reason: str = ""
) -> Appointment:
    """Cancel; the customer is told, and the time goes to the waiting list."""
    _validate_open(appointment)
    with atomic():
        _lock_days(appointment.site, [appointment.starts_at])
        current = _lock_appointment(appointment)
        _validate_open(current)
        current.status = AppointmentStatus.CANCELLED
        current.cancelled_at = timezone.now()
        current.link_generation += 1
        current.save()
        _event("appointment.cancelled", current, actor, internal=False, reason=reason.strip())
        messages.send_cancellation(current)
        slot_freed.send(sender=Appointment, appointment=current, starts_at=current.starts_at)
    return current


def record_arrival(appointment: Appointment, *, actor: User) -> Appointment:
    """The customer came: the appointment is kept (a repair order will start from here)."""
    _validate_open(appointment)
    with atomic():
        current = _lock_appointment(appointment)
        _validate_open(current)
        current.status = AppointmentStatus.ARRIVED
        current.link_generation += 1
        current.save()
        _event("appointment.arrived", current, actor)
    return current


def record_no_show(
    appointment: Appointment, *, actor: User, now: dt.datetime | None = None
) -> Appointment:
    """Record that nobody came. Refused before the appointment's start. Opens a booking
    request from the appointment, whose FOLLOWUP-REBOOK clock says to call them again."""
    now = now or timezone.now()
    _validate_open(appointment)
    if now < appointment.starts_at:
        raise ValidationError(
            {
                "status": _(
                    "The appointment has not begun yet: a no-show is recorded after its start."
                )
            }
        )
    with atomic():
        current = _lock_appointment(appointment)
        _validate_open(current)
        current.status = AppointmentStatus.NO_SHOW
        current.no_show_at = now
        current.link_generation += 1
        current.save()
        _event("appointment.no_show", current, actor)
        requests.keep_request(
            current.site,
            source=RequestSource.NO_SHOW,
            contact=Contact(
                name=current.contact_name,
                email=current.contact_email,
                phone=current.contact_phone,
                preferred_method=current.preferred_method,
                language=current.language,
            ),
            wish=", ".join(row.code for row in current.types.all()),
            type_codes=[row.code for row in current.types.all()],
            vehicle_text=current.vehicle_text,
            customer=current.customer,
            missed_appointment=current,
            actor=actor,
            waiting=False,
        )
    return current
