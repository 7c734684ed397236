"""What the customer receives about an appointment: confirmation (with an .ics invitation
by e-mail), reminder, change, cancellation, a freed-slot offer. In the language the
customer booked in, by the method they prefer; times in the site's local time with its zone.

Only queues rows in the outbox (inside the caller's transaction); nothing is sent here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from django.utils import formats, translation
from django.utils.translation import gettext as _

from posventa.customers.models import Channel
from posventa.outbox import actions as outbox
from posventa.outbox.models import Channel as OutboxChannel
from posventa.outbox.models import Notification
from posventa.workshop import links
from posventa.workshop.actions._common import PHONE_CHANNELS
from posventa.workshop.models import Appointment, BookingRequest, SlotOffer

ICS_TYPE = "text/calendar; method={method}; charset=utf-8"


def local_time(moment: dt.datetime, timezone_name: str) -> str:
    """ "Tuesday 3 March 2026, 09:30 (Europe/Madrid)", in the active language."""
    local = moment.astimezone(ZoneInfo(timezone_name))
    day = formats.date_format(local, "l j F Y")
    return f"{day}, {local:%H:%M} ({timezone_name})"


def route(method: str, email: str, phone: str) -> tuple[str, str] | None:
    """The outbox channel and address for a preferred method: e-mail, a text for a phone,
    WhatsApp for WhatsApp; a letter or portal preference falls back to what we have."""
    if method == Channel.EMAIL and email:
        return OutboxChannel.EMAIL, email
    if method == Channel.WHATSAPP and phone:
        return OutboxChannel.WHATSAPP, phone
    if method in PHONE_CHANNELS and phone:
        return OutboxChannel.SMS, phone
    if email:
        return OutboxChannel.EMAIL, email
    if phone:
        return OutboxChannel.SMS, phone
    return None


def invitation(appointment: Appointment, *, cancelled: bool = False) -> str:
    """An iCalendar (RFC 5545) invitation for the appointment; the UID stays the same when it
    moves, and SEQUENCE grows, so calendar programs update the event they already have."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Posventa//Workshop appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"appointment-{appointment.pk}@posventa")
    event.add("sequence", appointment.link_generation)
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
    event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
    event.add("summary", _("Workshop appointment at %(site)s") % {"site": appointment.site.name})
    event.add("description", _services(appointment))
    if appointment.site.address:
        event.add("location", " ".join(appointment.site.address.split()))
    if appointment.site.email:
        event.add("organizer", f"mailto:{appointment.site.email}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _services(appointment: Appointment) -> str:
    names = [row.display_name() for row in appointment.types.all()]
    if appointment.unsure:
        names.append(_("We will find out what your car needs."))
    return ", ".join(names)


def _send(
    appointment: Appointment,
    *,
    kind: str,
    subject: str,
    body: str,
    ics: str = "",
    cancelled: bool = False,
) -> Notification | None:
    target = route(
        appointment.preferred_method, appointment.contact_email, appointment.contact_phone
    )
    if target is None:
        return None
    channel, address = target
    attachments = []
    if ics and channel == OutboxChannel.EMAIL:
        method = "CANCEL" if cancelled else "REQUEST"
        attachments.append(
            {
                "filename": "appointment.ics",
                "content_type": ICS_TYPE.format(method=method),
                "content": ics,
            }
        )
    return outbox.send_to_customer(
        channel=channel,
        to_address=address,
        subject=subject,
        body=body,
        site=appointment.site,
        related=appointment,
        automatic=True,
        dedupe_key=f"appointment:{appointment.pk}:{appointment.link_generation}:{kind}",
        attachments=attachments,
    )


def _links(appointment: Appointment) -> str:
    return _("To change the time: %(reschedule)s\nTo cancel: %(cancel)s") % {
        "reschedule": links.appointment_url(appointment, links.Purpose.RESCHEDULE),
        "cancel": links.appointment_url(appointment, links.Purpose.CANCEL),
    }


def _what(appointment: Appointment) -> dict[str, str]:
    return {
        "name": appointment.contact_name,
        "site": appointment.site.name,
        "when": local_time(appointment.starts_at, appointment.site.timezone),
        "services": _services(appointment),
        "address": " ".join(appointment.site.address.split()),
    }


def send_confirmation(appointment: Appointment, *, moved: bool = False) -> Notification | None:
    with translation.override(appointment.language):
        what = _what(appointment)
        subject = (
            _("Your appointment has moved: %(when)s")
            if moved
            else _("Appointment confirmed: %(when)s")
        ) % what
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % what,
                _("Your appointment at %(site)s is on %(when)s.") % what,
                _("What we will do: %(services)s") % what,
                what["address"],
                _links(appointment),
            ]
        )
        return _send(
            appointment,
            kind="moved" if moved else "confirmed",
            subject=subject,
            body=body,
            ics=invitation(appointment),
        )


def send_reminder(appointment: Appointment) -> Notification | None:
    with translation.override(appointment.language):
        what = _what(appointment)
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % what,
                _("A reminder: your appointment at %(site)s is on %(when)s.") % what,
                what["address"],
                _links(appointment),
            ]
        )
        return _send(
            appointment,
            kind="reminder",
            subject=_("Reminder: your appointment on %(when)s") % what,
            body=body,
            ics=invitation(appointment),
        )


def send_cancellation(appointment: Appointment) -> Notification | None:
    with translation.override(appointment.language):
        what = _what(appointment)
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % what,
                _("Your appointment at %(site)s on %(when)s is cancelled.") % what,
            ]
        )
        return _send(
            appointment,
            kind="cancelled",
            subject=_("Appointment cancelled: %(when)s") % what,
            body=body,
            ics=invitation(appointment, cancelled=True),
            cancelled=True,
        )


def send_offer(offer: SlotOffer) -> Notification | None:
    request: BookingRequest = offer.request
    target = route(request.preferred_method, request.contact_email, request.contact_phone)
    if target is None:
        return None
    channel, address = target
    with translation.override(request.language):
        what = {
            "name": request.contact_name,
            "site": request.site.name,
            "when": local_time(offer.starts_at, request.site.timezone),
            "link": links.offer_url(offer),
        }
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % what,
                _("A time has become free at %(site)s: %(when)s.") % what,
                _("It is yours if it is still free when you open this link: %(link)s") % what,
            ]
        )
        return outbox.send_to_customer(
            channel=channel,
            to_address=address,
            subject=_("A free time at %(site)s: %(when)s") % what,
            body=body,
            site=request.site,
            related=request,
            automatic=True,
            dedupe_key=f"slot-offer:{offer.pk}",
        )
