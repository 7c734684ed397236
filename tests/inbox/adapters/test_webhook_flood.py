"""Inbound webhooks and the raw e-mail endpoint under a flood: limited per client IP and per
endpoint before the body, the token or the signature is looked at; 429 with Retry-After,
JSON errors for the e-mail endpoint, an empty body for Twilio; every refusal kept."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Site
from posventa.inbox.models import InboundRaw
from tests.inbox.adapters.helpers import mail
from tests.inbox.adapters.test_raw_email_endpoint import post_mail
from tests.inbox.adapters.test_twilio_webhooks import AUTH_TOKEN, post_signed, sms_fields

SMS_URL = "/in/twilio/madrid/sms/"


@pytest.fixture
def credential(madrid: Site) -> str:
    channel_actions.set_webhook_credential(madrid, AUTH_TOKEN, account_sid="AC00000000000000")
    return AUTH_TOKEN


@pytest.fixture
def token(madrid: Site) -> str:
    _row, clear = channel_actions.issue_endpoint_token(madrid, "Relay of the dealer website")
    return clear


@pytest.fixture
def tight_limits(settings: SettingsWrapper) -> None:
    settings.POSVENTA_RATE_LIMITS = {"webhook_ip": "5/m", "webhook_endpoint": "8/m"}


def forged(client: Client, n: int, ip: str = "192.0.2.50") -> object:
    return client.post(
        SMS_URL,
        data=urlencode(sms_fields(sid=f"SM{n:032d}")),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE="bm90IGEgc2lnbmF0dXJl",
        REMOTE_ADDR=ip,
    )


def test_a_flood_with_a_bad_signature_is_cut_off_with_429_and_an_empty_body(
    client: Client, madrid: Site, credential: str, tight_limits: None
) -> None:
    answers = [forged(client, n).status_code for n in range(12)]  # type: ignore[attr-defined]

    assert answers == [403] * 5 + [429] * 7
    response = forged(client, 99)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert response.content == b""  # type: ignore[attr-defined]
    assert 1 <= int(response["Retry-After"]) <= 60  # type: ignore[index]
    reasons = list(RefusedRequest.objects.values_list("reason", flat=True))
    assert reasons.count(RefusedReason.BAD_SIGNATURE) == 5
    assert reasons.count(RefusedReason.RATE_LIMITED) == 8
    limited = RefusedRequest.objects.filter(reason=RefusedReason.RATE_LIMITED).first()
    assert limited is not None and limited.site == madrid and limited.endpoint == "twilio_sms"
    assert bytes(limited.body) == b"" and limited.body_size > 0  # the size, not the flood
    assert not InboundRaw.objects.exists()


def test_a_limited_request_costs_no_signature_check_nor_body_read(
    client: Client, madrid: Site, credential: str, tight_limits: None
) -> None:
    for n in range(5):
        forged(client, n)

    with CaptureQueriesContext(connection) as queries:
        forged(client, 6)

    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    assert "webhookcredential" not in sql  # never got as far as the signature


def test_the_endpoint_limit_holds_when_the_flood_comes_from_many_addresses(
    client: Client, madrid: Site, credential: str, tight_limits: None
) -> None:
    answers = [forged(client, n, ip=f"192.0.2.{n}").status_code for n in range(10)]  # type: ignore[attr-defined]

    assert answers == [403] * 8 + [429] * 2


def test_genuine_messages_within_the_limits_are_stored(
    client: Client, madrid: Site, credential: str, tight_limits: None
) -> None:
    for n in range(5):
        response = post_signed(client, SMS_URL, sms_fields(sid=f"SM{n:032d}"))
        assert response.status_code == 200  # type: ignore[attr-defined]
    assert InboundRaw.objects.count() == 5


def test_the_raw_email_endpoint_answers_a_flood_with_json_errors_and_retry_after(
    client: Client, madrid: Site, token: str, tight_limits: None
) -> None:
    answers = [post_mail(client, mail(), "wrong-token").status_code for _n in range(5)]  # type: ignore[attr-defined]
    assert answers == [401] * 5

    response = post_mail(client, mail(), "wrong-token")

    assert response.status_code == 429  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["errors"][0]["field"] is None
    assert "Too many requests." in body["errors"][0]["message"]
    assert int(response["Retry-After"]) >= 1  # type: ignore[index]
    refused = RefusedRequest.objects.filter(reason=RefusedReason.RATE_LIMITED).get()
    assert refused.endpoint == "http_email" and "webhook_ip" in refused.detail
    assert refused.headers["Authorization"] == "[redacted]"


def test_a_flood_to_an_unknown_site_is_limited_too_and_never_a_500(
    client: Client, madrid: Site, tight_limits: None
) -> None:
    answers = [
        client.post("/in/email/nowhere/", b"x", content_type="message/rfc822").status_code
        for _n in range(7)
    ]

    assert answers == [404] * 5 + [429] * 2
    limited = RefusedRequest.objects.filter(reason=RefusedReason.RATE_LIMITED)
    assert [(row.endpoint, row.site) for row in limited] == [("http_email", None)] * 2
