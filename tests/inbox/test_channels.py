"""Every channel lands in the same shape: SMS, WhatsApp, web form, portal chat, letter."""

from __future__ import annotations

import base64
import json

from posventa.clocks.models import Clock
from posventa.core.models import Site
from posventa.customers.actions import create_customer
from posventa.inbox.actions import ingest
from posventa.inbox.models import Attachment, InboundStatus, MessageKind
from tests.inbox.factories import CUSTOMER_PHONE, case_of, form_body, twilio_body


def standards_of(case: object) -> set[str]:
    return set(
        Clock.objects.filter(subject_id=str(case.pk)).values_list(
            "standard_id",  # type: ignore[attr-defined]
            flat=True,
        )
    )


def test_an_sms_opens_a_case_answered_by_sms(madrid: Site) -> None:
    raw = ingest("sms", twilio_body(), source="webhook", site=madrid, dedupe_key="SM0001")
    case = case_of(raw)
    assert case.channel == "sms" and case.requested_reply_channel == "sms"
    assert case.customer.contact_points.get().value == CUSTOMER_PHONE
    assert standards_of(case) == {"INFO-WEB", "INFO-COMPLETE"}
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert ack.channel == "sms" and ack.notification is not None


def test_a_whatsapp_message_keeps_its_media_as_links(madrid: Site) -> None:
    body = twilio_body(
        whatsapp=True, sid="WA1", media=(("https://api.example.com/media/1", "image/jpeg"),)
    )
    raw = ingest("whatsapp", body, source="webhook", site=madrid, dedupe_key="WA1")
    case = case_of(raw)
    assert case.requested_reply_channel == "whatsapp"
    media = Attachment.objects.get()
    assert media.url == "https://api.example.com/media/1" and not media.file


def test_an_sms_redelivered_by_the_provider_is_kept_once(madrid: Site) -> None:
    first = ingest(
        "sms", twilio_body(sid="SMX"), source="webhook", site=madrid, metadata={"MessageSid": "SMX"}
    )
    second = ingest(
        "sms", twilio_body(sid="SMX"), source="webhook", site=madrid, metadata={"MessageSid": "SMX"}
    )
    assert first.pk == second.pk


def test_a_web_form_asks_for_the_reply_channel(madrid: Site) -> None:
    raw = ingest(
        "web_form",
        form_body(preferred_channel="phone", phone="612 34 56 78"),
        source="form",
        site=madrid,
    )
    case = case_of(raw)
    assert case.requested_reply_channel == "phone"
    assert case.department == "parts"
    assert standards_of(case) == {"INFO-WEB", "INFO-WRITTEN", "INFO-COMPLETE"}


def test_a_web_form_without_any_address_is_quarantined(madrid: Site) -> None:
    raw = ingest("web_form", json.dumps({"message": "hola"}).encode(), source="form", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert "e-mail" in raw.reason


def test_a_web_form_that_is_not_json_is_quarantined(madrid: Site) -> None:
    raw = ingest("web_form", b"name=Ana&email=x", source="form", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert "JSON" in raw.reason


def test_a_portal_chat_message_keeps_its_attachments(madrid: Site) -> None:
    body = form_body(
        attachments=[
            {
                "filename": "foto.jpg",
                "content_type": "image/jpeg",
                "data_base64": base64.b64encode(b"jpeg").decode(),
            }
        ]
    )
    raw = ingest("portal_chat", body, source="portal", site=madrid)
    case = case_of(raw)
    assert case.channel == "portal_chat"
    assert Attachment.objects.get().file.read() == b"jpeg"


def test_a_letter_entered_by_staff_for_a_known_customer(madrid: Site) -> None:
    customer = create_customer(
        madrid.organisation,
        display_name="Rosa Vidal",
        contact_points=[("email", "rosa.vidal@example.org")],
    )
    raw = ingest(
        "letter",
        b"%PDF-1.4 scanned",
        source="staff",
        site=madrid,
        metadata={
            "customer_id": customer.pk,
            "subject": "Reclamación",
            "text": "Escribo para reclamar...",
            "department": "complaints",
        },
    )
    case = case_of(raw)
    assert case.customer == customer
    assert case.requested_reply_channel == "letter"
    assert standards_of(case) == {"INFO-WRITTEN", "INFO-COMPLETE"}
    assert raw.message is not None and raw.message.kind == MessageKind.LETTER
    assert Attachment.objects.get().file.read() == b"%PDF-1.4 scanned"


def test_a_letter_for_an_unknown_customer_id_is_quarantined(madrid: Site) -> None:
    raw = ingest("letter", b"", source="staff", site=madrid, metadata={"customer_id": 999999})
    assert raw.status == InboundStatus.QUARANTINED
    assert "999999" in raw.reason
