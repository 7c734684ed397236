"""Payload builders for the adapter tests. Names and addresses are invented."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid

from posventa.cases.models import Case
from posventa.inbox.models import InboundRaw, InboundStatus

SENDER = "irene.castano@example.org"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mail(
    *,
    subject: str = "Cita para la revisión",
    body: str = "Buenos días, ¿tenéis hueco el jueves para la revisión de los 60.000 km?",
    sender: str = f"Irene Castaño <{SENDER}>",
    to: str = "taller@madrid.example",
    message_id: str | None = None,
    with_message_id: bool = True,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if with_message_id:
        message["Message-ID"] = message_id or make_msgid(domain="example.org")
    message.set_content(body)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def twilio_signature(auth_token: str, url: str, fields: Mapping[str, str]) -> str:
    """Twilio's documented algorithm, written out independently of the code under test."""
    signed = url
    for name in sorted(fields):
        signed += name + fields[name]
    mac = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def case_of(raw: InboundRaw) -> Case:
    raw.refresh_from_db()
    assert raw.status == InboundStatus.PROCESSED, raw.reason
    assert raw.message is not None
    return raw.message.case
