"""Two workers racing on one notification deliver it once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from posventa.core.models import Site
from posventa.outbox import delivery
from posventa.outbox.actions import send_to_customer
from posventa.outbox.models import Channel, Notification, NotificationStatus
from tests.outbox.conftest import read_sms_lines


def text_message(site: Site, body: str = "Your car is ready.") -> Notification:
    return send_to_customer(
        channel=Channel.SMS, to_address="+34612345678", subject="", body=body, site=site
    )


def test_two_workers_holding_the_same_snapshot_claim_it_once(madrid: Site, sms_file: Path) -> None:
    notification = text_message(madrid)
    now = timezone.now()
    seen = delivery.snapshot(notification.pk)
    assert seen is not None

    first = delivery.claim_snapshot(seen, now)
    second = delivery.claim_snapshot(seen, now)

    assert first is not None
    assert second is None
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.delivery_attempts.count() == 1


# SQLite's shared-cache in-memory test database fails concurrent writers at once ("table is
# locked") instead of waiting, unlike the WAL file used in production; the snapshot test
# above covers the compare-and-set there.
@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_worker_threads_racing_deliver_each_message_once(madrid: Site, sms_file: Path) -> None:
    notifications = [text_message(madrid, f"Message {n}") for n in range(4)]
    workers = 4
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def race(notification_id: int, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            outcome = delivery.deliver(notification_id)
            with lock:
                outcomes.append(outcome)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    for notification in notifications:
        barrier = threading.Barrier(workers)
        threads = [
            threading.Thread(target=race, args=(notification.pk, barrier)) for _ in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert outcomes.count("sent") == len(notifications)
    assert outcomes.count("skipped") == len(notifications) * (workers - 1)
    bodies = sorted(line["body"] for line in read_sms_lines(sms_file))
    assert bodies == [f"Message {n}" for n in range(4)]
    for notification in notifications:
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.SENT
        assert notification.attempts == 1
