"""Appointment reminders (default the day before, BookingPolicy.reminder_hours).

Run by the sweeper's housekeeping (settings.POSVENTA_HOUSEKEEPING_JOBS). Each reminder is
claimed with a compare-and-set on `reminder_sent_at`, so several sweepers send it once, and
the outbox row's dedupe key stops a second copy even if a claim were repeated.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from posventa.core.events import record_event
from posventa.workshop import messages
from posventa.workshop.actions._common import atomic
from posventa.workshop.models import Appointment, AppointmentStatus

BATCH = 200


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Queue the reminders that are due for appointments still ahead; returns how many."""
    now = now or timezone.now()
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        reminder_due_at__lte=now,
    ).values_list("pk", flat=True)[:BATCH]
    sent = 0
    for pk in list(due):
        with atomic():
            claimed = Appointment.objects.filter(
                pk=pk, reminder_sent_at__isnull=True, status=AppointmentStatus.BOOKED
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            appointment = Appointment.objects.select_related("site").get(pk=pk)
            if appointment.starts_at <= now:
                continue  # too late to remind: the appointment has begun
            messages.send_reminder(appointment)
            record_event(
                "appointment.reminded",
                subject=appointment,
                site=appointment.site,
                actor_label="system",
                internal=False,
            )
            sent += 1
    return sent
