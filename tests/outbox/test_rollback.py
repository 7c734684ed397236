"""A change that rolls back must never send; one that commits must always be delivered.

These tests use real transactions (transactional_db), not the test-case savepoint, so
on_commit behaves exactly as in production.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from posventa.core.models import Event, Site, User
from posventa.outbox.actions import notify_user, send_to_customer
from posventa.outbox.models import Channel, Notification, NotificationStatus

pytestmark = pytest.mark.django_db(transaction=True)


class CaseChangeFailed(Exception):
    pass


def reply_then_fail(site: Site) -> None:
    with transaction.atomic():
        send_to_customer(
            channel=Channel.EMAIL,
            to_address="lucia.customer@example.net",
            subject="Re: brakes",
            body="We will call you today.",
            site=site,
        )
        raise CaseChangeFailed


def test_a_rolled_back_change_sends_nothing(madrid: Site, immediate_tasks: None) -> None:
    with pytest.raises(CaseChangeFailed):
        reply_then_fail(madrid)

    assert not Notification.objects.exists()
    assert not Event.objects.filter(verb__startswith="notification.").exists()
    assert mail.outbox == []


def test_a_rolled_back_change_queues_no_task(madrid: Site, database_tasks: None) -> None:
    with pytest.raises(CaseChangeFailed):
        reply_then_fail(madrid)

    assert not DBTaskResult.objects.exists()
    assert not Notification.objects.exists()


def test_a_rolled_back_escalation_sends_nothing(
    madrid: Site, manager: User, immediate_tasks: None
) -> None:
    with pytest.raises(CaseChangeFailed), transaction.atomic():
        notify_user(manager, subject="Breach", body="INFO-WEB breached.", site=madrid)
        raise CaseChangeFailed

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_committed_change_is_delivered_after_commit(madrid: Site, immediate_tasks: None) -> None:
    with transaction.atomic():
        notification = send_to_customer(
            channel=Channel.EMAIL,
            to_address="lucia.customer@example.net",
            subject="Re: brakes",
            body="We will call you today.",
            site=madrid,
        )
        # Still inside the caller's transaction: nothing may have left yet.
        assert mail.outbox == []

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == notification.message_id
