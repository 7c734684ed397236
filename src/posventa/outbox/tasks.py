"""Background tasks of the outbox, run by `python -m django db_worker` (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notification(notification_id: int) -> str:
    """Deliver one outbox row. Safe to run twice or late: the claim decides who sends."""
    # Imported here because delivery re-enqueues this task when it schedules a retry.
    from posventa.outbox.delivery import deliver

    return deliver(notification_id)


@task()
def deliver_notifications(notification_ids: list[int]) -> list[str]:
    """Deliver the rows a batch queued (a chunk of inbound mail's acknowledgements), one
    task for all. Each row is claimed and retried on its own, exactly as by
    `deliver_notification`."""
    from posventa.outbox.delivery import deliver

    return [deliver(notification_id) for notification_id in notification_ids]
