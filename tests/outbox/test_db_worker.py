"""The production path: the django-tasks database backend and its `db_worker` command."""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from posventa.core.models import Site
from posventa.outbox.actions import send_to_customer
from posventa.outbox.models import Channel, Notification, NotificationStatus
from posventa.outbox.tasks import deliver_notification
from tests.outbox.conftest import FakeTwilio, read_sms_lines

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_worker_until_idle() -> None:
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
        worker_id="outbox-test-worker",
    )


def committed_sms(site: Site, body: str = "Your car is ready.") -> Notification:
    with transaction.atomic():
        return send_to_customer(
            channel=Channel.SMS, to_address="+34612345678", subject="", body=body, site=site
        )


def test_the_worker_delivers_what_a_commit_queued(
    madrid: Site, sms_file: Path, database_tasks: None, keep_signal_handlers: None
) -> None:
    notification = committed_sms(madrid)
    [queued] = DBTaskResult.objects.all()
    assert queued.status == TaskResultStatus.READY

    run_worker_until_idle()

    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value == "sent"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert [line["body"] for line in read_sms_lines(sms_file)] == ["Your car is ready."]


def test_a_failed_try_is_requeued_for_later_and_the_worker_sends_it_then(
    madrid: Site,
    fake_twilio: FakeTwilio,
    database_tasks: None,
    keep_signal_handlers: None,
    settings: Any,
) -> None:
    settings.OUTBOX_RETRY_DELAYS = (1,)
    fake_twilio.replies = [(500, {"message": "Internal error"})]
    notification = committed_sms(madrid)

    run_worker_until_idle()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.RETRYING
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert notification.next_attempt_at is not None
    assert retry.run_after == notification.next_attempt_at
    assert retry.run_after - notification.delivery_attempts.get().finished_at == dt.timedelta(
        seconds=1
    )

    time.sleep(1.1)
    run_worker_until_idle()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert len(fake_twilio.requests) == 2


def test_duplicate_tasks_for_one_notification_send_it_once(
    madrid: Site, sms_file: Path, database_tasks: None, keep_signal_handlers: None
) -> None:
    notification = committed_sms(madrid)
    deliver_notification.enqueue(notification.pk)
    deliver_notification.enqueue(notification.pk)

    run_worker_until_idle()

    results = sorted(DBTaskResult.objects.values_list("return_value", flat=True))
    assert results == ["sent", "skipped", "skipped"]
    assert len(read_sms_lines(sms_file)) == 1
