"""Zammad's Generic CTI API: a PBX bridge that pushes to Zammad pushes here by URL."""

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
from tests.telephony.conftest import ZAMMAD_TOKEN

URL = f"/in/phone/madrid/zammad/{ZAMMAD_TOKEN}/"
NEW_CALL = {
    "event": "newCall",
    "from": "34600000124",
    "to": "34910000002",
    "direction": "in",
    "callId": "4991155921769858278-1",
    "queue": "recambios",
}


def post(client: Client, fields: dict[str, Any], url: str = URL) -> Any:
    return client.post(
        url, data=urlencode(fields, doseq=True), content_type="application/x-www-form-urlencoded"
    )


@pytest.mark.django_db(transaction=True)
def test_a_bridge_posting_form_fields_over_real_http_makes_a_call(
    live_server: Any, phone_site: Site
) -> None:
    def send(fields: dict[str, Any], token: str = ZAMMAD_TOKEN) -> int:
        request = urllib.request.Request(
            f"{live_server.url}/in/phone/madrid/zammad/{token}/",
            data=urlencode(fields, doseq=True).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert send({**NEW_CALL, "user[]": ["Alba", "Bruno"]}) == 200
    assert send({"event": "answer", "callId": NEW_CALL["callId"], "user": "Alba"}) == 200
    assert send({"event": "hangup", "callId": NEW_CALL["callId"], "cause": "normalClearing"}) == 200
    call = Call.objects.get()
    assert call.status == CallStatus.COMPLETED and call.agent_raw == "Alba"
    # Zammad writes international numbers as digits without "+".
    assert call.caller == "+34600000124" and call.department == "parts"
    assert send(NEW_CALL, token="not-the-token") == 403
    assert RefusedRequest.objects.get().reason == RefusedReason.BAD_TOKEN


def test_a_retried_post_adds_nothing(client: Client, phone_site: Site) -> None:
    post(client, NEW_CALL)
    post(client, NEW_CALL)
    post(client, {"event": "hangup", "callId": NEW_CALL["callId"], "cause": "noAnswer"})
    call = Call.objects.get()
    assert call.events.count() == 2 and call.status == CallStatus.MISSED
    assert CallEventRaw.objects.count() == 3


def test_the_same_fields_as_json_are_read_too(client: Client, phone_site: Site) -> None:
    response = client.post(
        URL, data={**NEW_CALL, "event": "newCall"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert Call.objects.get().caller_raw == "34600000124"


def test_an_unknown_event_is_quarantined(client: Client, phone_site: Site) -> None:
    post(client, {**NEW_CALL, "event": "explode"})
    raw = CallEventRaw.objects.get()
    assert raw.status == "quarantined" and "newCall" in raw.error
