"""Backoff, dead letters, manual retries and crashed workers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.outbox import delivery
from posventa.outbox.actions import retry_now, send_to_customer
from posventa.outbox.models import AttemptOutcome, Channel, Notification, NotificationStatus
from tests.outbox.conftest import FakeTwilio

EXPECTED_WAITS = [dt.timedelta(seconds=s) for s in (60, 300, 1800, 7200, 21600)]


def text_message(site: Site) -> Notification:
    return send_to_customer(
        channel=Channel.SMS,
        to_address="+34612345678",
        subject="",
        body="Your estimate is ready for approval.",
        site=site,
        related=site,
    )


def fail_every_time(fake: FakeTwilio, times: int) -> None:
    fake.replies = [(503, {"message": "Service unavailable"})] * times


def run_whole_ladder(notification: Notification, start: dt.datetime) -> list[dt.timedelta]:
    """Deliver whenever the row is due; return the waits the worker chose."""
    waits = []
    now = start
    while True:
        assert delivery.deliver_due(now) == 1
        notification.refresh_from_db()
        if notification.next_attempt_at is None:
            return waits
        waits.append(notification.next_attempt_at - now)
        now = notification.next_attempt_at


def test_it_backs_off_1m_5m_30m_2h_6h_then_gives_up(madrid: Site, fake_twilio: FakeTwilio) -> None:
    fail_every_time(fake_twilio, 6)
    notification = text_message(madrid)

    waits = run_whole_ladder(notification, timezone.now())

    assert waits == EXPECTED_WAITS
    assert notification.status == NotificationStatus.DEAD
    assert notification.attempts == 6
    assert len(fake_twilio.requests) == 6


def test_a_dead_letter_keeps_every_attempt(madrid: Site, fake_twilio: FakeTwilio) -> None:
    fail_every_time(fake_twilio, 6)
    notification = text_message(madrid)

    run_whole_ladder(notification, timezone.now())

    attempts = list(notification.delivery_attempts.all())
    assert [a.number for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert {a.outcome for a in attempts} == {AttemptOutcome.TEMPORARY_FAILURE}
    assert all("HTTP 503" in a.error for a in attempts)
    assert all(a.finished_at is not None for a in attempts)
    assert "HTTP 503" in notification.last_error


def test_a_dead_letter_shows_on_the_timeline_of_what_caused_it(
    madrid: Site, fake_twilio: FakeTwilio
) -> None:
    fail_every_time(fake_twilio, 6)
    notification = text_message(madrid)

    run_whole_ladder(notification, timezone.now())

    dead = timeline(madrid).filter(verb="notification.dead").get()
    assert dead.data["notification_id"] == notification.pk
    assert dead.data["attempt"] == 6
    assert timeline(notification).filter(verb="notification.retrying").count() == 5


def test_retry_now_gives_a_dead_letter_a_fresh_ladder(
    madrid: Site, manager: User, fake_twilio: FakeTwilio
) -> None:
    fail_every_time(fake_twilio, 7)
    notification = text_message(madrid)
    run_whole_ladder(notification, timezone.now())

    assert retry_now(notification, actor=manager) is True

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.RETRYING
    assert notification.ladder_offset == 6
    assert delivery.deliver_pending() == 1
    notification.refresh_from_db()
    # The seventh try failed too, but it is the first of a new ladder: wait a minute.
    assert notification.status == NotificationStatus.RETRYING
    assert notification.attempts == 7
    event = timeline(notification).get(verb="notification.retry_requested")
    assert event.actor == manager
    assert event.data["previous_status"] == "dead"


def test_retry_now_brings_a_waiting_retry_forward(madrid: Site, fake_twilio: FakeTwilio) -> None:
    fail_every_time(fake_twilio, 1)
    notification = text_message(madrid)
    delivery.deliver(notification.pk)

    assert retry_now(notification) is True
    assert delivery.deliver_pending() == 1

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_retry_now_leaves_a_sent_notification_alone(madrid: Site, fake_twilio: FakeTwilio) -> None:
    notification = text_message(madrid)
    delivery.deliver(notification.pk)

    assert retry_now(notification) is False
    assert delivery.deliver_pending() == 0
    assert len(fake_twilio.requests) == 1


def test_a_row_being_sent_is_not_taken_by_the_sweep(madrid: Site, fake_twilio: FakeTwilio) -> None:
    notification = text_message(madrid)
    now = timezone.now()
    assert delivery.claim(notification.pk, now) is not None

    assert delivery.deliver_due(now + dt.timedelta(minutes=9)) == 0
    assert fake_twilio.requests == []


def test_a_row_whose_worker_died_is_resent_after_the_lease(
    madrid: Site, fake_twilio: FakeTwilio
) -> None:
    notification = text_message(madrid)
    now = timezone.now()
    # A worker claims the row and dies before sending or recording anything.
    assert delivery.claim(notification.pk, now) is not None

    assert delivery.deliver_due(now + dt.timedelta(minutes=10)) == 1

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert [a.outcome for a in notification.delivery_attempts.all()] == [
        AttemptOutcome.ABANDONED,
        AttemptOutcome.SENT,
    ]
    assert len(fake_twilio.requests) == 1


@pytest.mark.parametrize("delays", [(5,), (1, 2, 3)])
def test_the_ladder_follows_settings(
    madrid: Site, fake_twilio: FakeTwilio, settings: object, delays: tuple[int, ...]
) -> None:
    settings.OUTBOX_RETRY_DELAYS = delays  # type: ignore[attr-defined]
    fail_every_time(fake_twilio, len(delays) + 1)
    notification = text_message(madrid)

    waits = run_whole_ladder(notification, timezone.now())

    assert waits == [dt.timedelta(seconds=s) for s in delays]
    assert notification.status == NotificationStatus.DEAD
