"""The sweeper loop also runs the safety nets: work whose trigger was lost is recovered."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.clocks.sweeper import Housekeeping
from posventa.core.models import Site
from posventa.inbox.models import InboundRaw, InboundStatus
from posventa.outbox.actions import send_to_customer
from posventa.outbox.models import Notification, NotificationStatus
from tests.inbox.factories import email_bytes


def strand_inbound_row(site: Site) -> InboundRaw:
    """A row stored five minutes ago by a process that died before processing it."""
    data = email_bytes(message_id="<stranded@example.net>")
    return InboundRaw.objects.create(
        received_at=timezone.now() - dt.timedelta(minutes=5),
        channel="email",
        source="smtp",
        site=site,
        raw=data,
        size=len(data),
        sha256="0" * 64,
        dedupe_key="<stranded@example.net>",
    )


def test_housekeeping_processes_an_inbound_row_a_crash_left_pending(
    madrid: Site, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_HOUSEKEEPING_JOBS = ["posventa.inbox.recovery.process_pending"]
    stranded = strand_inbound_row(madrid)
    Housekeeping().run_if_due()
    stranded.refresh_from_db()
    assert stranded.status == InboundStatus.PROCESSED
    assert Case.objects.count() == 1


def test_housekeeping_delivers_a_notification_whose_task_was_lost(
    madrid: Site, settings: SettingsWrapper, tmp_path: object
) -> None:
    settings.POSVENTA_HOUSEKEEPING_JOBS = ["posventa.outbox.delivery.deliver_pending"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Written outside any on_commit hook run: as if the worker never got the task.
    notification = send_to_customer(
        channel="email",
        to_address="cliente@example.net",
        subject="Su cita",
        body="Le esperamos el lunes.",
        site=madrid,
    )
    Housekeeping().run_if_due()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_housekeeping_waits_its_interval_between_runs(
    madrid: Site, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_HOUSEKEEPING_JOBS = ["posventa.inbox.recovery.process_pending"]
    settings.POSVENTA_HOUSEKEEPING_SECONDS = 3600
    housekeeping = Housekeeping()
    housekeeping.run_if_due()
    stranded = strand_inbound_row(madrid)
    housekeeping.run_if_due()
    stranded.refresh_from_db()
    assert stranded.status == InboundStatus.PENDING
    assert Notification.objects.count() == 0


def test_a_failing_job_does_not_stop_the_others(madrid: Site, settings: SettingsWrapper) -> None:
    settings.POSVENTA_HOUSEKEEPING_JOBS = [
        "posventa.core.validators.validate_timezone_name",  # raises: called without argument
        "posventa.inbox.recovery.process_pending",
    ]
    stranded = strand_inbound_row(madrid)
    Housekeeping().run_if_due()
    stranded.refresh_from_db()
    assert stranded.status == InboundStatus.PROCESSED
