"""Building inbound payloads for tests: e-mails as bytes, Twilio and form bodies.

Names and addresses are invented; nothing comes from the seed posts.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlencode

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.models import InboundRaw

CUSTOMER_EMAIL = "lucia.ferrer@example.net"
CUSTOMER_PHONE = "+34612345678"


def email_bytes(
    *,
    from_: str = f"Lucía Ferrer <{CUSTOMER_EMAIL}>",
    to: str = "taller@madrid.example",
    subject: str = "Revisión de los 30.000 km",
    body: str = "Hola, ¿solo líquido de frenos o la revisión grande?",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    html: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = from_
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.net")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def receive_email(site: Site, **kwargs: object) -> InboundRaw:
    return ingest("email", email_bytes(**kwargs), source="imap", site=site)  # type: ignore[arg-type]


def twilio_body(
    *,
    sender: str = CUSTOMER_PHONE,
    body: str = "¿Está lista mi furgoneta?",
    sid: str = "SM0001",
    whatsapp: bool = False,
    media: tuple[tuple[str, str], ...] = (),
) -> bytes:
    prefix = "whatsapp:" if whatsapp else ""
    fields = {
        "From": f"{prefix}{sender}",
        "To": f"{prefix}+34910000000",
        "Body": body,
        "MessageSid": sid,
        "NumMedia": str(len(media)),
    }
    for index, (url, content_type) in enumerate(media):
        fields[f"MediaUrl{index}"] = url
        fields[f"MediaContentType{index}"] = content_type
    return urlencode(fields).encode()


def form_body(**fields: object) -> bytes:
    values = {
        "name": "Lucía Ferrer",
        "email": CUSTOMER_EMAIL,
        "message": "¿Tenéis la pieza?",
        "department": "parts",
        "preferred_channel": "email",
    }
    values.update(fields)
    return json.dumps(values).encode()


def case_of(raw: InboundRaw) -> Case:
    assert raw.message is not None, raw.reason
    return raw.message.case
