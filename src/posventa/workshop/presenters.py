"""How appointments and booking requests appear on the waiting list (clocks.subjects)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from posventa.clocks.subjects import SubjectCard
from posventa.workshop.models import Appointment, BookingRequest


def _ids(keys: Sequence[str]) -> list[int]:
    return [int(value) for value in keys if value.isdigit()]


def present_appointments(keys: Sequence[str]) -> dict[str, SubjectCard]:
    rows = Appointment.objects.filter(pk__in=_ids(keys)).only("pk", "contact_name", "starts_at")
    return {
        str(row.pk): SubjectCard(
            title=_("Appointment %(when)s") % {"when": f"{row.starts_at:%Y-%m-%d %H:%M} UTC"},
            url=row.get_absolute_url(),
            customer=row.contact_name,
        )
        for row in rows
    }


def present_requests(keys: Sequence[str]) -> dict[str, SubjectCard]:
    rows = BookingRequest.objects.filter(pk__in=_ids(keys))
    return {
        str(row.pk): SubjectCard(
            title=_("Call back to book: %(why)s") % {"why": row.get_source_display()},
            url=row.get_absolute_url(),
            customer=row.contact_name or row.contact_phone or row.contact_email,
        )
        for row in rows
    }
