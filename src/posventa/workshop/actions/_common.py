"""Helpers the workshop's action modules share: one transaction style and the contact."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from posventa.core.validators import is_email_address
from posventa.customers.models import Channel

# Channels a confirmation can be written on (a preferred phone call still gets a text).
PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.PHONE)


def atomic() -> transaction.Atomic:
    return transaction.atomic(savepoint=False)


def refusable() -> transaction.Atomic:
    """For work that may still refuse inside its transaction (a slot taken while we waited
    for the day's lock): a savepoint, so a caller's outer transaction survives the refusal."""
    return transaction.atomic()


@dataclass(frozen=True)
class Contact:
    """Who booked and how they want to hear from us, as they typed it."""

    name: str
    email: str = ""
    phone: str = ""
    preferred_method: str = Channel.EMAIL
    language: str = "en"

    def cleaned(self) -> Contact:
        """The contact with spaces trimmed, or ValidationError naming each bad field."""
        contact = Contact(
            name=" ".join(self.name.split())[:200],
            email=self.email.strip(),
            phone="".join(self.phone.split())[:32],
            preferred_method=self.preferred_method or Channel.EMAIL,
            language=self.language if self.language in dict(settings.LANGUAGES) else "en",
        )
        errors: dict[str, str] = {}
        if not contact.name:
            errors["contact_name"] = _("Tell us your name.")
        if contact.preferred_method not in Channel.values:
            errors["preferred_method"] = _("Choose how we should contact you.")
        if contact.email and not is_email_address(contact.email):
            errors["contact_email"] = _("This is not an e-mail address.")
        if contact.preferred_method == Channel.EMAIL and not contact.email:
            errors["contact_email"] = _("Give your e-mail address: you asked us to write there.")
        if contact.preferred_method in PHONE_CHANNELS and not contact.phone:
            errors["contact_phone"] = _("Give your phone number: you asked us to use it.")
        if not contact.email and not contact.phone:
            errors.setdefault("contact_phone", _("Give a phone number or an e-mail address."))
        if errors:
            raise ValidationError(errors)
        return contact
