"""Twilio-compatible SMS and WhatsApp webhooks: signed requests only, answered with TwiML."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Event, Site
from posventa.inbox.adapters.http import twilio_signature as signature_under_test
from posventa.inbox.models import InboundRaw, InboundStatus
from tests.inbox.adapters.helpers import case_of, twilio_signature

AUTH_TOKEN = "f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8"
CUSTOMER_PHONE = "+34622334455"


@pytest.fixture
def credential(madrid: Site) -> str:
    channel_actions.set_webhook_credential(madrid, AUTH_TOKEN, account_sid="AC00000000000000")
    return AUTH_TOKEN


def sms_fields(
    *,
    sid: str = "SM11111111111111111111111111111111",
    body: str = "¿Está lista?",
    whatsapp: bool = False,
) -> dict[str, str]:
    prefix = "whatsapp:" if whatsapp else ""
    return {
        "AccountSid": "AC00000000000000",
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "From": f"{prefix}{CUSTOMER_PHONE}",
        "To": f"{prefix}+34910000001",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Irene",
    }


def post_signed(
    client: Client,
    path: str,
    fields: dict[str, str],
    *,
    signed_fields: dict[str, str] | None = None,
    signed_url: str | None = None,
    token: str = AUTH_TOKEN,
) -> object:
    url = signed_url or f"http://testserver{path}"
    signature = twilio_signature(token, url, signed_fields or fields)
    return client.post(
        path,
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def test_the_signature_matches_twilios_documented_example() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    }
    assert signature_under_test("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234", "1234"]}
    assert signature_under_test("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_signed_sms_is_stored_and_answered_with_empty_twiml(
    client: Client, madrid: Site, credential: str
) -> None:
    response = post_signed(client, "/in/twilio/madrid/sms/", sms_fields())
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("text/xml")  # type: ignore[index]
    assert b"<Response/>" in response.content  # type: ignore[attr-defined]
    raw = InboundRaw.objects.get()
    assert (raw.channel, raw.source, raw.site) == ("sms", "webhook", madrid)
    assert raw.dedupe_key == "SM11111111111111111111111111111111"
    assert raw.metadata["Body"] == "¿Está lista?"
    assert raw.payload() == urlencode(sms_fields()).encode()
    case = case_of(raw)
    assert case.requested_reply_channel == "sms"


def test_a_signed_whatsapp_message_opens_a_whatsapp_case(
    client: Client, madrid: Site, credential: str
) -> None:
    fields = sms_fields(sid="SM2222", whatsapp=True)
    response = post_signed(client, "/in/twilio/madrid/whatsapp/", fields)
    assert response.status_code == 200  # type: ignore[attr-defined]
    case = case_of(InboundRaw.objects.get())
    assert case.channel == "whatsapp" and case.requested_reply_channel == "whatsapp"


def test_a_tampered_body_is_refused_with_403_logged_and_kept(
    client: Client, madrid: Site, credential: str, caplog: pytest.LogCaptureFixture
) -> None:
    signed = sms_fields(body="Llamadme, por favor")
    tampered = {**signed, "Body": "Cancelad mi cita"}
    with caplog.at_level(logging.WARNING, logger="posventa.channels"):
        response = post_signed(client, "/in/twilio/madrid/sms/", tampered, signed_fields=signed)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert not InboundRaw.objects.exists()
    refused = RefusedRequest.objects.get()
    assert (refused.reason, refused.endpoint, refused.site) == (
        RefusedReason.BAD_SIGNATURE,
        "twilio_sms",
        madrid,
    )
    assert b"Cancelad" in bytes(refused.body)
    assert any("bad_signature" in record.getMessage() for record in caplog.records)
    assert Event.objects.filter(verb="inbound.refused", site=madrid).exists()


def test_a_missing_signature_is_refused_with_403(
    client: Client, madrid: Site, credential: str
) -> None:
    response = client.post(
        "/in/twilio/madrid/sms/",
        data=urlencode(sms_fields()),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert RefusedRequest.objects.get().reason == RefusedReason.MISSING_SIGNATURE
    assert not InboundRaw.objects.exists()


def test_a_request_signed_with_another_token_is_refused(
    client: Client, madrid: Site, credential: str
) -> None:
    response = post_signed(client, "/in/twilio/madrid/sms/", sms_fields(), token="other-token")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert RefusedRequest.objects.get().reason == RefusedReason.BAD_SIGNATURE


def test_the_signature_covers_the_exact_url(client: Client, madrid: Site, credential: str) -> None:
    response = post_signed(
        client,
        "/in/twilio/madrid/sms/",
        sms_fields(),
        signed_url="http://testserver/in/twilio/madrid/whatsapp/",
    )
    assert response.status_code == 403  # type: ignore[attr-defined]


def test_a_site_without_a_credential_refuses_everything(client: Client, madrid: Site) -> None:
    response = post_signed(client, "/in/twilio/madrid/sms/", sms_fields())
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert RefusedRequest.objects.get().reason == RefusedReason.NOT_CONFIGURED


def test_the_public_url_is_accepted_behind_a_proxy(
    client: Client, madrid: Site, credential: str, settings: SettingsWrapper
) -> None:
    settings.SITE_URL = "https://service.ejemplo-motor.example"
    response = post_signed(
        client,
        "/in/twilio/madrid/sms/",
        sms_fields(),
        signed_url="https://service.ejemplo-motor.example:443/in/twilio/madrid/sms/",
    )
    assert response.status_code == 200  # type: ignore[attr-defined]


def test_a_message_delivered_twice_is_stored_once(
    client: Client, madrid: Site, credential: str
) -> None:
    post_signed(client, "/in/twilio/madrid/sms/", sms_fields(sid="SM3333"))
    post_signed(client, "/in/twilio/madrid/sms/", sms_fields(sid="SM3333"))
    assert InboundRaw.objects.count() == 1


def test_a_signed_message_without_sender_is_quarantined_and_still_acknowledged(
    client: Client, madrid: Site, credential: str
) -> None:
    fields = {"MessageSid": "SM4444", "Body": "sin remitente"}
    response = post_signed(client, "/in/twilio/madrid/sms/", fields)
    assert response.status_code == 200  # type: ignore[attr-defined]
    raw = InboundRaw.objects.get()
    assert raw.status == InboundStatus.QUARANTINED and "From" in raw.reason


@pytest.mark.django_db(transaction=True)
def test_a_signed_sms_over_real_http_is_stored(live_server: object, madrid: Site) -> None:
    channel_actions.set_webhook_credential(madrid, AUTH_TOKEN)
    url = f"{live_server.url}/in/twilio/madrid/sms/"  # type: ignore[attr-defined]
    fields = sms_fields(sid="SM5555")
    request = urllib.request.Request(
        url,
        data=urlencode(fields).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url, fields),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert b"<Response/>" in response.read()
    assert case_of(InboundRaw.objects.get(dedupe_key="SM5555")).site == madrid

    tampered = urllib.request.Request(
        url,
        data=urlencode({**fields, "Body": "otro"}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url, fields),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tampered, timeout=30)
    assert refused.value.code == 403
    assert RefusedRequest.objects.filter(reason=RefusedReason.BAD_SIGNATURE).count() == 1
