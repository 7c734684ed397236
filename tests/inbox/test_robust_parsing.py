"""Bad input never raises and is never lost: a case, or quarantine with a reason."""

from __future__ import annotations

from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.models import Attachment, InboundRaw, InboundStatus
from tests.inbox.factories import case_of, email_bytes

UNKNOWN_CHARSET = (
    b"From: Jon Ander <jon.ander@example.org>\r\n"
    b"To: taller@madrid.example\r\n"
    b"Subject: Ruido en la rueda\r\n"
    b"Message-ID: <charset@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/plain; charset="x-unknown-foo"\r\n'
    b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    b"Hace un ruido raro \xe9\xe8 al frenar.\r\n"
)


def test_it_makes_a_case_from_an_unknown_charset_and_records_a_warning(madrid: Site) -> None:
    raw = ingest("email", UNKNOWN_CHARSET, source="imap", site=madrid)
    assert raw.status == InboundStatus.PROCESSED
    message = raw.message
    assert message is not None
    assert "Hace un ruido raro" in message.body_text
    assert any("x-unknown-foo" in warning for warning in message.warnings)
    assert raw.warnings == message.warnings


def test_it_quarantines_malformed_mime_without_a_sender(madrid: Site) -> None:
    malformed = (
        b'Content-Type: multipart/mixed; boundary="unterminated\r\n'
        b"Subject: =?utf-8?B?broken==?=\r\n\r\n"
        b"--unterminated\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    )
    raw = ingest("email", malformed, source="imap", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert "sender" in raw.reason
    assert raw.payload() == malformed


def test_it_makes_a_case_from_a_multipart_message_whose_boundary_never_closes(
    madrid: Site,
) -> None:
    data = (
        b"From: Maite <maite@example.org>\r\nSubject: Presupuesto\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nNecesito presupuesto\r\n"
    )
    raw = ingest("email", data, source="imap", site=madrid)
    assert raw.status == InboundStatus.PROCESSED
    assert "Necesito presupuesto" in case_of(raw).messages.get(kind="customer_message").body_text


def test_it_quarantines_garbage_bytes_with_a_reason(madrid: Site) -> None:
    raw = ingest("email", b"\x00\xff\xfe garbage \x00", source="imap", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert raw.reason


def test_it_quarantines_an_empty_payload(madrid: Site) -> None:
    raw = ingest("email", b"", source="smtp", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert "Empty" in raw.reason


def test_it_makes_a_case_from_an_empty_body(madrid: Site) -> None:
    raw = ingest("email", email_bytes(body="", subject=""), source="imap", site=madrid)
    assert raw.status == InboundStatus.PROCESSED
    case = case_of(raw)
    assert case.messages.filter(kind="customer_message").get().body_text.strip() == ""


def test_it_refuses_a_25_mb_attachment_but_keeps_it_in_the_raw_message(
    madrid: Site, settings: SettingsWrapper
) -> None:
    big = b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024)
    small = b"small picture"
    data = email_bytes(
        attachments=[("manual.pdf", "application/pdf", big), ("photo.jpg", "image/jpeg", small)]
    )
    raw = ingest("email", data, source="imap", site=madrid)
    assert raw.status == InboundStatus.PROCESSED
    refused = Attachment.objects.get(filename="manual.pdf")
    assert refused.refused and not refused.file
    assert refused.size == len(big)
    assert "limit" in refused.refused_reason
    kept = Attachment.objects.get(filename="photo.jpg")
    assert not kept.refused and kept.file.read() == small
    assert InboundRaw.objects.get(pk=raw.pk).payload() == data  # nothing lost


def test_it_sanitises_html_bodies(madrid: Site) -> None:
    raw = ingest(
        "email",
        email_bytes(html='<p onclick="steal()">Hola<script>alert(1)</script></p>'),
        source="imap",
        site=madrid,
    )
    message = raw.message
    assert message is not None
    assert "<script" not in message.body_html and "onclick" not in message.body_html
    assert "Hola" in message.body_html


def test_it_quarantines_a_message_for_no_known_site(madrid: Site) -> None:
    raw = ingest("email", email_bytes(to="nobody@elsewhere.example"), source="smtp")
    assert raw.status == InboundStatus.QUARANTINED
    assert "site" in raw.reason


def test_it_finds_the_site_from_the_recipient_address(madrid: Site) -> None:
    madrid.email = "taller@madrid.example"
    madrid.save(update_fields=["email"])
    raw = ingest("email", email_bytes(to="Taller <TALLER@madrid.example>"), source="smtp")
    assert raw.status == InboundStatus.PROCESSED
    assert case_of(raw).site == madrid


def test_it_quarantines_an_unreadable_sender_address(madrid: Site) -> None:
    raw = ingest("email", email_bytes(from_="not an address"), source="imap", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert raw.reason


def test_nul_characters_are_stored_as_replacement_characters(madrid: Site) -> None:
    data = (
        b"From: Ana <ana@example.net>\r\nSubject: Hola\x00mundo\r\n"
        b"Message-ID: <nul\x00id@example.net>\r\n\r\nCuerpo\x00con NUL\r\n"
    )
    raw = ingest("email", data, source="imap", site=madrid, metadata={"note": "a\x00b"})
    assert raw.status == InboundStatus.PROCESSED
    message = raw.message
    assert message is not None
    assert message.subject == "Hola\ufffdmundo"
    assert "\x00" not in message.body_text and "\ufffd" in message.body_text
    assert raw.metadata == {"note": "a\ufffdb"}
    assert raw.payload() == data  # the original bytes, NUL included


def test_a_nul_in_the_sender_is_quarantined_with_a_storable_reason(madrid: Site) -> None:
    raw = ingest(
        "email", b"From: a\x00b@example.net\r\nSubject: x\r\n\r\nhola", source="imap", site=madrid
    )
    assert raw.status == InboundStatus.QUARANTINED
    assert "\x00" not in raw.reason
