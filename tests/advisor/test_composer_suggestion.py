"""The case composer: for a case about a vehicle, a suggested answer in the customer's
language, which the agent inserts and edits; nothing for a case without a vehicle."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from posventa.advisor.composer import suggest
from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.core.models import User
from posventa.customers.models import Vehicle


def test_a_case_about_a_vehicle_gets_a_suggested_answer_in_spanish(
    client: Client, question: Case, car: Vehicle, agent: User
) -> None:
    assert question.customer_id == car.owner_id
    case_actions.link_vehicle(question, car, actor=agent)
    suggestion = suggest(Case.objects.get(pk=question.pk))
    assert suggestion is not None and suggestion.language == "es"
    assert suggestion.text.startswith("Hola, Inés Prueba Ficticia:")
    assert "Líquido de frenos: cada 2 años sea cual sea la distancia" in suggestion.text
    assert "Revisión de los 30.000 km, Cambio del líquido de frenos" in suggestion.text
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[question.reference])).content.decode()
    assert 'id="advisor-suggestion-text"' in page and 'lang="es"' in page
    assert "Hola, Inés Prueba Ficticia:" in page
    # Beside the case, the advice in the agent's own language (English).
    assert (
        "What does this car need?" in page and 'data-item="brake-fluid" data-status="due"' in page
    )


def test_a_case_without_a_vehicle_shows_no_suggestion(
    client: Client, question: Case, agent: User
) -> None:
    assert suggest(question) is None
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[question.reference])).content.decode()
    assert "advisor-suggestion" not in page
