"""The outbox in the admin: filter by status, look at attempts, retry now."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.outbox.actions import send_to_customer
from posventa.outbox.delivery import deliver
from posventa.outbox.models import Channel, Notification, NotificationStatus
from tests.outbox.conftest import FakeTwilio


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser(
        username="ops", email="ops@example.com", password="test-password-123"
    )


@pytest.fixture
def operator_client(client: Client, operator: User) -> Client:
    client.force_login(operator)
    return client


def sms(site: Site, to: str) -> Notification:
    return send_to_customer(channel=Channel.SMS, to_address=to, subject="", body="Hello", site=site)


@pytest.fixture
def dead_and_sent(madrid: Site, fake_twilio: FakeTwilio) -> tuple[Notification, Notification]:
    fake_twilio.replies = [(400, {"message": "Invalid number"})]
    dead = sms(madrid, "+34612345678")
    deliver(dead.pk)
    sent = sms(madrid, "+34612345679")
    deliver(sent.pk)
    dead.refresh_from_db()
    sent.refresh_from_db()
    assert (dead.status, sent.status) == (NotificationStatus.DEAD, NotificationStatus.SENT)
    return dead, sent


def test_the_list_filters_by_status(
    operator_client: Client, dead_and_sent: tuple[Notification, Notification]
) -> None:
    url = reverse("admin:outbox_notification_changelist")

    response = operator_client.get(url, {"status__exact": "dead"})

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [dead_and_sent[0]]


def test_the_detail_page_shows_every_attempt(
    operator_client: Client, dead_and_sent: tuple[Notification, Notification]
) -> None:
    dead, _ = dead_and_sent

    response = operator_client.get(reverse("admin:outbox_notification_change", args=[dead.pk]))

    assert response.status_code == 200
    assert "Invalid number" in response.content.decode()


def test_retry_now_revives_dead_rows_and_skips_sent_ones(
    operator_client: Client,
    operator: User,
    dead_and_sent: tuple[Notification, Notification],
    django_capture_on_commit_callbacks: Any,
    immediate_tasks: None,
    fake_twilio: FakeTwilio,
) -> None:
    dead, sent = dead_and_sent

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("admin:outbox_notification_changelist"),
            {"action": "retry_now", "_selected_action": [dead.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert "1 notification will be retried now." in shown
    assert "1 notification was skipped: already sent or being sent." in shown
    dead.refresh_from_db()
    # The immediate backend delivered it right after the commit; the fake now accepts it.
    assert dead.status == NotificationStatus.SENT
    assert dead.attempts == 2
    assert timeline(dead).get(verb="notification.retry_requested").actor == operator
    sent.refresh_from_db()
    assert sent.attempts == 1
