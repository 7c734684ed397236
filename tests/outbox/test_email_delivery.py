"""E-mail goes through Django's SMTP backend to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import email
from email.message import Message
from typing import Any

from django.utils import timezone

from posventa.core.models import Site, User
from posventa.outbox.actions import notify_user, send_to_customer
from posventa.outbox.delivery import deliver, deliver_pending
from posventa.outbox.models import AttemptOutcome, Channel, Notification, NotificationStatus
from tests.outbox.conftest import SmtpInbox, free_port

QUESTION_ID = "<question-1@customer.example>"


def received(inbox: SmtpInbox) -> list[Message]:
    return [email.message_from_bytes(envelope.original_content) for envelope in inbox.envelopes]


def acknowledgement(site: Site, **overrides: Any) -> Notification:
    arguments: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "to_address": "lucia.customer@example.net",
        "subject": "Re: Brake fluid or the bigger service?",
        "body": "We received your question and will answer within one business hour.",
        "html_body": "<p>We received your question.</p>",
        "site": site,
        "automatic": True,
        "in_reply_to": QUESTION_ID,
        "references": QUESTION_ID,
    }
    arguments.update(overrides)
    return send_to_customer(**arguments)


def test_it_sends_an_automatic_reply_with_threading_headers(
    madrid: Site, smtp_inbox: SmtpInbox
) -> None:
    notification = acknowledgement(madrid)

    assert deliver_pending() == 1

    [message] = received(smtp_inbox)
    assert message["Message-ID"] == notification.message_id
    assert message["In-Reply-To"] == QUESTION_ID
    assert message["References"] == QUESTION_ID
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Subject"] == "Re: Brake fluid or the bigger service?"
    assert message["To"] == "lucia.customer@example.net"
    assert smtp_inbox.envelopes[0].rcpt_tos == ["lucia.customer@example.net"]
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "one business hour" in parts["text/plain"]
    assert parts["text/html"] == "<p>We received your question.</p>"


def test_it_records_the_sent_state_and_the_attempt(madrid: Site, smtp_inbox: SmtpInbox) -> None:
    notification = acknowledgement(madrid)

    assert deliver(notification.pk) == NotificationStatus.SENT

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert notification.next_attempt_at is None
    assert notification.provider_message_id == notification.message_id
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.SENT
    assert attempt.provider_message_id == notification.message_id
    assert attempt.finished_at is not None


def test_a_human_reply_is_sent_without_auto_submitted(madrid: Site, smtp_inbox: SmtpInbox) -> None:
    acknowledgement(madrid, automatic=False, html_body="")

    deliver_pending()

    [message] = received(smtp_inbox)
    assert message["Auto-Submitted"] is None
    assert message["In-Reply-To"] == QUESTION_ID
    assert message.get_content_type() == "text/plain"


def test_an_escalation_reaches_the_manager_as_auto_generated(
    madrid: Site, manager: User, smtp_inbox: SmtpInbox
) -> None:
    notify_user(
        manager, subject="INFO-WEB breached at Madrid", body="Nobody answered.", site=madrid
    )

    deliver_pending()

    [message] = received(smtp_inbox)
    assert message["To"] == manager.email
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith("<")


def test_a_recipient_refused_for_good_is_a_dead_letter_at_once(
    madrid: Site, smtp_inbox: SmtpInbox
) -> None:
    smtp_inbox.refuse["gone@example.net"] = "550 5.1.1 No such user"
    notification = acknowledgement(madrid, to_address="gone@example.net")

    assert deliver(notification.pk) == NotificationStatus.DEAD

    notification.refresh_from_db()
    assert notification.next_attempt_at is None
    assert "550" in notification.last_error
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.PERMANENT_FAILURE
    assert smtp_inbox.envelopes == []


def test_a_greylisted_recipient_is_retried_after_a_minute(
    madrid: Site, smtp_inbox: SmtpInbox
) -> None:
    smtp_inbox.refuse["busy@example.net"] = "451 4.7.1 Greylisted, try again later"
    notification = acknowledgement(madrid, to_address="busy@example.net")
    now = timezone.now()

    assert deliver(notification.pk, now=now) == NotificationStatus.RETRYING

    notification.refresh_from_db()
    assert notification.next_attempt_at == now + dt.timedelta(minutes=1)
    assert "451" in notification.last_error
    del smtp_inbox.refuse["busy@example.net"]
    assert deliver(notification.pk, now=now + dt.timedelta(seconds=30)) == "skipped"
    assert deliver(notification.pk, now=now + dt.timedelta(seconds=61)) == "sent"
    assert len(smtp_inbox.envelopes) == 1


def test_an_unreachable_smtp_server_is_a_temporary_failure(madrid: Site, settings: Any) -> None:
    settings.EMAIL_BACKEND = "posventa.outbox.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    notification = acknowledgement(madrid)

    assert deliver(notification.pk) == NotificationStatus.RETRYING

    notification.refresh_from_db()
    assert notification.last_error
    assert notification.delivery_attempts.get().outcome == AttemptOutcome.TEMPORARY_FAILURE
