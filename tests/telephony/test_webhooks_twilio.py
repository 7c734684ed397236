"""Twilio Voice status callbacks, signed as Twilio signs them (URL + sorted parameters,
HMAC-SHA1 with the auth token)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Site
from posventa.telephony.models import Call, CallEventRaw, CallStatus
from tests.inbox.adapters.helpers import twilio_signature
from tests.telephony.conftest import TWILIO_TOKEN

PATH = "/in/phone/madrid/twilio/"


def status(sid: str, call_status: str, at: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC0000",
        "CallSid": sid,
        "From": "+34600000125",
        "To": "+34910000001",
        "Direction": "inbound",
        "CallStatus": call_status,
        "Timestamp": at,
        **extra,
    }


def post(client: Client, fields: dict[str, str], token: str = TWILIO_TOKEN) -> Any:
    return client.post(
        PATH,
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(token, f"http://testserver{PATH}", fields),
    )


@pytest.mark.django_db(transaction=True)
def test_signed_status_callbacks_over_real_http_make_a_measured_call(
    live_server: Any, phone_site: Site
) -> None:
    url = f"{live_server.url}{PATH}"

    def send(fields: dict[str, str], token: str = TWILIO_TOKEN) -> int:
        request = urllib.request.Request(
            url,
            data=urlencode(fields).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(token, url, fields),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert send(status("CA1", "ringing", "Tue, 01 Dec 2026 09:00:00 +0000")) == 200
    completed = status("CA1", "completed", "Tue, 01 Dec 2026 09:02:10 +0000", CallDuration="120")
    assert send(completed) == 200
    call = Call.objects.get()
    # Answered CallDuration seconds before it ended: 10 s of ringing.
    assert call.status == CallStatus.COMPLETED and call.ring_seconds == 10
    assert call.talk_seconds == 120 and call.meets_info_phone is True
    assert send(completed, token="someone-elses-token") == 403
    assert RefusedRequest.objects.get().reason == RefusedReason.BAD_SIGNATURE


def test_a_caller_who_hangs_up_first_is_abandoned(client: Client, phone_site: Site) -> None:
    post(client, status("CA2", "ringing", "Tue, 01 Dec 2026 09:00:00 +0000"))
    post(client, status("CA2", "canceled", "Tue, 01 Dec 2026 09:00:20 +0000"))
    call = Call.objects.get()
    assert call.status == CallStatus.ABANDONED and call.abandoned_after_seconds == 20


def test_no_answer_is_missed(client: Client, phone_site: Site) -> None:
    post(client, status("CA3", "no-answer", "Tue, 01 Dec 2026 09:00:30 +0000"))
    assert Call.objects.get().status == CallStatus.MISSED


def test_an_unsigned_callback_is_refused_and_recorded(client: Client, phone_site: Site) -> None:
    response = client.post(
        PATH,
        data=urlencode(status("CA4", "ringing", "")),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert RefusedRequest.objects.get().reason == RefusedReason.MISSING_SIGNATURE
    assert not CallEventRaw.objects.exists()
