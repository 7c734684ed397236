"""A call whose events stop (no hang-up) is closed by the timeout with a clear status."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from posventa.core.models import Site
from posventa.telephony.actions import calls
from posventa.telephony.models import Call, CallStatus, PhoneSettings
from tests.telephony.conftest import T0, event, post_events


def test_a_call_without_a_hang_up_is_closed_after_the_sites_stale_time(
    client: Client, phone_site: Site
) -> None:
    PhoneSettings.objects.create(site=phone_site, stale_call_minutes=60)
    post_events(client, [event("ringing", 0), event("answered", 5)])
    assert calls.close_stale_calls(now=T0 + dt.timedelta(minutes=59)) == 0
    assert calls.close_stale_calls(now=T0 + dt.timedelta(minutes=61)) == 1
    call = Call.objects.get()
    assert call.status == CallStatus.TIMED_OUT and call.ended_at == T0 + dt.timedelta(seconds=5)
    assert calls.close_stale_calls(now=T0 + dt.timedelta(days=1)) == 0


def test_a_hang_up_that_arrives_after_the_timeout_still_wins(
    client: Client, phone_site: Site
) -> None:
    post_events(client, [event("ringing", 0), event("answered", 5)])
    calls.close_stale_calls(now=T0 + dt.timedelta(hours=5))
    post_events(client, event("hung_up", 95))
    call = Call.objects.get()
    assert call.status == CallStatus.COMPLETED and call.talk_seconds == 90
