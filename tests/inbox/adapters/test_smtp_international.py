"""An internationalised sender (RFC 6531: "josé@ejemplo.es", sent with SMTPUTF8) reaches the
real SMTP listener on loopback, becomes a customer, is matched again on the next message
(domain case-insensitive and IDNA-equivalent, the local part as written) and gets the
acknowledgement at that same address, delivered to a real SMTP server with SMTPUTF8."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from posventa.cases.models import Case
from posventa.channels.actions import add_mail_route
from posventa.core.models import Site
from posventa.customers.models import ContactPoint
from posventa.inbox.adapters.smtp import start_listener
from posventa.inbox.models import InboundRaw, InboundStatus
from posventa.outbox.delivery import deliver_pending
from tests.inbox.adapters.helpers import free_port
from tests.outbox.conftest import serve_smtp

pytestmark = pytest.mark.django_db(transaction=True)

WORKSHOP = "taller@madrid.example"


@pytest.fixture
def port(madrid: Site) -> Iterator[int]:
    add_mail_route(madrid, WORKSHOP)
    port = free_port()
    controller = start_listener("127.0.0.1", port)
    yield port
    controller.stop()


def send_utf8(port: int, sender: str, subject: str, *, envelope_from: str = "") -> InboundRaw:
    message = EmailMessage(policy=policy.SMTPUTF8)
    message["From"] = sender
    message["To"] = WORKSHOP
    message["Subject"] = subject
    message.set_content("Hola, ¿tenéis hueco el jueves?")
    address = envelope_from or message["From"].addresses[0].addr_spec
    before = set(InboundRaw.objects.values_list("pk", flat=True))
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        refused = client.sendmail(
            address, [WORKSHOP], message.as_bytes(), mail_options=["SMTPUTF8"]
        )
    assert refused == {}
    [raw] = InboundRaw.objects.exclude(pk__in=before)
    return raw


def test_a_utf8_sender_is_accepted_and_becomes_a_customer(port: int) -> None:
    raw = send_utf8(port, "José Núñez <josé@ejemplo.es>", "Ruido al frenar")

    assert raw.status == InboundStatus.PROCESSED, raw.reason
    assert raw.metadata["envelope_from"] == "josé@ejemplo.es"
    case = Case.objects.get()
    assert case.customer.display_name == "José Núñez"
    point = ContactPoint.objects.get(customer=case.customer)
    assert point.value == "josé@ejemplo.es"


@pytest.mark.parametrize(
    "again",
    ["José <josé@EJEMPLO.ES>", "josé@Ejemplo.es"],
)
def test_the_next_message_from_the_same_address_finds_the_same_customer_and_case(
    port: int, again: str
) -> None:
    first = send_utf8(port, "José Núñez <josé@ejemplo.es>", "Ruido al frenar")
    second = send_utf8(port, again, "Re: Ruido al frenar")

    assert second.status == InboundStatus.PROCESSED, second.reason
    assert first.message is not None and second.message is not None
    assert second.message.case == first.message.case
    assert ContactPoint.objects.count() == 1


def test_an_idn_domain_in_unicode_or_idna_form_is_one_address(port: int) -> None:
    first = send_utf8(port, "Ana <ana@bücher.example>", "Neumáticos")
    second = send_utf8(port, "Ana <ana@xn--bcher-kva.example>", "Re: Neumáticos")

    assert first.message is not None and second.message is not None
    assert second.message.case == first.message.case
    assert ContactPoint.objects.get().value == "ana@bücher.example"


def test_a_local_part_in_another_case_is_another_mailbox(port: int) -> None:
    send_utf8(port, "josé@ejemplo.es", "Ruido al frenar")
    send_utf8(port, "JOSÉ@ejemplo.es", "Ruido al frenar")

    assert sorted(ContactPoint.objects.values_list("value", flat=True)) == [
        "JOSÉ@ejemplo.es",
        "josé@ejemplo.es",
    ]


def test_the_acknowledgement_reaches_the_utf8_address(port: int, settings: Any) -> None:
    send_utf8(port, "José Núñez <josé@ejemplo.es>", "Ruido al frenar")

    with serve_smtp(settings, smtputf8=True) as inbox:
        assert deliver_pending() == 1

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["josé@ejemplo.es"]
    assert "SMTPUTF8" in envelope.mail_options
    headers = envelope.original_content.split(b"\r\n\r\n", 1)[0].decode().splitlines()
    assert "To: josé@ejemplo.es" in headers  # UTF-8 (RFC 6532), not an encoded word
