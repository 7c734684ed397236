"""Background tasks of the outbox, run by `python -m django db_worker` (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notification(notification_id: int) -> str:
    """Deliver one outbox row. Safe to run twice or late: the claim decides who sends."""
    # Imported here because delivery re-enqueues this task when it schedules a retry.
    from posventa.outbox.delivery import deliver

    return deliver(notification_id)
