"""Auto-replies both ways: inbound automatic mail never opens a case or moves a clock; our
acknowledgement is marked automatic, carries the reference and portal link, and satisfies
no reply clock."""

from __future__ import annotations

import pytest

from posventa.cases.models import Case
from posventa.clocks.actions import open_clocks_for
from posventa.clocks.models import Clock
from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.models import InboundStatus, Message, MessageKind
from posventa.outbox.models import Notification
from tests.inbox.factories import CUSTOMER_EMAIL, case_of, receive_email

AUTOMATIC_HEADERS = [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated"},
    {"X-Autoreply": "yes"},
    {"X-Autorespond": "Out of office"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"Precedence": "auto_reply"},
    {"X-Auto-Response-Suppress": "All"},
    {"Return-Path": "<>"},
]
AUTOMATIC_SENDERS = ["MAILER-DAEMON@mx.example.net", "postmaster@example.net"]
BOUNCE = (
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
    b"To: taller@madrid.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"Message-ID: <bounce-1@mx.example.net>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
    b"--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
    b"--r\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--r--\r\n"
)


@pytest.mark.parametrize("headers", AUTOMATIC_HEADERS, ids=lambda h: ": ".join(*h.items()))
def test_an_automatic_header_never_opens_a_case(madrid: Site, headers: dict[str, str]) -> None:
    raw = receive_email(madrid, headers=headers)
    assert raw.status == InboundStatus.IGNORED
    assert raw.reason.startswith("Automatic message")
    assert not Case.objects.exists()
    assert not Clock.objects.exists()
    assert raw.payload()  # kept


def test_auto_submitted_no_is_a_person(madrid: Site) -> None:
    raw = receive_email(madrid, headers={"Auto-Submitted": "no"})
    assert raw.status == InboundStatus.PROCESSED


@pytest.mark.parametrize("sender", AUTOMATIC_SENDERS)
def test_a_system_sender_never_opens_a_case(madrid: Site, sender: str) -> None:
    raw = receive_email(madrid, from_=sender)
    assert raw.status == InboundStatus.IGNORED
    assert not Case.objects.exists()


def test_a_delivery_status_report_never_opens_a_case(madrid: Site) -> None:
    raw = ingest("email", BOUNCE, source="imap", site=madrid)
    assert raw.status == InboundStatus.IGNORED
    assert "delivery-status" in raw.reason
    assert not Case.objects.exists()


def test_an_out_of_office_answer_is_filed_on_its_case_without_moving_a_clock(
    madrid: Site,
) -> None:
    case = case_of(receive_email(madrid))
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    before = {(c.standard_id, c.started_at, c.state) for c in open_clocks_for(case)}
    raw = receive_email(
        madrid,
        subject="Fuera de la oficina",
        in_reply_to=ack.message_id,
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert raw.status == InboundStatus.IGNORED
    filed = raw.message
    assert filed is not None and filed.case == case
    assert filed.kind == MessageKind.AUTOMATIC_INBOUND and filed.automatic
    case.refresh_from_db()
    assert case.chase_count == 0
    assert {(c.standard_id, c.started_at, c.state) for c in open_clocks_for(case)} == before


def test_an_automatic_message_does_not_reopen_a_resolved_case(madrid: Site, agent) -> None:
    from posventa.cases import actions

    case = case_of(receive_email(madrid))
    answer = actions.reply(case, author=agent, body="Solo el líquido de frenos.")
    actions.resolve_case(case, actor=agent, answer=answer)
    receive_email(madrid, in_reply_to=answer.message_id, headers={"X-Autoreply": "yes"})
    case.refresh_from_db()
    assert case.status == "resolved"
    assert Case.objects.count() == 1


def test_the_acknowledgement_is_automatic_with_reference_and_portal_link(madrid: Site) -> None:
    inbound = receive_email(madrid, message_id="<ask@example.net>")
    case = case_of(inbound)
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert ack.automatic and ack.direction == "outbound"
    notification = ack.notification
    assert notification is not None and notification.automatic
    assert notification.to_address == CUSTOMER_EMAIL
    assert case.reference in notification.subject and case.reference in notification.body
    assert "/portal/" in notification.body
    assert notification.headers["Auto-Submitted"] == "auto-replied"
    assert notification.in_reply_to == "<ask@example.net>"
    assert ack.message_id == notification.message_id


def test_the_acknowledgement_does_not_satisfy_the_reply_clock(madrid: Site) -> None:
    case = case_of(receive_email(madrid))
    states = {clock.standard_id: clock.state for clock in Clock.objects.all()}
    assert states == {"INFO-WEB": "running", "INFO-WRITTEN": "running", "INFO-COMPLETE": "running"}
    assert case.awaiting_reply_since is not None


def test_it_acknowledges_only_a_new_case(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="Cita"))
    receive_email(madrid, subject="Re: Cita")
    assert case.messages.filter(kind=MessageKind.AUTO_ACKNOWLEDGEMENT).count() == 1


def test_it_does_not_acknowledge_the_same_address_twice_in_a_row(madrid: Site) -> None:
    receive_email(madrid, subject="Cita para el martes")
    receive_email(madrid, subject="Otra cosa distinta")
    assert Case.objects.count() == 2
    assert Message.objects.filter(kind=MessageKind.AUTO_ACKNOWLEDGEMENT).count() == 1
    assert Notification.objects.filter(automatic=True).count() == 1


def test_the_acknowledgement_speaks_the_customers_language(madrid: Site, goteborg: Site) -> None:
    from tests.inbox.factories import email_bytes

    spanish = case_of(receive_email(madrid))
    swedish = case_of(
        ingest(
            "email",
            email_bytes(from_="Elin Berg <elin.berg@example.se>", subject="Service"),
            source="imap",
            site=goteborg,
        )
    )
    spanish_ack = spanish.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT).notification
    swedish_ack = swedish.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT).notification
    assert spanish_ack is not None and swedish_ack is not None
    assert spanish_ack.subject == f"Hemos recibido su mensaje [{spanish.reference}]"
    assert swedish_ack.subject == f"Vi har tagit emot ditt meddelande [{swedish.reference}]"
    assert "Este es un mensaje automático." in spanish_ack.body


def test_a_refused_acknowledgement_does_not_lose_the_case(madrid: Site) -> None:
    from tests.inbox.factories import twilio_body

    # A number the carrier delivered but the outbox will not text (a fictional 555 number).
    raw = ingest("sms", twilio_body(sender="+1 555 0100"), source="webhook", site=madrid)
    assert raw.status == InboundStatus.PROCESSED
    assert any(warning.startswith("acknowledgement not sent") for warning in raw.warnings)
    case = case_of(raw)
    assert not case.messages.filter(kind=MessageKind.AUTO_ACKNOWLEDGEMENT).exists()
    assert {clock.standard_id for clock in open_clocks_for(case)} == {"INFO-WEB", "INFO-COMPLETE"}
