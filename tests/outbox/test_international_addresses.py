"""Mail to an internationalised address (RFC 6531) goes out with SMTPUTF8, the address in
UTF-8 in the envelope and the headers; an IDN domain goes out in its IDNA form. Delivered
through the production backend (`outbox.smtp`) to a real SMTP server on loopback."""

from __future__ import annotations

import email
from email import policy

from posventa.core.models import Site
from posventa.outbox.actions import send_to_customer
from posventa.outbox.delivery import deliver
from posventa.outbox.models import Channel, Notification, NotificationStatus
from tests.outbox.conftest import SmtpInbox


def _reply(site: Site, to_address: str) -> Notification:
    return send_to_customer(
        channel=Channel.EMAIL,
        to_address=to_address,
        subject="Re: Ruido al frenar [MAD-2026-00001]",
        body="Hola José, el coche está listo.",
        site=site,
    )


def test_a_reply_to_a_utf8_address_goes_out_with_smtputf8(
    madrid: Site, smtp_inbox: SmtpInbox
) -> None:
    notification = _reply(madrid, "josé@ejemplo.es")

    assert deliver(notification.pk) == NotificationStatus.SENT

    [envelope] = smtp_inbox.envelopes
    assert envelope.rcpt_tos == ["josé@ejemplo.es"]
    assert "SMTPUTF8" in envelope.mail_options
    # RFC 6532: the headers are UTF-8 text.
    message = email.message_from_string(envelope.original_content.decode(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "josé@ejemplo.es"
    assert "josé@ejemplo.es".encode() in envelope.original_content  # UTF-8, not encoded
    assert message["Subject"] == "Re: Ruido al frenar [MAD-2026-00001]"
    body = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert body.get_body().get_content().strip() == "Hola José, el coche está listo."


def test_an_idn_domain_goes_out_in_its_idna_form_without_smtputf8(
    madrid: Site, smtp_inbox: SmtpInbox
) -> None:
    notification = _reply(madrid, "ana@bücher.example")

    assert deliver(notification.pk) == NotificationStatus.SENT

    [envelope] = smtp_inbox.envelopes
    assert envelope.rcpt_tos == ["ana@xn--bcher-kva.example"]
    assert "SMTPUTF8" not in envelope.mail_options


def test_a_utf8_local_part_with_an_idn_domain_keeps_the_local_part(
    madrid: Site, smtp_inbox: SmtpInbox
) -> None:
    notification = _reply(madrid, "josé@bücher.example")

    assert deliver(notification.pk) == NotificationStatus.SENT

    assert smtp_inbox.envelopes[0].rcpt_tos == ["josé@xn--bcher-kva.example"]


def test_a_server_without_smtputf8_is_a_permanent_failure_that_says_why(
    madrid: Site, ascii_only_smtp_inbox: SmtpInbox
) -> None:
    notification = _reply(madrid, "josé@ejemplo.es")

    assert deliver(notification.pk) == NotificationStatus.DEAD

    notification.refresh_from_db()
    assert "josé@ejemplo.es" in notification.last_error
    assert "SMTPUTF8" in notification.last_error
    assert ascii_only_smtp_inbox.envelopes == []
