"""SMS and WhatsApp through a Twilio-compatible REST API served on loopback."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.utils import timezone

from posventa.core.models import Site
from posventa.outbox.actions import send_to_customer
from posventa.outbox.delivery import deliver, deliver_due
from posventa.outbox.models import AttemptOutcome, Channel, Notification, NotificationStatus
from tests.outbox.conftest import ACCOUNT_SID, AUTH_TOKEN, SMS_FROM, WHATSAPP_FROM, FakeTwilio


def text_message(site: Site, channel: str = Channel.SMS) -> Notification:
    return send_to_customer(
        channel=channel,
        to_address="+34612345678",
        subject="",
        body="Your car is ready for pick-up until 19:00.",
        site=site,
    )


def test_it_posts_the_message_with_basic_auth_and_form_fields(
    madrid: Site, fake_twilio: FakeTwilio
) -> None:
    notification = text_message(madrid)

    assert deliver(notification.pk) == NotificationStatus.SENT

    [request] = fake_twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    scheme, _, credentials = request["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == f"{ACCOUNT_SID}:{AUTH_TOKEN}"
    assert request["form"] == {
        "To": "+34612345678",
        "From": SMS_FROM,
        "Body": "Your car is ready for pick-up until 19:00.",
    }
    notification.refresh_from_db()
    assert notification.provider_message_id == f"SM{1:032d}"
    assert notification.delivery_attempts.get().provider_message_id == f"SM{1:032d}"


def test_whatsapp_uses_prefixed_addresses(madrid: Site, fake_twilio: FakeTwilio) -> None:
    notification = text_message(madrid, Channel.WHATSAPP)

    deliver(notification.pk)

    form = fake_twilio.requests[0]["form"]
    assert form["To"] == "whatsapp:+34612345678"
    assert form["From"] == f"whatsapp:{WHATSAPP_FROM}"


def test_a_server_error_is_retried_with_backoff_until_it_goes_through(
    madrid: Site, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.replies = [(500, {"message": "Internal error"})]
    notification = text_message(madrid)
    now = timezone.now()

    assert deliver(notification.pk, now=now) == NotificationStatus.RETRYING
    notification.refresh_from_db()
    assert notification.next_attempt_at == now + dt.timedelta(minutes=1)
    assert "HTTP 500" in notification.last_error

    assert deliver_due(now + dt.timedelta(seconds=59)) == 0
    assert deliver_due(now + dt.timedelta(seconds=60)) == 1

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.last_error == ""
    assert [a.outcome for a in notification.delivery_attempts.all()] == [
        AttemptOutcome.TEMPORARY_FAILURE,
        AttemptOutcome.SENT,
    ]
    assert len(fake_twilio.requests) == 2


def test_throttling_is_retried(madrid: Site, fake_twilio: FakeTwilio) -> None:
    fake_twilio.replies = [(429, {"message": "Too many requests"})]
    notification = text_message(madrid)

    assert deliver(notification.pk) == NotificationStatus.RETRYING


def test_a_rejected_request_is_a_dead_letter_at_once(madrid: Site, fake_twilio: FakeTwilio) -> None:
    fake_twilio.replies = [(400, {"code": 21211, "message": "Invalid 'To' Phone Number"})]
    notification = text_message(madrid)

    assert deliver(notification.pk) == NotificationStatus.DEAD

    notification.refresh_from_db()
    assert "HTTP 400" in notification.last_error
    assert "21211" in notification.last_error
    assert notification.delivery_attempts.get().outcome == AttemptOutcome.PERMANENT_FAILURE


def test_a_provider_that_hangs_times_out_and_is_retried(
    madrid: Site, fake_twilio: FakeTwilio, settings: Any
) -> None:
    settings.OUTBOX_SEND_TIMEOUT = 0.3
    fake_twilio.delay_seconds = 1.0
    notification = text_message(madrid)

    assert deliver(notification.pk) == NotificationStatus.RETRYING

    notification.refresh_from_db()
    assert "timed out" in notification.last_error.lower()


def test_missing_credentials_keep_the_message_for_a_retry(
    madrid: Site, fake_twilio: FakeTwilio, settings: Any
) -> None:
    settings.SMS_AUTH_TOKEN = ""
    notification = text_message(madrid)

    assert deliver(notification.pk) == NotificationStatus.RETRYING

    notification.refresh_from_db()
    assert "not configured" in notification.last_error
    assert fake_twilio.requests == []
