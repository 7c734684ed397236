"""Writing to the outbox: what a row carries, how bad input is refused, dedupe."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from posventa.core.events import timeline
from posventa.core.models import Event, Site, User
from posventa.outbox.actions import notify_user, send_to_customer
from posventa.outbox.models import Channel, Notification, NotificationStatus

MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


def customer_email(site: Site, **overrides: Any) -> Notification:
    arguments: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "to_address": "lucia.customer@example.net",
        "subject": "Your brake fluid question",
        "body": "Brake fluid only is enough.",
        "site": site,
    }
    arguments.update(overrides)
    return send_to_customer(**arguments)


def test_it_writes_a_pending_row_with_a_message_id_up_front(madrid: Site) -> None:
    notification = customer_email(madrid, related=madrid, html_body="<p>Brake fluid</p>")

    assert notification.status == NotificationStatus.PENDING
    assert notification.automatic is False
    assert notification.attempts == 0
    assert notification.next_attempt_at == notification.created_at
    assert MESSAGE_ID.match(notification.message_id)
    assert notification.message_id.endswith("@posventa.invalid>")
    assert notification.related == madrid
    assert notification.html_body == "<p>Brake fluid</p>"
    assert Notification.objects.get().message_id == notification.message_id


def test_it_takes_the_message_id_domain_and_sender_from_the_site(madrid: Site) -> None:
    madrid.email = "taller@ejemplo-motor.example"
    madrid.save()

    notification = customer_email(madrid)

    assert notification.from_address == "taller@ejemplo-motor.example"
    assert notification.message_id.endswith("@ejemplo-motor.example>")


def test_it_records_the_queued_event_on_the_notification_timeline(madrid: Site) -> None:
    notification = customer_email(madrid)

    [event] = timeline(notification)
    assert event.verb == "notification.queued"
    assert event.site == madrid
    assert event.data["message_id"] == notification.message_id


def test_an_automatic_reply_is_marked_auto_replied(madrid: Site) -> None:
    notification = customer_email(
        madrid,
        automatic=True,
        in_reply_to="<question-1@customer.example>",
        references="<question-1@customer.example>",
    )

    assert notification.automatic is True
    assert notification.headers["Auto-Submitted"] == "auto-replied"
    assert notification.in_reply_to == "<question-1@customer.example>"


def test_an_automatic_message_that_answers_nothing_is_auto_generated(madrid: Site) -> None:
    notification = customer_email(madrid, automatic=True)

    assert notification.headers["Auto-Submitted"] == "auto-generated"


def test_a_human_reply_carries_no_auto_submitted_header(madrid: Site) -> None:
    notification = customer_email(madrid, in_reply_to="<question-1@customer.example>")

    assert notification.automatic is False
    assert "Auto-Submitted" not in notification.headers


def test_it_normalises_a_national_phone_number_with_the_site_country(madrid: Site) -> None:
    notification = send_to_customer(
        channel=Channel.SMS,
        to_address="612 345 678",
        subject="",
        body="Your car is ready.",
        site=madrid,
    )

    assert notification.to_address == "+34612345678"
    assert notification.message_id == ""


def test_it_strips_a_whatsapp_prefix_from_the_address(madrid: Site) -> None:
    notification = send_to_customer(
        channel=Channel.WHATSAPP,
        to_address="whatsapp:+46701234567",
        subject="",
        body="Hej!",
        site=madrid,
    )

    assert notification.to_address == "+46701234567"


def test_a_subject_with_line_breaks_becomes_one_line(madrid: Site) -> None:
    notification = customer_email(madrid, subject="Brake\r\nfluid\n  question")

    assert notification.subject == "Brake fluid question"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"to_address": "not-an-address"}, "to_address"),
        ({"to_address": ""}, "to_address"),
        ({"channel": Channel.SMS, "to_address": "12"}, "to_address"),
        ({"body": "   "}, "body"),
        ({"subject": "x" * 301}, "subject"),
        ({"headers": {"X-Evil": "a\r\nBcc: victim@example.com"}}, "headers"),
        ({"headers": {"Message-ID": "<mine@example.com>"}}, "headers"),
        ({"in_reply_to": "<a@b>\r\nBcc: victim@example.com"}, "in_reply_to"),
        ({"from_address": "nobody"}, "from_address"),
        ({"dedupe_key": "k" * 201}, "dedupe_key"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_saves_nothing(
    madrid: Site, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        customer_email(madrid, **overrides)

    assert field in refused.value.message_dict
    assert not Notification.objects.exists()
    assert not Event.objects.filter(verb__startswith="notification.").exists()


def test_an_unsaved_related_object_is_refused(madrid: Site) -> None:
    with pytest.raises(ValidationError) as refused:
        customer_email(madrid, related=User(username="ghost"))

    assert "related" in refused.value.message_dict


def test_notify_user_e_mails_the_user_automatically_by_default(manager: User, madrid: Site) -> None:
    notification = notify_user(
        manager, subject="Clock breached", body="INFO-WEB breached.", site=madrid
    )

    assert notification.channel == Channel.EMAIL
    assert notification.to_address == manager.email
    assert notification.recipient == manager
    assert notification.automatic is True
    assert notification.headers == {"Auto-Submitted": "auto-generated"}
    assert notification.status == NotificationStatus.PENDING


def test_notify_user_falls_back_to_sms_without_an_e_mail(manager: User, madrid: Site) -> None:
    manager.email = ""
    manager.phone = "+34 600 111 222"
    manager.save()

    notification = notify_user(
        manager, subject="Clock breached", body="INFO-WEB breached.", site=madrid
    )

    assert notification.channel == Channel.SMS
    assert notification.to_address == "+34600111222"


def test_notify_user_without_any_address_leaves_a_visible_dead_letter(
    manager: User, madrid: Site
) -> None:
    manager.email = ""
    manager.save()

    notification = notify_user(
        manager, subject="Clock breached", body="INFO-WEB breached.", site=madrid
    )

    assert notification.status == NotificationStatus.DEAD
    assert "no address" in notification.last_error
    assert notification.next_attempt_at is None
    assert timeline(notification).get().verb == "notification.dead"


def test_a_dedupe_key_used_twice_gives_back_the_first_row(
    madrid: Site, django_capture_on_commit_callbacks: Any, immediate_tasks: None
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = customer_email(madrid, dedupe_key="case-7:ack")
    with django_capture_on_commit_callbacks(execute=True):
        second = customer_email(madrid, dedupe_key="case-7:ack", body="Another text")

    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body == "Brake fluid only is enough."


def test_rows_without_a_dedupe_key_never_collide(madrid: Site) -> None:
    customer_email(madrid)
    customer_email(madrid, dedupe_key="")

    assert Notification.objects.filter(dedupe_key__isnull=True).count() == 2


def test_it_asks_for_delivery_only_when_the_transaction_commits(
    madrid: Site, django_capture_on_commit_callbacks: Any, database_tasks: None
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = customer_email(madrid)
        assert not DBTaskResult.objects.exists()

    assert len(callbacks) == 1
    callbacks[0]()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "posventa.outbox.tasks.deliver_notification"
    assert queued.args_kwargs == {"args": [notification.pk], "kwargs": {}}
