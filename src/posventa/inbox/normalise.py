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
import functools
import json
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import parse_qs

from posventa.core.validators import canonical_email_address

AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
NULL_SENDERS = {"mailer-daemon", "postmaster"}
DEPARTMENTS = {"service", "parts", "sales", "billing", "complaints"}
REPLY_CHANNELS = {"email", "web_form", "portal_chat", "sms", "whatsapp", "letter", "phone"}
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")

# --- reading e-mail headers without policy.default (see "e-mail" below) ---
Headers = dict[str, str]  # an e-mail's first value of each header, by lower-case name
LINE_BREAK_RE = re.compile(r"[\r\n]")
WSP_SPLIT_RE = re.compile(r"([ \t]+)")  # RFC 5322 white space, what sets off encoded words
# An RFC 2047 encoded word as policy.default decodes it: the base64 alphabet, or printable
# ASCII where every "=" starts a hex escape (which binascii.a2b_qp reads the same way).
ENCODED_WORD_RE = re.compile(
    r"=\?(?P<charset>[!->@-~]+)\?"
    r"(?:[bB]\?(?P<b>[A-Za-z0-9+/]*={0,2})|[qQ]\?(?P<q>(?:[!-<>@-~]|=[0-9A-Fa-f]{2})*))\?="
)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
# A display name: a quoted string without escapes or encoded words (policy.default reads
# those differently), or words without RFC 5322 specials (dots, encoded words and 8-bit
# text allowed).
_QUOTED_NAME = r'(?:(?!=\?)[^"\\\x00-\x1f\x7f])*'
_PHRASE = r'[^"\\()<>@,;:\[\]\x00-\x1f\x7f]*'
# One mailbox of a list, plain enough that policy.default and getaddresses read it alike.
MAILBOX_RE = re.compile(
    rf'[ \t]*(?:(?P<bare>{_ADDR_SPEC})|(?:"(?P<quoted>{_QUOTED_NAME})"|(?P<phrase>{_PHRASE}))'
    rf"[ \t]*<(?P<address>{_ADDR_SPEC})>)[ \t]*(?P<comma>,?)"
)
MIME_HEADERS = {"content-type", "content-disposition", "content-transfer-encoding"}
_TOKEN = r"[!#$%&'*+.0-9A-Z^_`a-z{|}~-]+"
_ATTRIBUTE = r"[!#$%&'+.0-9A-Z^_`a-z{|}~-]+"  # no "*": RFC 2231 parameters are not plain
# A MIME parameter; its quoted value is printable ASCII without quoted pairs or "?" (so
# without encoded words).
_PARAMETER = (
    rf"[ \t]*;[ \t]*(?P<name>{_ATTRIBUTE})[ \t]*=[ \t]*"
    rf'(?:(?P<token>{_TOKEN})|"(?P<quoted>[ !#->@-\[\]-~]*)")[ \t]*'
)
PARAMETER_RE = re.compile(_PARAMETER)
# A MIME header of ASCII tokens and quoted strings (no comments, quoted pairs, encoded
# words, RFC 2231 parameters or 8-bit bytes): compat32 reads it as policy.default does.
PLAIN_MIME_VALUE_RE = re.compile(rf"[ \t]*{_TOKEN}(?:/{_TOKEN})?[ \t]*(?:{_PARAMETER})*;?[ \t]*")


class MimeHeadersAsDefaultPolicy(Compat32):
    """compat32 (no structured header objects: see "e-mail" below), except that a MIME
    header compat32 would read differently from policy.default (comments, quoted pairs,
    encoded words, RFC 2231 parameters, 8-bit bytes) is read as policy.default reads it.

    The parser asks for Content-Type while it splits the message, so this keeps the MIME
    structure, and every part's type, disposition, parameters and transfer encoding, as
    they were under policy.default."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        key = name.lower()
        if key in MIME_HEADERS:
            value = _mime_header_as_default_policy(key, value)
        return super().header_fetch_parse(name, value)


# The parser and the body walk read each MIME header several times; values repeat.
@functools.lru_cache(maxsize=1024)
def _mime_header_as_default_policy(name: str, value: str) -> str:
    unfolded = _unfold(value)
    if PLAIN_MIME_VALUE_RE.fullmatch(unfolded):
        return value
    try:
        return str(policy.default.header_factory(name, unfolded))
    except Exception:  # never seen; compat32's reading then
        return value


def _unfold(value: str) -> str:
    """A header value without its line breaks, as policy.default parsed it."""
    return LINE_BREAK_RE.sub("", value) if "\n" in value or "\r" in value else value


EMAIL_PARSER = BytesParser(policy=MimeHeadersAsDefaultPolicy())


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


def json_safe(value: Any) -> Any:
    """Metadata goes into a JSON column: anything else becomes its text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        return scrub_text(value.decode("utf-8", errors="replace"))
    return scrub_text(str(value))


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
#
# Messages are parsed with compat32, not policy.default: policy.default builds a structured
# header object on every header read, which was most of the 1.4-2.5 ms a small message took.
# The few headers used are read here instead (encoded words with base64/binascii, plain
# mailbox lists with MAILBOX_RE) where that gives what policy.default gives; any value that
# is not that plain (malformed encoded words, comments, groups, quoted pairs, RFC 2231 or
# 8-bit MIME parameters...) still goes through policy.default, so a message reads exactly
# as before (checked field by field on ~40,000 generated, fuzzed and mutated messages).


def parse_email(raw: bytes, metadata: dict[str, Any]) -> InboundMessage:
    if not raw.strip():
        raise ParseError("Empty e-mail: no headers and no body.")
    try:
        msg = EMAIL_PARSER.parsebytes(raw)
    except Exception as error:  # the stdlib parser is lenient; this is belt and braces
        raise ParseError(f"Unreadable MIME structure: {error}") from error
    warnings: list[str] = []
    headers = _first_headers(msg)
    from_name, from_address = _sender(headers, warnings)
    auto_reason = email_auto_reason(msg, headers, from_address)
    if not from_address and not auto_reason:
        raise ParseError("No sender address could be read from the From header.")
    if from_address and "@" not in from_address and not auto_reason:
        raise ParseError(f"The sender {from_address!r} is not an e-mail address.")
    text, html, attachments = _walk_body(msg, headers, warnings)
    envelope_to = metadata.get("envelope_to") or []
    if isinstance(envelope_to, str):
        envelope_to = [envelope_to]
    return InboundMessage(
        channel="email",
        from_address=canonical_email_address(from_address),
        from_name=from_name,
        to_address=_to_address(headers, envelope_to, warnings),
        subject=_clean_header_text(_subject(headers, warnings))[:500],
        text=text,
        html=html,
        message_id=_first_message_id(_raw_header(headers, "Message-ID")),
        in_reply_to=_first_message_id(_raw_header(headers, "In-Reply-To")),
        references=MESSAGE_ID_RE.findall(_raw_header(headers, "References"))[-50:],
        attachments=attachments,
        auto_submitted=bool(auto_reason),
        auto_reason=auto_reason,
        requested_reply_channel="email",
        site_hint=str(metadata.get("site") or ""),
        department_hint=_department(metadata.get("department")),
        warnings=warnings,
    )


def email_auto_reason(msg: Message, headers: Headers, from_address: str) -> str:
    """Why this e-mail was sent by a machine, or "" when a person wrote it. `headers` are
    the message's `_first_headers`."""
    auto_submitted = _raw_header(headers, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _raw_header(headers, name):
            return f"{name} header"
    precedence = _raw_header(headers, "Precedence").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        report_type = str(msg.get_param("report-type", "", header="content-type") or "")
        return f"multipart/report ({report_type.lower() or 'unknown'}): a bounce or receipt"
    local_part = from_address.split("@", 1)[0].lower()
    return_path = _raw_header(headers, "Return-Path").strip()
    if return_path == "<>":
        return "Null return path (<>): a delivery report"
    if local_part in NULL_SENDERS:
        return f"Sent by {local_part.upper()}"
    return ""


def _first_headers(msg: Message) -> Headers:
    """Each header's first value as received, by lower-case name, line breaks removed
    (what policy.default parsed). 8-bit bytes are still surrogate escapes."""
    headers: Headers = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key not in headers:
            headers[key] = _unfold(str(value))
    return headers


def _raw_header(headers: Headers, name: str) -> str:
    """A header's unparsed text, white space collapsed. For tokens and ids that need no
    RFC 2047 decoding; it cannot raise."""
    return " ".join(headers.get(name.lower(), "").split())


def _header_as_default_policy(name: str, value: str, warnings: list[str]) -> str:
    """What policy.default reads in a header: exact, and slow (tens to hundreds of µs),
    so only for the values the cheap reading below would read differently."""
    try:
        return str(policy.default.header_factory(name, value))
    except Exception as error:
        warnings.append(f"header {name} unreadable: {error}")
        return ""


def _clean_header_text(value: str) -> str:
    return " ".join(value.split())


def _subject(headers: Headers, warnings: list[str]) -> str:
    value = headers.get("subject", "")
    decoded = _decode_words(value)
    return decoded if decoded is not None else _header_as_default_policy("Subject", value, warnings)


def _decode_words(value: str, *, phrase: bool = False) -> str | None:
    """Header text with its RFC 2047 encoded words decoded, as policy.default reads it;
    None when an encoded word is malformed or not set off by white space, where
    policy.default has rules of its own (the caller then asks it).

    Between two encoded words policy.default drops the white space in unstructured text
    (RFC 2047) but keeps it in a display name (`phrase`)."""
    if "=?" not in value:
        return _utf8_escapes(value)
    pieces = WSP_SPLIT_RE.split(value)  # words at even indexes, white space between
    encoded = [ENCODED_WORD_RE.fullmatch(piece) for piece in pieces]
    texts = []
    for index, piece in enumerate(pieces):
        found = encoded[index]
        if found:
            word = _decode_word(found)
            if word is None:
                return None
            texts.append(word)
        elif "=?" in piece:
            return None
        elif index % 2 and not phrase and encoded[index - 1] and encoded[index + 1]:
            continue
        else:
            texts.append(piece)
    return _utf8_escapes("".join(texts))


def _decode_word(word: re.Match[str]) -> str | None:
    """One encoded word's text, with policy.default's fallbacks; None when its base64 is
    not valid (policy.default has its own repairs for that)."""
    try:
        if word["b"] is not None:
            text = word["b"]
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        else:
            data = binascii.a2b_qp(word["q"].encode("ascii"), header=True)
    except binascii.Error:
        return None
    codec = word["charset"].partition("*")[0]  # RFC 2231 adds "*language" to a charset
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        # Wrong bytes for the charset: escaped now, shown as U+FFFD by _utf8_escapes.
        return data.decode(codec, "surrogateescape")
    except (LookupError, UnicodeEncodeError):
        return data.decode("ascii", "surrogateescape")  # unknown charset: read as UTF-8
    except Exception:  # a codec's own complaint: policy.default has a rule for that too
        return None


def _utf8_escapes(value: str) -> str:
    """The parser keeps 8-bit header bytes as surrogate escapes: read them as UTF-8
    (RFC 6532), anything else as U+FFFD, as policy.default does."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def _addresses(headers: Headers, name: str, warnings: list[str]) -> list[tuple[str, str]] | None:
    """(display name, address) pairs of an address header, None when it is absent or
    reads as empty."""
    value = headers.get(name.lower(), "")
    if not value:
        return None
    pairs = _ordinary_mailboxes(value)
    if pairs is not None:
        return pairs
    # Comments, groups, quoted pairs, broken syntax: policy.default's reading, whose
    # re-written text getaddresses then reads, as it always did.
    text = _header_as_default_policy(name, value, warnings)
    if not text:
        return None
    try:
        return getaddresses([text])
    except Exception:
        return [parseaddr(text)]


def _ordinary_mailboxes(value: str) -> list[tuple[str, str]] | None:
    """The (display name, address) pairs of a plain list of mailboxes, as policy.default
    and getaddresses read them; None for anything less plain."""
    pairs = []
    position = 0
    while True:
        found = MAILBOX_RE.match(value, position)
        if found is None:
            return None
        if found["bare"]:
            pairs.append(("", found["bare"]))
        else:
            # getaddresses joins a display name's words with single spaces.
            quoted = found["quoted"]
            name = _decode_words(
                quoted if quoted is not None else " ".join(found["phrase"].split()), phrase=True
            )
            if name is None:
                return None
            pairs.append((name, found["address"]))
        position = found.end()
        if not found["comma"]:
            return pairs if position == len(value) else None


def _sender(headers: Headers, warnings: list[str]) -> tuple[str, str]:
    pairs = _addresses(headers, "From", warnings)
    if pairs is None:
        pairs = _addresses(headers, "Sender", warnings) or []
    for name, address in pairs:
        address = address.strip()
        if address:
            return _clean_header_text(name)[:200], address[:320]
    return "", ""


def _to_address(headers: Headers, envelope_to: list[Any], warnings: list[str]) -> str:
    if envelope_to:
        return str(envelope_to[0]).strip().lower()[:320]
    for name in ("Delivered-To", "To"):
        for _, address in _addresses(headers, name, warnings) or []:
            if address:
                return address.strip().lower()[:320]
    return ""


def _first_message_id(value: str) -> str:
    found = MESSAGE_ID_RE.search(value)
    if found:
        return found.group(0)[:500]
    return value.strip()[:500] if value.strip() and " " not in value.strip() else ""


def _walk_body(
    msg: Message, headers: Headers, warnings: list[str]
) -> tuple[str, str, list[InboundAttachment]]:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[InboundAttachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part is not msg:  # a single-part message is its own body
            headers = _first_headers(part)
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part, headers, warnings)
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
            htmls.append(_part_text(part, headers, warnings))
        else:
            texts.append(_part_text(part, headers, warnings))
    return "\n".join(t for t in texts if t), "\n".join(h for h in htmls if h), attachments


def _filename(part: Message, headers: Headers, warnings: list[str]) -> str:
    # get_filename reads a "filename" or "name" parameter: most parts have neither, and
    # looking costs more than the rest of the part.
    declared = headers.get("content-disposition", "") + headers.get("content-type", "")
    if "name" not in declared.lower():
        return ""
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


def _part_text(part: Message, headers: Headers, warnings: list[str]) -> str:
    """Decode a text part; unknown or lying charsets fall back to replacement characters."""
    data = _payload_bytes(part)
    # What EmailMessage.get_content() does: the declared charset (ASCII when none is
    # declared), undecodable bytes replaced, no warning.
    declared = _declared_charset(part, headers)
    if isinstance(declared, str):  # an RFC 2231 tuple is for get_content_charset below
        with contextlib.suppress(LookupError, ValueError):
            return data.decode(declared, errors="replace")
    charset = str(part.get_content_charset("utf-8") or "utf-8")
    try:
        return data.decode(charset)
    except (LookupError, UnicodeError):
        warnings.append(
            f"charset {charset!r} unknown or wrong: decoded as UTF-8 with replacement characters"
        )
        return data.decode("utf-8", errors="replace")


def _declared_charset(part: Message, headers: Headers) -> str | tuple[str, str, str]:
    """part.get_param("charset", "ASCII"), read straight from a plain Content-Type (the
    stdlib's parameter parsing costs more than decoding the text)."""
    value = headers.get("content-type")
    if value is None:
        return "ASCII"
    if not PLAIN_MIME_VALUE_RE.fullmatch(value):
        return part.get_param("charset", "ASCII")  # type: ignore[return-value]
    for parameter in PARAMETER_RE.finditer(value):
        if parameter["name"].lower() == "charset":
            return parameter["quoted"] if parameter["token"] is None else parameter["token"]
    return "ASCII"


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
        from_address=(canonical_email_address(email) if email else phone)[:320],
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
        from_address=(canonical_email_address(email) if email else phone)[:320],
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


# The first empty line: a line end straight after another (atomic groups, so the "\r" of
# a "\r\n" is never taken for a line end of its own).
HEADER_END_RE = re.compile(rb"(?>\r\n|\n|\r)(?>\r\n|\n|\r)")


def header_block(raw: bytes) -> bytes:
    """The bytes up to and including the first empty line: all the parser reads as headers
    (it stops there, or earlier at a line that is not a header). Without an empty line, all
    of it. Parsing headers only still walks every line of the body, which for a message
    with attachments costs more than its headers."""
    end = HEADER_END_RE.search(raw)
    return raw if end is None else raw[: end.end()]


def email_message_id(raw: bytes) -> str:
    """The Message-ID of raw e-mail bytes, reading headers only (cheap, never raises)."""
    try:
        block = header_block(raw)
        value = _message_id_header(block) if block.isascii() else None
        if value is None:  # 8-bit header bytes: the parser decodes them its own way
            headers = EMAIL_PARSER.parsebytes(block, headersonly=True)
            value = str(headers.get("Message-ID") or "")
        return _first_message_id(value)
    except Exception:
        return ""


# What the stdlib's feedparser takes for a header line (its headerRE).
HEADER_LINE_RE = re.compile(rb"From |[\041-\071\073-\176]*:|[\t ]")


def _message_id_header(block: bytes) -> str:
    """The first Message-ID header's value in an ASCII header block, read line by line as
    the stdlib's parser reads headers (`FeedParser._parsegen` and `_parse_headers`, with
    compat32's `header_source_parse`): a line that is no header ends them, a continuation
    line extends the header before it, a "From " line is an envelope line, a line starting
    with a colon is skipped. Reading the whole header block with the parser costs five
    times more, and the raw rows of every fetch need it for their dedupe key (the
    hypothesis test in tests/inbox/test_email_parsing.py compares both readings)."""
    lines = block.splitlines(keepends=True)
    headers: list[bytes] = []
    for line in lines:
        if not HEADER_LINE_RE.match(line):
            break
        headers.append(line)
    found: list[bytes] | None = None  # the Message-ID's lines, once found
    for number, line in enumerate(headers):
        if line[:1] in (b" ", b"\t"):
            if found is not None:
                found.append(line)
            continue
        if found is not None:
            break  # the header after the Message-ID: its value is complete
        if line.startswith(b"From "):
            if number == len(headers) - 1 and number > 0:
                break  # the parser takes it for the first line of the body
            continue  # the envelope line, or a misplaced one the parser skips
        name, colon, _rest = line.partition(b":")
        if colon and name and name.lower() == b"message-id":
            found = [line]
    if not found:
        return ""
    first = found[0].partition(b":")[2].lstrip(b" \t")
    return (first + b"".join(found[1:])).decode("ascii").rstrip("\r\n")
