"""The case page's appointments panel: the case's appointments and a button that books one
prefilled from the case (registered with cases.composer in WorkshopConfig.ready)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posventa.cases.composer import CaseExtension
from posventa.cases.models import Case
from posventa.core.models import User
from posventa.inbox.models import Message
from posventa.workshop.models import Appointment


def page_context(case: Case, user: User, posted: Mapping[str, Any] | None) -> dict[str, Any]:
    rows = Appointment.objects.filter(case=case).order_by("-starts_at")[:10]
    return {"case_appointments": list(rows)}


def after_reply(case: Case, user: User, message: Message, posted: Mapping[str, Any]) -> str:
    return ""  # a reply books nothing


EXTENSION = CaseExtension(
    name="workshop",
    composer_template="workshop/_case_composer.html",
    panel_template="workshop/_case_panel.html",
    context=page_context,
    after_reply=after_reply,
)
