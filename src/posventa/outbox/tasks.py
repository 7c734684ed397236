"""Background tasks of the outbox, run by `python -m django db_worker` (django-tasks).

The queue side of delivery: `delivery` claims, sends and records a try; these tasks run it
and, when a try failed and another is due later, put the row back on the queue for then.
Losing a queued task is survivable: the sweep's `delivery.deliver_due` picks up any row
whose time has come, which is also how a try made by the sweep itself is retried.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django_tasks import task

from posventa.outbox.delivery import deliver
from posventa.outbox.models import Notification, NotificationStatus


@task()
def deliver_notification(notification_id: int) -> str:
    """Deliver one outbox row. Safe to run twice or late: the claim decides who sends."""
    return deliver_and_requeue(notification_id)


@task()
def deliver_notifications(notification_ids: list[int]) -> list[str]:
    """Deliver the rows a batch queued (a chunk of inbound mail's acknowledgements), one
    task for all. Each row is claimed and retried on its own, exactly as by
    `deliver_notification`."""
    return [deliver_and_requeue(notification_id) for notification_id in notification_ids]


def deliver_and_requeue(notification_id: int) -> str:
    """One try; a row left RETRYING goes back on the queue for its next attempt."""
    status = deliver(notification_id)
    if status == NotificationStatus.RETRYING:
        next_attempt_at = (
            Notification.objects.filter(pk=notification_id, status=NotificationStatus.RETRYING)
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if next_attempt_at is not None:
            transaction.on_commit(
                partial(schedule_delivery, notification_id, next_attempt_at), robust=True
            )
    return status


def schedule_delivery(notification_id: int, run_after: dt.datetime | None = None) -> None:
    """Put the row on the task queue. Losing this message is survivable: the sweep's
    `deliver_due` picks up any row whose time has come."""
    queued = deliver_notification
    if run_after is not None:
        if not queued.get_backend().supports_defer:
            # e.g. the immediate backend: a deferred try is left to the sweep.
            return
        queued = queued.using(run_after=run_after)
    queued.enqueue(notification_id)
