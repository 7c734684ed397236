"""The portal on a 390 px phone, in Spanish and Swedish, in real Chromium: the words are the
customer's language, the story reads in order, and nothing spills sideways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from posventa.cases import actions as case_actions
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.portal.links import portal_token
from tests.portal.conftest import email_case
from tests.ui.test_browser_waiting import CHROMIUM, browser  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]

EXPECTED = {
    "es": ["Hola, Carmen Rius", "Esperando su respuesta", "Mensaje automático", "Escríbanos"],
    "sv": ["Hej Carmen Rius", "Väntar på ditt svar", "Automatiskt meddelande", "Skriv till oss"],
}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("language", ["es", "sv"])
def test_the_portal_reads_in_the_customers_language_on_a_phone(
    phone: Any, live_server: Any, madrid: Site, agent: User, language: str
) -> None:
    case = email_case(
        madrid,
        "Carmen Rius <carmen.rius@example.net>",
        "Ruido en la dirección al girar a la izquierda con el coche frío por la mañana",
    )
    case_actions.assign_case(case, agent, actor=agent)
    case_actions.reply(case, author=agent, body="¿Puede traerlo el lunes a las 9?")
    case_actions.set_case_status(case, "waiting_customer", actor=agent)
    customer = customer_actions.set_preferences(case.customer, language=language)
    base = f"{live_server.url}/portal/{portal_token(customer)}/"

    phone.goto(base)
    home = phone.inner_text("body")
    assert EXPECTED[language][0] in home
    assert EXPECTED[language][1] in home
    assert overflow(phone) <= 0

    phone.click(f"text={case.reference}")
    phone.wait_for_selector("ol.story")
    text = phone.inner_text("body")
    for words in EXPECTED[language][1:]:
        assert words in text, words
    assert "Waiting for your answer" not in text and "Automatic message" not in text
    # Oldest first: what Carmen wrote, the acknowledgement, then Alba's reply.
    story = phone.inner_text("ol.story")
    assert story.index("Hola") < story.index(EXPECTED[language][2]) < story.index("lunes")
    assert overflow(phone) <= 0


def test_the_language_switch_changes_the_page_and_remembers_it(
    phone: Any, live_server: Any, madrid: Site
) -> None:
    case = email_case(madrid, "Carmen Rius <carmen.rius@example.net>", "Ruido")
    base = f"{live_server.url}/portal/{portal_token(case.customer)}/"
    phone.goto(base)
    assert "Sus casos" in phone.title()  # no language known: the Madrid site's Spanish
    phone.click("button[lang=sv]")
    phone.wait_for_load_state()
    assert "Dina ärenden" in phone.title()
    case.customer.refresh_from_db()
    assert case.customer.language == "sv"
    assert overflow(phone) <= 0
