"""Inbound channel adapters: they receive, hand the bytes to `inbox.actions.ingest`, and answer.

An adapter never interprets a message. It authenticates the sender where the channel allows
it (bearer token, provider signature, SMTP recipient allowlist), enforces the size limit,
stores what it received through `ingest` (raw first, then processed; bad content ends in the
quarantine) and only then tells the sender "received". What it refuses is kept in
`channels.RefusedRequest` with the reason, and logged.

    imap.poll_mailbox(mailbox) -> int                   IMAP poller (command imap_poll)
    smtp.SmtpIngestHandler / smtp.start_listener(...)   SMTP listener (command smtp_listen)
    http.raw_email / http.twilio_sms / http.twilio_whatsapp
    webform.web_form / letters.register_letter
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedRequest
from posventa.core.models import Site
from posventa.core.ratelimit import client_ip
from posventa.inbox.actions import ingest
from posventa.inbox.batch import InboundItem
from posventa.inbox.models import InboundRaw
from posventa.inbox.normalise import email_message_id

DEFAULT_MAX_INBOUND_BYTES = 30 * 1024 * 1024


def max_inbound_bytes() -> int:
    """The largest message any adapter accepts (POSVENTA_INBOUND_MAX_BYTES, default 30 MiB)."""
    return int(getattr(settings, "POSVENTA_INBOUND_MAX_BYTES", DEFAULT_MAX_INBOUND_BYTES))


def record_refusal(
    request: HttpRequest,
    endpoint: str,
    reason: str,
    *,
    site: Site | None,
    detail: str,
    body: bytes = b"",
    body_size: int | None = None,
) -> RefusedRequest:
    """Keep a refused HTTP request (`channels.RefusedRequest`, admin "Refused requests")."""
    return channel_actions.record_refused_request(
        endpoint,
        reason,
        site=site,
        detail=detail,
        remote_addr=client_ip(request) or None,
        method=request.method or "",
        url=request.build_absolute_uri(),
        headers=dict(request.headers),
        body=body,
        body_size=body_size,
    )


def email_dedupe_key(raw: bytes) -> str:
    """The Message-ID, or a digest of the bytes when the message has none.

    Without a Message-ID a redelivery (an SMTP client retrying after a lost 250, an IMAP
    message fetched again after a crash) would otherwise become a second case; identical
    bytes are the same message.
    """
    return email_message_id(raw) or "sha256:" + hashlib.sha256(raw).hexdigest()


def ingest_email(
    raw: bytes, *, source: str, site: Site | None, metadata: dict[str, Any] | None = None
) -> InboundRaw:
    return ingest(
        "email", raw, source=source, site=site, dedupe_key=email_dedupe_key(raw), metadata=metadata
    )


def email_item(
    raw: bytes, *, source: str, site: Site | None, metadata: dict[str, Any] | None = None
) -> InboundItem:
    """One e-mail for `inbox.batch.ingest_many`, keyed as `ingest_email` keys it."""
    return InboundItem(
        "email", raw, source=source, site=site, dedupe_key=email_dedupe_key(raw), metadata=metadata
    )
