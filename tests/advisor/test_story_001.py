"""Seed 001: a new car owner's app says the brake fluid is due; the car is two years old and
has just passed 30,000 km. Book only the brake fluid, or the bigger service? Three workshops
could not tell her. The advisor tells her (and the agent answering her) in her language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from posventa.advisor.advice import Status, advise, advise_visitor
from posventa.customers.models import Vehicle

EXPECTED = {
    "en": {
        "brake": "Brake fluid: every 2 years whatever the distance; last done: never; due now",
        "inspection": "Inspection service: every 30,000 km or 2 years, whichever comes first",
        "book": ["30,000 km inspection service", "Brake fluid change"],
    },
    "es": {
        "brake": (
            "Líquido de frenos: cada 2 años sea cual sea la distancia; última vez: nunca; toca ya"
        ),
        "inspection": "Revisión: cada 30\xa0000 km o 2 años, lo que llegue antes",
        "book": ["Revisión de los 30.000 km", "Cambio del líquido de frenos"],
    },
    "sv": {
        "brake": "Bromsvätska: intervall 2 år oavsett körsträcka; senast gjort: aldrig; dags nu",
        "inspection": "Inspektionsservice: intervall 30\xa0000 km eller 2 år, det som kommer först",
        "book": ["30\xa0000 km-inspektion", "Byte av bromsvätska"],
    },
}


@pytest.mark.parametrize("language", ["es", "sv", "en"])
def test_the_advisor_says_what_is_due_and_what_to_book_in_her_language(
    car: Vehicle, language: str
) -> None:
    with translation.override(language):
        advice = advise(car, today=timezone.localdate())
        reasons = {item.code: item.reason for item in advice.items}
        booked = [name for _code, name in advice.appointments]
    due = {item.code for item in advice.items if item.status == Status.DUE}
    assert {"brake-fluid", "inspection-30k", "oil-service"} <= due
    assert advice.appointment_type_codes == ("inspection-30k", "brake-fluid")
    assert reasons["brake-fluid"].startswith(EXPECTED[language]["brake"])
    assert reasons["inspection-30k"].startswith(EXPECTED[language]["inspection"])
    assert booked == EXPECTED[language]["book"]
    # The oil was changed at 15,100 km a year ago: the history is in the reason.
    assert "15" in reasons["oil-service"] and advice.km == 30_050


@pytest.mark.parametrize("language", ["es", "sv", "en"])
def test_a_visitor_with_no_vehicle_record_gets_the_same_answer(language: str) -> None:
    today = dt.date(2026, 12, 3)
    with translation.override(language):
        advice = advise_visitor(
            today=today,
            make="Volvo",
            model="XC40",
            first_registration=today - dt.timedelta(days=2 * 365 + 10),
            fuel="petrol",
            km=30_000,
        )
        brake = next(item for item in advice.items if item.code == "brake-fluid")
    assert brake.status == Status.DUE
    assert brake.reason.startswith(EXPECTED[language]["brake"])
    assert advice.appointment_type_codes == ("inspection-30k", "brake-fluid")
