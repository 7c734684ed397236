"""A missed, abandoned or voicemail inbound call owes the caller a callback: one per number,
with an INFO-PHONE clock nobody owns yet (the site's phone queue)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posventa.clocks.models import ClockState
from posventa.core.models import Site
from posventa.telephony.callbacks import calls_closed
from posventa.telephony.models import (
    Callback,
    CallbackStatus,
    CallDirection,
    CallStatus,
)
from tests.telephony.factories_out import make_call, missed_call
from tests.telephony.helpers_out import callback_clock, timeline_verbs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [CallStatus.MISSED, CallStatus.ABANDONED, CallStatus.VOICEMAIL])
def test_an_unanswered_inbound_call_opens_a_callback_nobody_owns_yet(
    madrid: Site, status: str
) -> None:
    call = make_call(madrid, status=status, voicemail_url="https://pbx.example.com/vm/1.wav")
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN
    assert callback.number == call.caller and callback.first_call == call
    assert callback.voicemail_url == "https://pbx.example.com/vm/1.wav"
    clock = callback_clock(callback)
    assert clock.state == ClockState.RUNNING and clock.owner is None
    assert clock.started_at == call.ended_at
    assert clock.target_seconds == 3600
    assert timeline_verbs(callback)[-1] == "callback.opened"


def test_a_second_missed_call_from_the_same_number_joins_the_open_callback_as_a_chase(
    madrid: Site,
) -> None:
    first = missed_call(madrid, started_at=timezone.now() - dt.timedelta(minutes=30))
    second = missed_call(madrid, started_at=timezone.now() - dt.timedelta(minutes=5))
    callback = Callback.objects.get()
    assert callback.missed_calls == 2
    assert callback.first_call == first and callback.last_missed_call == second
    assert "callback.chased" in timeline_verbs(callback)
    # The chase does not move the clock: it still runs from the first missed call.
    assert callback_clock(callback).started_at == first.ended_at


def test_another_number_gets_its_own_callback(madrid: Site) -> None:
    missed_call(madrid, number="+34600000101")
    missed_call(madrid, number="+34600000102")
    assert Callback.objects.filter(status=CallbackStatus.OPEN).count() == 2


def test_answered_calls_and_calls_without_a_number_open_nothing(madrid: Site) -> None:
    make_call(madrid, status=CallStatus.COMPLETED)
    missed_call(madrid, number="", caller_raw="anonymous")
    assert not Callback.objects.exists()


def test_a_missed_call_from_old_history_opens_no_callback(madrid: Site) -> None:
    missed_call(madrid, started_at=timezone.now() - dt.timedelta(days=3))
    assert not Callback.objects.exists()


def test_handing_the_same_call_over_twice_changes_nothing(madrid: Site) -> None:
    call = missed_call(madrid)
    calls_closed([call])
    calls_closed([call, call])
    callback = Callback.objects.get()
    assert callback.missed_calls == 1
    assert timeline_verbs(callback).count("callback.opened") == 1


def test_a_batch_in_any_order_is_applied_in_the_order_the_calls_happened(madrid: Site) -> None:
    now = timezone.now()
    missed = missed_call(madrid, started_at=now - dt.timedelta(minutes=40), close=False)
    again = missed_call(madrid, started_at=now - dt.timedelta(minutes=30), close=False)
    back = make_call(
        madrid,
        direction=CallDirection.OUTBOUND,
        status=CallStatus.COMPLETED,
        started_at=now - dt.timedelta(minutes=20),
        close=False,
    )
    calls_closed([back, again, missed])
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.CALLED_BACK
    assert callback.missed_calls == 2 and callback.kept_by_call == back


def test_a_call_still_ringing_is_left_alone(madrid: Site) -> None:
    make_call(madrid, status=CallStatus.RINGING)
    assert not Callback.objects.exists()
