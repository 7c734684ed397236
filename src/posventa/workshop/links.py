"""Signed links for customers without an account: change or cancel an appointment, and
take a freed slot offered from the waiting list.

Each token is signed with the project secret, a salt of its own and a timestamp, and says
what it is for: a cancel link cannot reschedule. It names the appointment and its
`link_generation`, which every move or cancellation bumps, so a link works once: after the
change it answers "already used". It expires after POSVENTA_BOOKING_LINK_MAX_AGE (default
60 days) and, whatever its age, once the appointment has begun. A link opened under another
site's address is refused like a forged one.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from posventa.core.models import Site
from posventa.workshop.models import Appointment, AppointmentStatus, SlotOffer

SALT = "posventa.workshop.appointment-link"
OFFER_SALT = "posventa.workshop.slot-offer"
DEFAULT_MAX_AGE = dt.timedelta(days=60)


class Purpose(enum.StrEnum):
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"


class LinkProblem(enum.Enum):
    INVALID = "invalid"  # forged, for another purpose, or another site's
    EXPIRED = "expired"
    USED = "used"  # the appointment changed (or ended) since the link was sent


@dataclass(frozen=True)
class AppointmentLink:
    appointment: Appointment | None
    problem: LinkProblem | None = None


@dataclass(frozen=True)
class OfferLink:
    offer: SlotOffer | None
    problem: LinkProblem | None = None


def max_age() -> dt.timedelta:
    value = getattr(settings, "POSVENTA_BOOKING_LINK_MAX_AGE", DEFAULT_MAX_AGE)
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=int(value))


def appointment_token(appointment: Appointment, purpose: Purpose) -> str:
    value = f"{purpose}.{appointment.pk}.{appointment.link_generation}"
    return signing.TimestampSigner(salt=SALT).sign(value)


def appointment_url(appointment: Appointment, purpose: Purpose) -> str:
    name = (
        "workshop_public:reschedule" if purpose == Purpose.RESCHEDULE else "workshop_public:cancel"
    )
    path = reverse(name, args=[appointment.site.slug, appointment_token(appointment, purpose)])
    return f"{settings.SITE_URL}{path}"


def check_appointment_token(token: str, purpose: Purpose, site: Site) -> AppointmentLink:
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age())
    except signing.SignatureExpired:
        return AppointmentLink(None, LinkProblem.EXPIRED)
    except signing.BadSignature:
        return AppointmentLink(None, LinkProblem.INVALID)
    stated, _sep, rest = value.partition(".")
    pk, _sep, generation = rest.partition(".")
    if stated != purpose or not pk.isdigit() or not generation.isdigit():
        return AppointmentLink(None, LinkProblem.INVALID)
    appointment = Appointment.objects.select_related("site").filter(pk=int(pk), site=site).first()
    if appointment is None:
        return AppointmentLink(None, LinkProblem.INVALID)
    if (
        int(generation) != appointment.link_generation
        or appointment.status != AppointmentStatus.BOOKED
    ):
        return AppointmentLink(None, LinkProblem.USED)
    if appointment.starts_at <= timezone.now():
        return AppointmentLink(None, LinkProblem.EXPIRED)
    return AppointmentLink(appointment)


def offer_token(offer: SlotOffer) -> str:
    return signing.Signer(salt=OFFER_SALT).sign(str(offer.pk))


def offer_url(offer: SlotOffer) -> str:
    path = reverse("workshop_public:offer", args=[offer.request.site.slug, offer_token(offer)])
    return f"{settings.SITE_URL}{path}"


def check_offer_token(token: str, site: Site) -> OfferLink:
    # The offer row carries its own expiry, so the signature needs no timestamp.
    try:
        value = signing.Signer(salt=OFFER_SALT).unsign(token)
    except signing.BadSignature:
        return OfferLink(None, LinkProblem.INVALID)
    offer = (
        SlotOffer.objects.select_related("request", "request__site")
        .filter(pk=int(value) if value.isdigit() else 0, request__site=site)
        .first()
    )
    if offer is None:
        return OfferLink(None, LinkProblem.INVALID)
    if offer.used_at is not None:
        return OfferLink(None, LinkProblem.USED)
    if offer.expires_at <= timezone.now() or offer.starts_at <= timezone.now():
        return OfferLink(None, LinkProblem.EXPIRED)
    return OfferLink(offer)
