"""Where messages leave the building: e-mail through Django's backends, SMS and WhatsApp
through a small provider interface chosen by settings.SMS_BACKEND.

A provider either returns the provider's message id or raises DeliveryError saying whether
trying again could help. The worker turns that into a retry or a dead letter.
"""

from __future__ import annotations

import base64
import json
import smtplib
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import BadHeaderError
from django.utils import timezone
from django.utils.module_loading import import_string

from posventa.outbox.models import Channel, Notification

# Bounded so a hung server cannot hold a claimed row past its lease.
DEFAULT_SEND_TIMEOUT_SECONDS = 30


class DeliveryError(Exception):
    """The provider did not take the message. `permanent` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Delivered:
    provider_message_id: str


def send_timeout() -> float:
    return float(getattr(settings, "OUTBOX_SEND_TIMEOUT", DEFAULT_SEND_TIMEOUT_SECONDS))


def deliver(notification: Notification) -> Delivered:
    if notification.channel == Channel.EMAIL:
        return send_email(notification)
    return sms_backend().send(
        channel=notification.channel,
        to_address=notification.to_address,
        from_address=notification.from_address,
        body=notification.body,
    )


# --- e-mail ---------------------------------------------------------------------------


def attachment_bytes(attachment: Mapping[str, str]) -> str | bytes:
    """A stored attachment's content: text as it is (a calendar invitation), a binary file
    (a PDF) from the base64 it is kept as in the row's JSON."""
    if attachment.get("encoding") == "base64":
        return base64.b64decode(attachment["content"])
    return str(attachment["content"])


def build_email(notification: Notification) -> EmailMultiAlternatives:
    headers: dict[str, str] = {str(k): str(v) for k, v in notification.headers.items()}
    headers["Message-ID"] = notification.message_id
    if notification.in_reply_to:
        headers["In-Reply-To"] = notification.in_reply_to
    if notification.references:
        headers["References"] = notification.references
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        from_email=notification.from_address or settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_address],
        headers=headers,
        connection=get_connection(timeout=send_timeout()),
    )
    if notification.html_body:
        message.attach_alternative(notification.html_body, "text/html")
    for attachment in notification.attachments or []:
        message.attach(
            attachment["filename"], attachment_bytes(attachment), attachment["content_type"]
        )
    return message


def send_email(notification: Notification) -> Delivered:
    try:
        build_email(notification).send()
    except smtplib.SMTPRecipientsRefused as error:
        # Greylisting answers 4xx at RCPT time: only an all-5xx refusal is final.
        codes = [code for code, _reply in error.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        replies = "; ".join(
            f"{address}: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
        raise DeliveryError(f"Recipient refused: {replies}", permanent=permanent) from error
    except smtplib.SMTPResponseException as error:
        # 5xx is the server's final answer; 4xx asks us to come back later.
        permanent = 500 <= error.smtp_code < 600
        raise DeliveryError(
            f"SMTP {error.smtp_code}: {_text(error.smtp_error)}", permanent=permanent
        ) from error
    except BadHeaderError as error:
        raise DeliveryError(f"Bad header: {error}", permanent=True) from error
    except smtplib.SMTPNotSupportedError as error:
        # An internationalised address (RFC 6531) needs SMTPUTF8 (`outbox.smtp`); asking
        # the same server again cannot help.
        raise DeliveryError(
            f"The mail server cannot deliver to {notification.to_address!r}: {error}",
            permanent=True,
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from error
    return Delivered(provider_message_id=notification.message_id)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --- SMS and WhatsApp -----------------------------------------------------------------


class SmsBackend(Protocol):
    def send(self, *, channel: str, to_address: str, from_address: str, body: str) -> Delivered: ...


def default_from_number(channel: str) -> str:
    if channel == Channel.WHATSAPP:
        return str(getattr(settings, "WHATSAPP_FROM_NUMBER", "") or "")
    return str(getattr(settings, "SMS_FROM_NUMBER", "") or "")


class FileSmsBackend:
    """Appends one JSON line per message: the demo and development default."""

    # One process may run several worker threads; a line must never interleave another.
    _lock = threading.Lock()

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, channel: str, to_address: str, from_address: str, body: str) -> Delivered:
        message_id = f"file-{uuid.uuid4().hex}"
        line = json.dumps(
            {
                "id": message_id,
                "channel": channel,
                "to": to_address,
                "from": from_address or default_from_number(channel),
                "body": body,
                "sent_at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as output:
                output.write(line + "\n")
        except OSError as error:
            raise DeliveryError(f"Cannot write {self.path}: {error}", permanent=False) from error
        return Delivered(provider_message_id=message_id)


class TwilioSmsBackend:
    """A Twilio-compatible REST API: POST …/Accounts/{SID}/Messages.json with Basic auth."""

    def __init__(
        self,
        *,
        api_url: str | None = None,
        account_sid: str | None = None,
        auth_token: str | None = None,
    ) -> None:
        self.api_url = (api_url or settings.SMS_API_URL).rstrip("/")
        self.account_sid = account_sid if account_sid is not None else settings.SMS_ACCOUNT_SID
        self.auth_token = auth_token if auth_token is not None else settings.SMS_AUTH_TOKEN

    def messages_url(self) -> str:
        sid = urllib.parse.quote(self.account_sid, safe="")
        return f"{self.api_url}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, *, channel: str, to_address: str, from_address: str, body: str) -> Delivered:
        sender = from_address or default_from_number(channel)
        if not self.account_sid or not self.auth_token or not sender:
            # Configuration is fixable without losing the message: retry rather than bury it.
            raise DeliveryError(
                "SMS provider not configured (account SID, auth token or sender missing)",
                permanent=False,
            )
        form = urllib.parse.urlencode(
            {
                "To": provider_address(channel, to_address),
                "From": provider_address(channel, sender),
                "Body": body,
            }
        ).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            self.messages_url(),
            data=form,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        payload = self._post(request)
        return Delivered(provider_message_id=str(payload.get("sid") or ""))

    def _post(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=send_timeout()) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode("utf-8", "replace")
            # 429 is throttling and 5xx is the provider's trouble: both pass with time.
            permanent = 400 <= error.code < 500 and error.code != 429
            raise DeliveryError(f"HTTP {error.code}: {detail}", permanent=permanent) from error
        except OSError as error:  # URLError, timeouts, refused connections: all transient
            raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from error
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            # The provider accepted the message; a garbled body must not cause a resend.
            return {}
        return payload if isinstance(payload, dict) else {}


def provider_address(channel: str, number: str) -> str:
    if channel == Channel.WHATSAPP and not number.startswith("whatsapp:"):
        return f"whatsapp:{number}"
    return number


SMS_BACKENDS: dict[str, type[FileSmsBackend] | type[TwilioSmsBackend]] = {
    "file": FileSmsBackend,
    "twilio": TwilioSmsBackend,
}


def sms_backend() -> SmsBackend:
    """settings.SMS_BACKEND: "file", "twilio", or a dotted path to a class like them."""
    name = str(getattr(settings, "SMS_BACKEND", "file") or "file")
    backend_class: Any = SMS_BACKENDS.get(name) or import_string(name)
    backend: SmsBackend = backend_class()
    return backend
