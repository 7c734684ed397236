"""A site's phone configuration (rules and lines), saved with an event; the admin calls it."""

from __future__ import annotations

from django.db import transaction

from posventa.core.events import record_event
from posventa.core.models import User
from posventa.telephony.models import PhoneLine, PhoneSettings


def save_phone_config(
    obj: PhoneSettings | PhoneLine, *, actor: User | None, changed: list[str]
) -> None:
    with transaction.atomic():
        obj.save()
        record_event(
            "phone.config_changed",
            subject=obj,
            site=obj.site,
            actor=actor,
            summary=str(obj)[:500],
            data={"model": obj._meta.model_name, "changed": changed},
        )
