"""Open callbacks are on "Waiting on us" with their time left, shown by the telephony
presenter (number, chases, customer, a link to the phone board), and escalate like every
clock: the sweeper warns the team leads and tells the managers of the breach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from posventa.clocks.models import EscalationLevel
from posventa.clocks.sweeper import claim_due_clocks
from posventa.core.models import Site, User
from posventa.telephony.callbacks import calls_closed
from posventa.telephony.models import Callback
from tests.telephony.factories_out import missed_call
from tests.telephony.helpers_out import callback_clock, timeline_verbs

pytestmark = pytest.mark.django_db
# Tuesday 1 December 2026, 10:00 in Madrid.
MORNING = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_an_open_callback_is_on_the_waiting_list_linked_to_the_phone_board(
    client: Client, agent: User, madrid: Site
) -> None:
    first = missed_call(madrid, close=False)
    again = missed_call(madrid, close=False, started_at=first.started_at + dt.timedelta(minutes=2))
    calls_closed([first, again])
    callback = Callback.objects.get()
    client.force_login(agent)
    page = client.get(reverse("clocks:waiting")).content.decode()
    assert f"Call back {callback.number} (2 missed calls)" in page
    assert f"/phone/{madrid.slug}/#callback-{callback.pk}" in page
    assert "INFO-PHONE" in page


def test_a_callback_nobody_keeps_escalates_like_every_clock(madrid: Site, manager: User) -> None:
    missed = missed_call(madrid, started_at=MORNING, close=False)
    calls_closed([missed], now=MORNING + dt.timedelta(minutes=1))
    callback = Callback.objects.get()
    claim_due_clocks(MORNING + dt.timedelta(hours=3), 10)
    clock = callback_clock(callback)
    assert clock.breached_at is not None
    assert clock.escalation_level >= EscalationLevel.BREACHED
    assert "clock.breached" in timeline_verbs(callback)
