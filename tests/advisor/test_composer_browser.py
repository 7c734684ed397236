"""In real Chromium: the agent inserts the advisor's suggested answer (in the customer's
Spanish) into the reply, edits it and sends it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from posventa.cases.models import Case
from posventa.core.models import User
from posventa.inbox.models import Message, MessageKind
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)
from tests.ui.test_workspace_browser import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]


def test_the_agent_inserts_the_suggestion_edits_it_and_sends_it(
    page: Any,  # noqa: F811
    live_server: Any,
    car_question: Case,
    agent: User,
) -> None:
    case_url = f"{live_server.url}{reverse('cases:detail', args=[car_question.reference])}"
    log_in(page, case_url, agent.username)
    page.click("#advisor-suggestion summary")
    page.click("#advisor-insert")
    body = page.input_value("#reply_body")
    assert body.startswith("Hola, Inés Prueba Ficticia:")
    assert "Líquido de frenos: cada 2 años sea cual sea la distancia" in body
    page.fill("#reply_body", body.replace("¿Quiere que se lo reservemos?", "Le llamo hoy."))
    page.click("#reply button[type=submit]")
    page.wait_for_load_state()
    # A sent reply reloads the case page with an empty composer.
    page.wait_for_function("() => document.querySelector('#reply_body')?.value === ''")
    reply = Message.objects.get(case=car_question, kind=MessageKind.REPLY)
    assert "Revisión de los 30.000 km, Cambio del líquido de frenos" in reply.body_text
    assert reply.body_text.rstrip().endswith("Le llamo hoy.")
