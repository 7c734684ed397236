"""The public booking page on a 390 px phone in real Chromium: choose a service, find a
time, book it in Spanish; a refusal keeps everything typed; nothing spills sideways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from posventa.core.models import Site
from posventa.workshop.models import Appointment
from tests.ui.test_browser_waiting import CHROMIUM, browser  # noqa: F401
from tests.workshop import conftest as workshop_fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]
bays = workshop_fixtures.bays
technicians = workshop_fixtures.technicians
types = workshop_fixtures.types
workshop = workshop_fixtures.workshop


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    page = context.new_page()
    yield page
    context.close()


def overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def fill_contact(page: Any) -> None:
    page.fill("input[name=contact_name]", "Remedios Figurada")
    page.fill("input[name=contact_phone]", "+34600123987")
    page.fill("input[name=contact_email]", "remedios@example.net")
    page.fill("input[name=vehicle]", "4321 XYZ")


def test_a_customer_books_on_a_phone(phone: Any, live_server: Any, workshop: Site) -> None:
    phone.goto(f"{live_server.url}/s/{workshop.slug}/")
    phone.click("[data-booking-link]")
    phone.wait_for_selector("[data-booking-form]")
    assert "Reserve una cita" in phone.inner_text("h1")
    assert overflow(phone) <= 0
    phone.check("input[name=types][value=oil-service]")
    fill_contact(phone)
    phone.click("[data-find]")
    phone.wait_for_selector("[data-slots]")
    assert overflow(phone) <= 0
    # The entries survive the search.
    assert phone.input_value("input[name=contact_name]") == "Remedios Figurada"
    phone.locator("[data-slot]").first.check()
    phone.click("[data-book]")
    phone.wait_for_selector("[data-booked]")
    assert "Su cita está reservada" in phone.inner_text("h1")
    assert overflow(phone) <= 0
    appointment = Appointment.objects.get()
    assert appointment.contact_name == "Remedios Figurada" and appointment.language == "es"


def test_a_refusal_keeps_every_entry(phone: Any, live_server: Any, workshop: Site) -> None:
    phone.goto(f"{live_server.url}/s/{workshop.slug}/book/")
    fill_contact(phone)
    phone.click("[data-find]")  # no service chosen
    phone.wait_for_selector("[data-error-for=types], .error")
    assert "Elija un servicio" in phone.inner_text("body")
    assert phone.input_value("input[name=contact_email]") == "remedios@example.net"
    assert phone.input_value("input[name=vehicle]") == "4321 XYZ"
    assert overflow(phone) <= 0
