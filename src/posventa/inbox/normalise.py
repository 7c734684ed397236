"""Turn what a channel adapter received into one normalised `InboundMessage`.

For the adapter engineer — what to pass to `inbox.actions.ingest(channel, raw, ...)`:

* ``email``: ``raw`` is the complete RFC 5322 message as bytes (what IMAP FETCH or the SMTP
  DATA gave you). ``dedupe_key`` is the Message-ID (ingest reads it from the headers when
  you leave it empty). ``metadata`` may carry the envelope: ``{"envelope_from": ...,
  "envelope_to": [...]}``; the envelope recipient is used to find the site when the site is
  not given.
* ``sms`` / ``whatsapp``: ``raw`` is the webhook's form-encoded body as received;
  ``metadata`` may carry the same fields already parsed (Twilio names: ``From``, ``To``,
  ``Body``, ``MessageSid``, ``NumMedia``, ``MediaUrl0``, ``MediaContentType0``, ...).
  ``dedupe_key`` is the MessageSid. WhatsApp addresses may keep their ``whatsapp:`` prefix.
* ``web_form`` / ``portal_chat``: ``raw`` is the JSON body; fields ``name``, ``email``,
  ``phone``, ``message``, ``subject`` (optional), ``department`` (service/parts/sales/
  billing/complaints), ``preferred_channel`` (email/phone/sms/whatsapp/portal_chat),
  ``site`` (site slug, optional), ``attachments`` (optional list of
  ``{"filename", "content_type", "data_base64"}``). ``metadata`` may carry the same fields
  parsed; metadata wins over the body.
* ``letter``: ``raw`` is the scanned letter (PDF/image bytes, may be empty); ``metadata``
  holds what staff typed: ``name``, ``email``, ``phone``, ``customer_id`` (when staff
  already know the customer), ``subject``, ``text``, ``department``, ``preferred_channel``
  (default ``letter``), ``filename``, ``content_type``.

Every parser raises `ParseError` with a human reason when nothing usable can be found
(for instance no sender); everything else is tolerated and noted in ``warnings``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import parse_qs

EMAIL_PARSER = BytesParser(policy=policy.default)
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
NULL_SENDERS = {"mailer-daemon", "postmaster"}
DEPARTMENTS = {"service", "parts", "sales", "billing", "complaints"}
REPLY_CHANNELS = {"email", "web_form", "portal_chat", "sms", "whatsapp", "letter", "phone"}
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")


class ParseError(Exception):
    """Nothing usable could be read; the message goes to quarantine with this reason."""


@dataclass
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes | None = None  # None when the provider keeps the media (see url)
    size: int = 0
    url: str = ""


@dataclass
class InboundMessage:
    channel: str
    from_address: str
    from_name: str = ""
    to_address: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    # Why this is automatic traffic (RFC 3834, bounce...), empty for a person's message.
    auto_submitted: bool = False
    auto_reason: str = ""
    requested_reply_channel: str = ""
    site_hint: str = ""
    department_hint: str = ""
    provider_id: str = ""
    customer_id: int | None = None
    # The address kind the customer identification should match on: email or phone.
    address_kind: str = "email"
    warnings: list[str] = field(default_factory=list)


def parse(channel: str, raw: bytes, metadata: dict[str, Any] | None) -> InboundMessage:
    parser = PARSERS.get(channel)
    if parser is None:
        raise ParseError(f"Unknown channel {channel!r}.")
    return scrub(parser(raw, metadata or {}))


def scrub_text(value: str) -> str:
    """NUL cannot be stored in a PostgreSQL text or JSON column; show it as U+FFFD."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def scrub(message: InboundMessage) -> InboundMessage:
    """Make every text of a parsed message storable as it is (the raw bytes keep the
    original)."""
    for name, value in vars(message).items():
        if isinstance(value, str):
            setattr(message, name, scrub_text(value))
        elif name in ("references", "warnings"):
            setattr(message, name, [scrub_text(item) for item in value])
    for attachment in message.attachments:
        attachment.filename = scrub_text(attachment.filename)
        attachment.content_type = scrub_text(attachment.content_type)
        attachment.url = scrub_text(attachment.url)
    return message


# --- e-mail -------------------------------------------------------------------------------


def parse_email(raw: bytes, metadata: dict[str, Any]) -> InboundMessage:
    if not raw.strip():
        raise ParseError("Empty e-mail: no headers and no body.")
    try:
        msg = EMAIL_PARSER.parsebytes(raw)
    except Exception as error:  # the stdlib parser is lenient; this is belt and braces
        raise ParseError(f"Unreadable MIME structure: {error}") from error
    warnings: list[str] = []
    from_name, from_address = _sender(msg, warnings)
    auto_reason = email_auto_reason(msg, from_address)
    if not from_address and not auto_reason:
        raise ParseError("No sender address could be read from the From header.")
    if from_address and "@" not in from_address and not auto_reason:
        raise ParseError(f"The sender {from_address!r} is not an e-mail address.")
    text, html, attachments = _walk_body(msg, warnings)
    envelope_to = metadata.get("envelope_to") or []
    if isinstance(envelope_to, str):
        envelope_to = [envelope_to]
    return InboundMessage(
        channel="email",
        from_address=from_address.lower(),
        from_name=from_name,
        to_address=_to_address(msg, envelope_to, warnings),
        subject=_clean_header_text(_header(msg, "Subject", warnings))[:500],
        text=text,
        html=html,
        message_id=_first_message_id(_raw_header(msg, "Message-ID")),
        in_reply_to=_first_message_id(_raw_header(msg, "In-Reply-To")),
        references=MESSAGE_ID_RE.findall(_raw_header(msg, "References"))[-50:],
        attachments=attachments,
        auto_submitted=bool(auto_reason),
        auto_reason=auto_reason,
        requested_reply_channel="email",
        site_hint=str(metadata.get("site") or ""),
        department_hint=_department(metadata.get("department")),
        warnings=warnings,
    )


def email_auto_reason(msg: Message, from_address: str) -> str:
    """Why this e-mail was sent by a machine, or "" when a person wrote it."""
    auto_submitted = _raw_header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _raw_header(msg, name):
            return f"{name} header"
    precedence = _raw_header(msg, "Precedence").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        report_type = str(msg.get_param("report-type", "", header="content-type") or "")
        return f"multipart/report ({report_type.lower() or 'unknown'}): a bounce or receipt"
    local_part = from_address.split("@", 1)[0].lower()
    return_path = _raw_header(msg, "Return-Path").strip()
    if return_path == "<>":
        return "Null return path (<>): a delivery report"
    if local_part in NULL_SENDERS:
        return f"Sent by {local_part.upper()}"
    return ""


def _raw_header(msg: Message, name: str) -> str:
    """A header's unparsed text (unfolded). For tokens and ids that need no RFC 2047
    decoding; cheaper than the policy's structured parsing, and it cannot raise."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return " ".join(str(value).split())
    return ""


def _header(msg: Message, name: str, warnings: list[str]) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception as error:
        warnings.append(f"header {name} unreadable: {error}")
        return ""


def _clean_header_text(value: str) -> str:
    return " ".join(value.split())


def _sender(msg: Message, warnings: list[str]) -> tuple[str, str]:
    raw_from = _header(msg, "From", warnings) or _header(msg, "Sender", warnings)
    if not raw_from:
        return "", ""
    try:
        pairs = getaddresses([raw_from])
    except Exception:
        pairs = [parseaddr(raw_from)]
    for name, address in pairs:
        address = address.strip()
        if address:
            return _clean_header_text(name)[:200], address[:320]
    return "", ""


def _to_address(msg: Message, envelope_to: list[Any], warnings: list[str]) -> str:
    if envelope_to:
        return str(envelope_to[0]).strip().lower()[:320]
    for name in ("Delivered-To", "To"):
        value = _header(msg, name, warnings)
        if value:
            with contextlib.suppress(Exception):
                for _, address in getaddresses([value]):
                    if address:
                        return address.strip().lower()[:320]
    return ""


def _first_message_id(value: str) -> str:
    found = MESSAGE_ID_RE.search(value)
    if found:
        return found.group(0)[:500]
    return value.strip()[:500] if value.strip() and " " not in value.strip() else ""


def _walk_body(msg: Message, warnings: list[str]) -> tuple[str, str, list[InboundAttachment]]:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[InboundAttachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part, warnings)
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            data = _payload_bytes(part)
            attachments.append(
                InboundAttachment(
                    filename=filename or _default_filename(content_type, len(attachments)),
                    content_type=content_type,
                    data=data,
                    size=len(data),
                )
            )
        elif content_type == "text/html":
            htmls.append(_part_text(part, warnings))
        else:
            texts.append(_part_text(part, warnings))
    return "\n".join(t for t in texts if t), "\n".join(h for h in htmls if h), attachments


def _filename(part: Message, warnings: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception as error:
        warnings.append(f"attachment name unreadable: {error}")
        name = ""
    # Keep only the last path component: a name is never allowed to pick a directory.
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    name = re.sub(r"[\x00-\x1f]", "", name)
    return name[:200]


def _default_filename(content_type: str, index: int) -> str:
    subtype = content_type.split("/", 1)[-1] or "bin"
    return f"attachment-{index + 1}.{re.sub(r'[^a-z0-9]+', '', subtype)[:10] or 'bin'}"


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _part_text(part: Message, warnings: list[str]) -> str:
    """Decode a text part; unknown or lying charsets fall back to replacement characters."""
    if isinstance(part, EmailMessage):
        try:
            content = part.get_content()
            if isinstance(content, str):
                return content
        except (LookupError, UnicodeError, ValueError, AssertionError, TypeError, KeyError):
            pass
    data = _payload_bytes(part)
    charset = str(part.get_content_charset("utf-8") or "utf-8")
    try:
        return data.decode(charset)
    except (LookupError, UnicodeError):
        warnings.append(
            f"charset {charset!r} unknown or wrong: decoded as UTF-8 with replacement characters"
        )
        return data.decode("utf-8", errors="replace")


# --- SMS / WhatsApp (Twilio webhooks) -----------------------------------------------------


def parse_twilio(channel: str, raw: bytes, metadata: dict[str, Any]) -> InboundMessage:
    fields = _twilio_fields(raw, metadata)
    sender = fields.get("From", "").strip()
    if sender.lower().startswith("whatsapp:"):
        sender = sender.split(":", 1)[1].strip()
    if not sender:
        raise ParseError("The provider sent no From number.")
    recipient = fields.get("To", "").strip()
    if recipient.lower().startswith("whatsapp:"):
        recipient = recipient.split(":", 1)[1].strip()
    attachments = []
    try:
        media_count = min(int(fields.get("NumMedia") or 0), 20)
    except ValueError:
        media_count = 0
    for index in range(media_count):
        url = fields.get(f"MediaUrl{index}", "")
        if url:
            attachments.append(
                InboundAttachment(
                    filename=f"media-{index + 1}",
                    content_type=fields.get(f"MediaContentType{index}", ""),
                    url=url[:1000],
                )
            )
    return InboundMessage(
        channel=channel,
        from_address=sender[:320],
        from_name=fields.get("ProfileName", "")[:200],
        to_address=recipient[:320],
        text=fields.get("Body", ""),
        attachments=attachments,
        requested_reply_channel=channel,
        provider_id=fields.get("MessageSid", "") or fields.get("SmsMessageSid", ""),
        site_hint=str(metadata.get("site") or ""),
        address_kind="phone",
    )


def _twilio_fields(raw: bytes, metadata: dict[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    if raw:
        try:
            parsed = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        except ValueError:
            parsed = {}
        fields.update({key: values[0] for key, values in parsed.items() if values})
    fields.update({str(k): str(v) for k, v in metadata.items() if not isinstance(v, dict | list)})
    return fields


# --- web form / portal chat ---------------------------------------------------------------


def parse_form(channel: str, raw: bytes, metadata: dict[str, Any]) -> InboundMessage:
    fields = _json_fields(raw)
    fields.update(metadata)
    email = str(fields.get("email") or "").strip()
    phone = str(fields.get("phone") or "").strip()
    # The portal knows who is writing from the signed link, so its chat names the customer
    # (server-side metadata, never the body); re-identifying by address would guess wrong
    # for a shared family phone and fail for a customer with no e-mail or phone.
    known_customer = _customer_id(metadata) if channel == "portal_chat" else None
    if known_customer is None and not email and not phone:
        raise ParseError("The form has neither an e-mail address nor a phone number.")
    preferred = str(fields.get("preferred_channel") or "").strip().lower()
    if preferred not in REPLY_CHANNELS:
        preferred = "email" if email else "phone"
    department = _department(fields.get("department"))
    warnings: list[str] = []
    return InboundMessage(
        channel=channel,
        from_address=(email.lower() if email else phone)[:320],
        from_name=str(fields.get("name") or "").strip()[:200],
        subject=str(fields.get("subject") or "").strip()[:500],
        text=str(fields.get("message") or ""),
        attachments=_form_attachments(fields.get("attachments"), warnings),
        requested_reply_channel=preferred,
        site_hint=str(fields.get("site") or ""),
        department_hint=department,
        provider_id=str(fields.get("id") or ""),
        customer_id=known_customer,
        address_kind="email" if email else "phone",
        warnings=warnings,
    )


def _json_fields(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError as error:
        raise ParseError(f"The form body is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise ParseError("The form body is JSON but not an object of fields.")
    return value


def _form_attachments(value: Any, warnings: list[str]) -> list[InboundAttachment]:
    attachments = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            data = base64.b64decode(str(item.get("data_base64") or ""), validate=True)
        except (binascii.Error, ValueError):
            warnings.append(f"attachment {item.get('filename')!r} is not valid base64")
            continue
        attachments.append(
            InboundAttachment(
                filename=str(item.get("filename") or "attachment")[:200],
                content_type=str(item.get("content_type") or ""),
                data=data,
                size=len(data),
            )
        )
    return attachments


def _department(value: Any) -> str:
    text = str(value or "").strip().lower()
    return text if text in DEPARTMENTS else ""


def _customer_id(metadata: dict[str, Any]) -> int | None:
    value = metadata.get("customer_id")
    try:
        return None if value in (None, "") else int(str(value))
    except (TypeError, ValueError) as error:
        raise ParseError(f"customer_id {value!r} is not a number.") from error


# --- letters ------------------------------------------------------------------------------


def parse_letter(raw: bytes, metadata: dict[str, Any]) -> InboundMessage:
    email = str(metadata.get("email") or "").strip()
    phone = str(metadata.get("phone") or "").strip()
    known_customer = _customer_id(metadata)
    if known_customer is None and not email and not phone:
        raise ParseError("The letter has no customer, e-mail address or phone number.")
    preferred = str(metadata.get("preferred_channel") or "letter").strip().lower()
    attachments = []
    if raw:
        attachments.append(
            InboundAttachment(
                filename=str(metadata.get("filename") or "letter.pdf")[:200],
                content_type=str(metadata.get("content_type") or "application/pdf"),
                data=raw,
                size=len(raw),
            )
        )
    return InboundMessage(
        channel="letter",
        from_address=(email.lower() if email else phone)[:320],
        from_name=str(metadata.get("name") or "").strip()[:200],
        subject=str(metadata.get("subject") or "").strip()[:500],
        text=str(metadata.get("text") or ""),
        attachments=attachments,
        requested_reply_channel=preferred if preferred in REPLY_CHANNELS else "letter",
        site_hint=str(metadata.get("site") or ""),
        department_hint=_department(metadata.get("department")),
        customer_id=known_customer,
        address_kind="email" if email else "phone",
    )


PARSERS = {
    "email": parse_email,
    "sms": lambda raw, meta: parse_twilio("sms", raw, meta),
    "whatsapp": lambda raw, meta: parse_twilio("whatsapp", raw, meta),
    "web_form": lambda raw, meta: parse_form("web_form", raw, meta),
    "portal_chat": lambda raw, meta: parse_form("portal_chat", raw, meta),
    "letter": parse_letter,
}


def email_message_id(raw: bytes) -> str:
    """The Message-ID of raw e-mail bytes, reading headers only (cheap, never raises)."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        return _first_message_id(str(headers.get("Message-ID") or ""))
    except Exception:
        return ""
