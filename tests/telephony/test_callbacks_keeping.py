"""A callback is kept by our outbound call that connected, by the customer calling again
and being answered, or after the last failed attempt by a written message that says we
tried and how to reach us. Each attempt is on the callback's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posventa.clocks.models import ClockState
from posventa.core.models import Site
from posventa.customers import actions as customer_actions
from posventa.outbox.models import Notification
from posventa.telephony.callbacks import calls_closed
from posventa.telephony.models import (
    Callback,
    CallbackStatus,
    CallDirection,
    CallOutcome,
    CallSource,
    CallStatus,
    PhoneSettings,
)
from tests.telephony.factories_out import call_back, make_call, missed_call
from tests.telephony.helpers_out import callback_clock, timeline_verbs

pytestmark = pytest.mark.django_db
AGO = dt.timedelta(minutes=30)


def test_an_outbound_call_that_connected_keeps_the_callback(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    back = call_back(madrid)
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.CALLED_BACK
    assert callback.kept_by_call == back and callback.closed_at == back.answered_at
    clock = callback_clock(callback)
    assert clock.state == ClockState.SATISFIED and clock.breached_at is None
    assert timeline_verbs(callback)[-2:] == ["clock.satisfied", "callback.called_back"]


def test_a_call_logged_by_hand_as_connected_keeps_the_callback(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    make_call(
        madrid,
        direction=CallDirection.OUTBOUND,
        status=CallStatus.COMPLETED,
        source=CallSource.MANUAL,
        outcome=CallOutcome.CONNECTED,
    )
    assert Callback.objects.get().status == CallbackStatus.CALLED_BACK


def test_a_caller_answered_before_we_called_back_satisfies_the_callback_and_says_so(
    madrid: Site,
) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    again = make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=5)
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.CUSTOMER_CALLED
    assert callback.kept_by_call == again
    assert callback_clock(callback).state == ClockState.SATISFIED


def test_a_call_back_to_another_number_keeps_nothing(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    call_back(madrid, number="+34600000999")
    assert Callback.objects.get().status == CallbackStatus.OPEN


def test_a_call_back_made_before_the_missed_call_keeps_nothing(madrid: Site) -> None:
    now = timezone.now()
    call_back(madrid, started_at=now - dt.timedelta(hours=2), close=False)
    missed_call(madrid, started_at=now - AGO)
    earlier = call_back(madrid, started_at=now - dt.timedelta(hours=1), close=False)
    calls_closed([earlier])
    assert Callback.objects.get().status == CallbackStatus.OPEN


def test_a_callback_kept_late_stays_breached(madrid: Site) -> None:
    # Tuesday 1 December 2026, 10:00 in Madrid: due by 11:00; we call back at 12:30.
    missed_at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    missed = missed_call(madrid, started_at=missed_at, close=False)
    back = call_back(madrid, started_at=missed_at + dt.timedelta(hours=2, minutes=30), close=False)
    calls_closed([missed, back], now=missed_at + dt.timedelta(hours=3))
    clock = callback_clock(Callback.objects.get())
    assert clock.state == ClockState.SATISFIED
    assert clock.breached_at == dt.datetime(2026, 12, 1, 10, 0, 20, tzinfo=dt.UTC)
    assert clock.business_seconds == 2 * 3600 + 30 * 60


def test_each_failed_attempt_is_counted_and_on_the_timeline(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    call_back(madrid, connected=False)
    call_back(madrid, connected=False, status=CallStatus.BUSY)
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN and callback.attempts == 2
    assert timeline_verbs(callback).count("callback.attempted") == 2


def test_a_manual_call_with_no_answer_is_an_attempt_not_a_connection(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    make_call(
        madrid,
        direction=CallDirection.OUTBOUND,
        status=CallStatus.COMPLETED,
        source=CallSource.MANUAL,
        outcome=CallOutcome.NO_ANSWER,
    )
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN and callback.attempts == 1


def test_after_the_last_failed_attempt_a_message_on_the_preferred_channel_keeps_it(
    madrid: Site,
) -> None:
    madrid.phone, madrid.email = "+34 910 000 000", "taller@example.com"
    madrid.save()
    customer = customer_actions.create_customer(
        madrid.organisation,
        display_name="Cliente Inventado",
        language="es",
        preferred_channel="email",
        contact_points=[("email", "cliente.inventado@example.com"), ("phone", "+34600000101")],
    )
    missed_call(madrid, started_at=timezone.now() - AGO, customer=customer)
    for _ in range(3):
        call_back(madrid, connected=False)
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.MESSAGE_SENT and callback.attempts == 3
    message = Notification.objects.get(pk=callback.kept_by_message)
    assert message.channel == "email" and message.to_address == "cliente.inventado@example.com"
    assert "3" in message.body and "+34 910 000 000" in message.body
    assert "Hemos intentado devolverle la llamada 3 veces" in message.body
    assert message.automatic  # the system wrote it, not a person
    assert callback_clock(callback).state == ClockState.SATISFIED
    assert timeline_verbs(callback)[-1] == "callback.message_sent"


def test_the_number_of_attempts_is_a_site_setting(madrid: Site) -> None:
    PhoneSettings.objects.create(site=madrid, callback_attempts=1)
    missed_call(madrid, started_at=timezone.now() - AGO)
    call_back(madrid, connected=False)
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.MESSAGE_SENT
    # No customer on record: an SMS to the number that called.
    message = Notification.objects.get(pk=callback.kept_by_message)
    assert message.channel == "sms" and message.to_address == "+34600000101"


def test_with_nowhere_to_write_the_callback_stays_open(madrid: Site) -> None:
    PhoneSettings.objects.create(site=madrid, callback_attempts=1)
    missed_call(madrid, started_at=timezone.now() - AGO, number="0000", caller="")
    call_back(madrid, connected=False, number="0000", called="")
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN and callback.attempts == 1


def test_a_new_missed_call_after_a_kept_callback_opens_a_new_one(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - AGO)
    call_back(madrid, started_at=timezone.now() - dt.timedelta(minutes=20))
    missed_call(madrid)
    assert list(Callback.objects.values_list("status", flat=True).order_by("pk")) == [
        CallbackStatus.CALLED_BACK,
        CallbackStatus.OPEN,
    ]


def test_a_connected_call_to_the_customer_on_another_of_their_numbers_keeps_it(
    madrid: Site,
) -> None:
    customer = customer_actions.create_customer(
        madrid.organisation,
        display_name="Cliente Con Dos Teléfonos",
        contact_points=[("phone", "+34600000101"), ("phone", "+34600000199")],
    )
    missed_call(madrid, started_at=timezone.now() - AGO, customer=customer)
    back = call_back(madrid, number="+34600000199", customer=customer)
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.CALLED_BACK and callback.kept_by_call == back


def test_a_call_logged_on_the_customers_case_without_a_number_keeps_it(madrid: Site) -> None:
    customer = customer_actions.create_customer(madrid.organisation, display_name="Cliente Caso")
    missed_call(madrid, started_at=timezone.now() - AGO, customer=customer)
    call_back(madrid, number="", called_raw="", customer=customer, source=CallSource.MANUAL,
              outcome=CallOutcome.CONNECTED)  # fmt: skip
    assert Callback.objects.get().status == CallbackStatus.CALLED_BACK
