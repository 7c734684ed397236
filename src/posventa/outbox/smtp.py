"""Django's SMTP e-mail backend, able to write to internationalised addresses (RFC 6531).

Django encodes a non-ASCII local part as an RFC 2047 encoded word ("=?utf-8?q?jos=C3=A9?=
@ejemplo.es"), in the envelope and in the To header alike: no server delivers that to
josé@ejemplo.es. A message to or from such an address goes out the way RFC 6531 says:
`MAIL FROM ... SMTPUTF8`, the addresses in UTF-8 in the envelope and in the headers (RFC
6532). A server that does not offer SMTPUTF8 makes smtplib raise `SMTPNotSupportedError`
(the outbox records it as a permanent failure naming the reason). Everything else,
including an IDN domain with an ASCII local part (sent in its IDNA form, which needs no
extension), goes through Django's own code unchanged.

    EMAIL_BACKEND = "posventa.outbox.smtp.EmailBackend"   # the default with an SMTP host
"""

from __future__ import annotations

import smtplib
from email import policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import Message
from email.utils import getaddresses
from io import BytesIO
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.utils.encoding import punycode

# Headers that carry addresses, rewritten in UTF-8 when the message needs SMTPUTF8.
ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To")
SMTPUTF8_POLICY = policy.SMTPUTF8.clone(linesep="\r\n")


class EmailBackend(DjangoSmtpBackend):
    def _send(self, email_message: EmailMessage) -> bool:
        addresses = [email_message.from_email, *email_message.recipients()]
        if not email_message.recipients() or not any(map(needs_smtputf8, addresses)):
            return bool(super()._send(email_message))  # type: ignore[misc]  # not in the stubs
        message = email_message.message()
        for name, values in _address_headers(email_message).items():
            if values and name in message:
                # replace_header, not item assignment: Django's message classes would
                # encode the addresses again.
                message.replace_header(name, ", ".join(map(_utf8_mailbox, values)))
        try:
            assert self.connection is not None  # opened by send_messages
            self.connection.sendmail(
                envelope_address(email_message.from_email),
                [envelope_address(address) for address in email_message.recipients()],
                _utf8_bytes(message),
                mail_options=["SMTPUTF8"],
            )
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def needs_smtputf8(mailbox: str) -> bool:
    """Whether an address ("Name <local@domain>" or bare) has a non-ASCII local part."""
    return not _address(mailbox).rpartition("@")[0].isascii()


def envelope_address(mailbox: str) -> str:
    """The address for MAIL FROM / RCPT TO: the local part as written (UTF-8), the domain
    in its IDNA form, which every server understands."""
    local, _at, domain = _address(mailbox).rpartition("@")
    return f"{local}@{punycode(domain)}"


def _address(mailbox: str) -> str:
    return getaddresses([mailbox])[0][1] or mailbox


def _address_headers(email_message: EmailMessage) -> dict[str, list[str]]:
    """The addresses of each address header, from the message's own values: the header
    Django wrote already holds encoded words, which cannot be read back into addresses."""
    extra = {name.lower(): value for name, value in email_message.extra_headers.items()}
    values = {
        "From": [email_message.from_email],
        "To": list(email_message.to),
        "Cc": list(email_message.cc),
        "Reply-To": list(email_message.reply_to),
    }
    return {name: [extra[name.lower()]] if name.lower() in extra else found
            for name, found in values.items()}  # fmt: skip


def _utf8_mailbox(mailbox: str) -> str:
    """ "Name <local@domain>" in UTF-8 (RFC 6532), the name quoted where it needs it."""
    name, address = getaddresses([mailbox])[0]
    local, _at, domain = (address or mailbox).rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def _utf8_bytes(message: Message) -> bytes:
    """The message with its headers in UTF-8 (Django's compat32 policy would encode them)."""
    buffer = BytesIO()
    generator: BytesGenerator[Any] = BytesGenerator(
        buffer, mangle_from_=False, policy=SMTPUTF8_POLICY
    )
    generator.flatten(message)
    return buffer.getvalue()
