"""The generic JSON webhook: signed requests over real HTTP, raw first, idempotent, and a
bad signature or an unconfigured site refused with 403 and recorded."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Event, Site
from posventa.telephony.actions import calls
from posventa.telephony.models import Call, CallEvent, CallEventRaw, CallStatus, RawStatus
from posventa.telephony.webhooks import body_signature
from tests.telephony.conftest import CALLER, PHONE_SECRET, event, post_events


def http_post(url: str, payload: Any, *, secret: str = PHONE_SECRET) -> tuple[int, dict[str, Any]]:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Posventa-Signature": body_signature(secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db(transaction=True)
def test_a_signed_call_over_real_http_is_stored_raw_and_becomes_a_call(
    live_server: Any, phone_site: Site
) -> None:
    url = f"{live_server.url}/in/phone/madrid/events/"
    status, answer = http_post(url, [event("ringing", 0), event("answered", 9, agent="201")])
    assert status == 202 and answer["status"] == "processed"
    status, _answer = http_post(url, event("hung_up", 120))
    assert status == 202
    call = Call.objects.get(pk=answer["calls"][0])
    assert call.status == CallStatus.COMPLETED and call.meets_info_phone is True
    assert (call.ring_seconds, call.rings, call.talk_seconds) == (9, 2, 111)
    assert call.caller == CALLER and call.department == "service" and call.agent_raw == "201"
    assert CallEventRaw.objects.filter(status=RawStatus.PROCESSED).count() == 2

    status, refused = http_post(url, event("hung_up", 130), secret="wrong")
    assert status == 403 and refused["errors"][0]["field"] == "X-Posventa-Signature"
    assert RefusedRequest.objects.get(endpoint="phone_events").reason == RefusedReason.BAD_SIGNATURE
    assert CallEventRaw.objects.count() == 2


def test_the_same_events_delivered_twice_are_stored_once(client: Client, phone_site: Site) -> None:
    events = [event("ringing", 0), event("hung_up", 20)]
    post_events(client, events)
    post_events(client, events[::-1])
    call = Call.objects.get()
    assert CallEvent.objects.filter(call=call).count() == 2
    assert call.status == CallStatus.ABANDONED and call.abandoned_after_seconds == 20
    assert CallEventRaw.objects.count() == 2  # both requests kept as they came


def test_an_unsigned_request_is_refused_and_recorded(client: Client, phone_site: Site) -> None:
    response = client.post(
        "/in/phone/madrid/events/",
        data=json.dumps(event("ringing", 0)),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert RefusedRequest.objects.get().reason == RefusedReason.MISSING_SIGNATURE
    assert not CallEventRaw.objects.exists()


def test_a_site_without_a_phone_secret_refuses_every_request(client: Client, madrid: Site) -> None:
    response = post_events(client, event("ringing", 0))
    assert response.status_code == 403
    assert RefusedRequest.objects.get().reason == RefusedReason.NOT_CONFIGURED


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"event": "exploded", "call_id": "x", "timestamp": "2026-12-01T09:00:00Z"}, "event"),
        ({"event": "ringing", "call_id": "x", "timestamp": "2026-12-01T09:00:00"}, "offset"),
        ({"event": "ringing", "timestamp": "2026-12-01T09:00:00Z"}, "call_id"),
        ([], "no event"),
    ],
)
def test_an_unreadable_body_is_quarantined_with_its_reason(
    client: Client, phone_site: Site, payload: Any, reason: str
) -> None:
    response = post_events(client, payload)
    assert response.status_code == 202 and response.json()["status"] == "quarantined"
    raw = CallEventRaw.objects.get()
    assert raw.status == RawStatus.QUARANTINED and reason in raw.error
    assert Event.objects.filter(verb="call_event.quarantined").exists()
    assert not Call.objects.exists()


def test_a_body_that_is_not_json_is_kept_and_quarantined(client: Client, phone_site: Site) -> None:
    body = b"\xff\xfe not json"
    response = client.post(
        "/in/phone/madrid/events/",
        data=body,
        content_type="application/json",
        HTTP_X_POSVENTA_SIGNATURE=body_signature(PHONE_SECRET, body),
    )
    assert response.status_code == 202
    raw = CallEventRaw.objects.get()
    assert bytes(raw.body) == body and raw.status == RawStatus.QUARANTINED


def test_a_pending_row_left_by_a_crash_is_processed_by_housekeeping(phone_site: Site) -> None:
    raw = calls.store_raw(phone_site, "generic", json.dumps(event("ringing", 0)).encode())
    CallEventRaw.objects.filter(pk=raw.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert calls.process_pending() == 1
    assert CallEventRaw.objects.get().status == RawStatus.PROCESSED and Call.objects.count() == 1
