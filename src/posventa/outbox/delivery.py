"""Delivering outbox rows: claim, send, record, and retry with backoff or give up.

The claim is a compare-and-set on (status, attempts), so however many workers, sweepers
and "retry now" clicks race on one row, only one of them sends a given attempt. The send
happens outside any transaction: a slow SMTP server never holds database locks.

This module does the work and knows nothing of the task queue: `posventa.outbox.tasks`
runs it and puts a row that is to be tried again back on the queue for its next attempt.

A claimed row carries a lease in `next_attempt_at`. If the worker dies mid-send, the row
becomes due again when the lease expires and the safety-net sweep retries it (at-least-once:
the receiver can spot a duplicate e-mail by its unchanged Message-ID).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from posventa.core.events import record_event
from posventa.outbox import providers
from posventa.outbox.models import (
    DELIVERABLE_STATUSES,
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
)

logger = logging.getLogger("posventa.outbox")

# Waits after the 1st, 2nd, … failed try; after the last one the row is dead.
DEFAULT_RETRY_DELAYS_SECONDS: tuple[int, ...] = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600)
DEFAULT_SENDING_LEASE_SECONDS = 10 * 60

SKIPPED = "skipped"


def retry_delays() -> tuple[int, ...]:
    return tuple(getattr(settings, "OUTBOX_RETRY_DELAYS", DEFAULT_RETRY_DELAYS_SECONDS))


def max_attempts() -> int:
    return len(retry_delays()) + 1


def sending_lease() -> dt.timedelta:
    seconds = getattr(settings, "OUTBOX_SENDING_LEASE", DEFAULT_SENDING_LEASE_SECONDS)
    return dt.timedelta(seconds=seconds)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Try one delivery of a due notification. Returns the row's new status, or "skipped"
    when the row is not due or another worker claimed it first."""
    claimed = claim(notification_id, now or timezone.now())
    if claimed is None:
        return SKIPPED
    notification, attempt = claimed
    try:
        delivered = providers.deliver(notification)
    except providers.DeliveryError as error:
        return record_failure(notification, attempt, str(error), permanent=error.permanent, now=now)
    except Exception as error:
        # A bug or a misconfiguration must not bury the message: retry, and say why.
        logger.exception("Unexpected error delivering notification %s", notification_id)
        return record_failure(
            notification, attempt, f"{type(error).__name__}: {error}", permanent=False, now=now
        )
    return record_success(notification, attempt, delivered, now=now)


def is_due(status: str, next_attempt_at: dt.datetime | None, now: dt.datetime) -> bool:
    on_time = next_attempt_at is None or next_attempt_at <= now
    if status in DELIVERABLE_STATUSES:
        return on_time
    # A SENDING row whose lease ran out: its worker is gone.
    return status == NotificationStatus.SENDING and next_attempt_at is not None and on_time


def claim(notification_id: int, now: dt.datetime) -> tuple[Notification, DeliveryAttempt] | None:
    seen = snapshot(notification_id)
    if seen is None or not is_due(seen.status, seen.next_attempt_at, now):
        return None
    return claim_snapshot(seen, now)


@dataclass(frozen=True)
class Snapshot:
    """What a worker saw of a row before trying to claim it."""

    pk: int
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None


def snapshot(notification_id: int) -> Snapshot | None:
    row = (
        Notification.objects.filter(pk=notification_id)
        .values("status", "attempts", "next_attempt_at")
        .first()
    )
    return Snapshot(pk=notification_id, **row) if row else None


def claim_snapshot(seen: Snapshot, now: dt.datetime) -> tuple[Notification, DeliveryAttempt] | None:
    """Compare-and-set: the row moves to SENDING only if nobody changed it since `seen`.
    Of two workers holding the same snapshot, exactly one gets the row."""
    with transaction.atomic():
        won = Notification.objects.filter(
            pk=seen.pk, status=seen.status, attempts=seen.attempts
        ).update(
            status=NotificationStatus.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + sending_lease(),
        )
        if not won:
            return None
        if seen.status == NotificationStatus.SENDING:
            DeliveryAttempt.objects.filter(
                notification_id=seen.pk, outcome=AttemptOutcome.IN_PROGRESS
            ).update(
                outcome=AttemptOutcome.ABANDONED,
                finished_at=now,
                error="The worker stopped before recording a result; lease expired.",
            )
        notification = Notification.objects.select_related("site").get(pk=seen.pk)
        attempt = DeliveryAttempt.objects.create(
            notification=notification,
            number=notification.attempts,
            started_at=now,
            worker=worker_name(),
        )
    return notification, attempt


def record_success(
    notification: Notification,
    attempt: DeliveryAttempt,
    delivered: providers.Delivered,
    *,
    now: dt.datetime | None,
) -> str:
    finished = now or timezone.now()
    with transaction.atomic():
        finish_attempt(
            attempt,
            AttemptOutcome.SENT,
            finished,
            provider_message_id=delivered.provider_message_id,
        )
        # Unconditional: whatever else happened to the row, this message did go out.
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SENT,
            sent_at=finished,
            next_attempt_at=None,
            provider_message_id=delivered.provider_message_id,
            last_error="",
        )
        record_event(
            "notification.sent",
            subject=notification,
            site=notification.site,
            actor_label="outbox",
            occurred_at=finished,
            summary=f"{notification.channel} → {notification.to_address}",
            data={"attempt": attempt.number, "provider_message_id": delivered.provider_message_id},
        )
    return NotificationStatus.SENT


def record_failure(
    notification: Notification,
    attempt: DeliveryAttempt,
    error: str,
    *,
    permanent: bool,
    now: dt.datetime | None,
) -> str:
    finished = now or timezone.now()
    gives_up = permanent or notification.attempts_in_ladder >= max_attempts()
    next_attempt_at = None if gives_up else finished + retry_delay(notification)
    status = NotificationStatus.DEAD if gives_up else NotificationStatus.RETRYING
    outcome = AttemptOutcome.PERMANENT_FAILURE if permanent else AttemptOutcome.TEMPORARY_FAILURE
    with transaction.atomic():
        finish_attempt(attempt, outcome, finished, error=error)
        still_ours = Notification.objects.filter(
            pk=notification.pk, status=NotificationStatus.SENDING, attempts=notification.attempts
        ).update(status=status, next_attempt_at=next_attempt_at, last_error=error)
        if not still_ours:
            # Our lease expired and another worker took over; its result will count.
            return SKIPPED
        record_failure_event(notification, attempt, error, status, next_attempt_at, finished)
    return status


def retry_delay(notification: Notification) -> dt.timedelta:
    delays = retry_delays()
    index = min(max(notification.attempts_in_ladder - 1, 0), len(delays) - 1)
    return dt.timedelta(seconds=delays[index])


def finish_attempt(
    attempt: DeliveryAttempt,
    outcome: str,
    finished: dt.datetime,
    *,
    error: str = "",
    provider_message_id: str = "",
) -> None:
    attempt.outcome = outcome
    attempt.finished_at = finished
    attempt.error = error
    attempt.provider_message_id = provider_message_id
    attempt.save(update_fields=["outcome", "finished_at", "error", "provider_message_id"])


def record_failure_event(
    notification: Notification,
    attempt: DeliveryAttempt,
    error: str,
    status: str,
    next_attempt_at: dt.datetime | None,
    finished: dt.datetime,
) -> None:
    data = {
        "notification_id": notification.pk,
        "attempt": attempt.number,
        "error": error[:500],
        "channel": notification.channel,
        "to": notification.to_address,
    }
    if status == NotificationStatus.DEAD:
        # A message that will never arrive belongs on the timeline of what caused it (the
        # case, the clock), where staff will see it, not only on the notification's own.
        record_event(
            "notification.dead",
            subject=notification.related or notification,
            site=notification.site,
            actor_label="outbox",
            occurred_at=finished,
            summary=f"{notification.channel} → {notification.to_address}: {error}",
            data=data,
        )
        return
    data["next_attempt_at"] = next_attempt_at.isoformat() if next_attempt_at else None
    record_event(
        "notification.retrying",
        subject=notification,
        site=notification.site,
        actor_label="outbox",
        occurred_at=finished,
        summary=error,
        data=data,
    )


def deliver_due(now: dt.datetime, *, limit: int = 100) -> int:
    """The safety net the sweeper runs: deliver rows whose time has come even if their task
    was lost. Returns how many deliveries were attempted."""
    due = (
        Notification.objects.filter(
            Q(status__in=[*DELIVERABLE_STATUSES, NotificationStatus.SENDING]),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if deliver(pk, now=now) != SKIPPED)


def deliver_pending(limit: int = 100) -> int:
    return deliver_due(timezone.now(), limit=limit)
