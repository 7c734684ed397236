"""The case page: for a case about a vehicle, the advisor's suggested answer in the
customer's language (inserted into the reply for the agent to edit), and the advice beside
the case. It records nothing when the reply is sent: the agent's edited words are the reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from posventa.advisor.advice import Advice, compute, gather
from posventa.advisor.reply import reply_text, vehicle_name
from posventa.cases.composer import CaseExtension
from posventa.cases.models import Case
from posventa.core.models import User
from posventa.core.site_page import local_today
from posventa.customers.models import contact_language
from posventa.inbox.models import Message


@dataclass(frozen=True)
class Suggestion:
    language: str
    text: str
    advice: Advice


def suggest(case: Case) -> Suggestion | None:
    """The suggested answer for the case's vehicle, or None when the case has none."""
    found = _suggest_and_advise(case)
    return found[0] if found else None


def _suggest_and_advise(case: Case) -> tuple[Suggestion, Advice] | None:
    """The suggestion in the customer's language and the advice in the reader's, from
    one read of the vehicle's history."""
    vehicle = case.vehicle
    if vehicle is None:
        return None
    today = local_today(case.site)
    facts, rules, decoding = gather(vehicle, today=today)
    language = contact_language(case.customer, case.site)
    with translation.override(language):
        advice = compute(facts, rules, today=today, vin=decoding)
        text = reply_text(
            advice,
            customer_name=case.customer.display_name,
            vehicle=vehicle_name(vehicle.make, vehicle.model, vehicle.plate),
        )
    return Suggestion(language, text, advice), compute(facts, rules, today=today, vin=decoding)


def page_context(case: Case, user: User, posted: Mapping[str, Any] | None) -> dict[str, Any]:
    found = _suggest_and_advise(case)
    if found is None:
        return {"advisor_suggestion": None}
    suggestion, advice = found
    # Beside the case, the advice reads in the agent's own language.
    return {
        "advisor_suggestion": suggestion,
        "advisor_advice": advice,
        "advisor_vehicle": case.vehicle,
    }


def after_reply(case: Case, author: User, message: Message, posted: Mapping[str, Any]) -> str:
    return ""


EXTENSION = CaseExtension(
    name="advisor",
    composer_template="advisor/_suggestion.html",
    panel_template="advisor/_panel.html",
    context=page_context,
    after_reply=after_reply,
)
