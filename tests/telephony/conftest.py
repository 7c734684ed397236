"""Telephony fixtures: Madrid's phone credentials and lines, and helpers that post real,
signed requests. Numbers are invented (+34 600 000 xxx, +34 910 000 xxx)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from posventa.cases.models import Case
from posventa.channels import actions as channel_actions
from posventa.channels.models import WebhookProvider
from posventa.core.models import Site
from posventa.telephony.models import PhoneLine
from posventa.telephony.webhooks import body_signature
from tests.inbox.factories import case_of, receive_email

PHONE_SECRET = "phone-secret-0123456789abcdef"
ZAMMAD_TOKEN = "zammad-token-abcdef0123456789"
TWILIO_TOKEN = "f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8"
SERVICE_LINE = "+34910000001"
PARTS_LINE = "+34910000002"
CALLER = "+34600000123"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def phone_site(madrid: Site) -> Site:
    channel_actions.set_webhook_credential(
        madrid, PHONE_SECRET, provider=WebhookProvider.PHONE_WEBHOOK
    )
    channel_actions.set_webhook_credential(
        madrid, ZAMMAD_TOKEN, provider=WebhookProvider.ZAMMAD_CTI
    )
    channel_actions.set_webhook_credential(madrid, TWILIO_TOKEN, account_sid="AC0000")
    PhoneLine.objects.create(site=madrid, number=SERVICE_LINE, department="service")
    PhoneLine.objects.create(site=madrid, number=PARTS_LINE, department="parts")
    return madrid


@pytest.fixture
def email_case(madrid: Site) -> Case:
    """A case opened by a customer's e-mail to Madrid."""
    return case_of(receive_email(madrid, subject="Revisión de los 30.000 km"))


def event(
    kind: str,
    seconds: float,
    *,
    call_id: str = "call-1",
    direction: str = "inbound",
    caller: str = CALLER,
    called: str = SERVICE_LINE,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "event": kind,
        "call_id": call_id,
        "timestamp": (T0 + dt.timedelta(seconds=seconds)).isoformat(),
        "direction": direction,
        "from": caller,
        "to": called,
        **extra,
    }


def post_events(
    client: Client, events: list[dict[str, Any]] | dict[str, Any], *, secret: str = PHONE_SECRET
) -> Any:
    body = json.dumps(events).encode()
    return client.post(
        "/in/phone/madrid/events/",
        data=body,
        content_type="application/json",
        HTTP_X_POSVENTA_SIGNATURE=body_signature(secret, body),
    )
