"""VIN decoding offline with vininfo: manufacturer, country and model year; a VIN the
tables do not cover says so and asks for the make and model."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from posventa.advisor.advice import advise_visitor
from posventa.advisor.vin import decode_vin

TODAY = dt.date(2026, 12, 3)


def test_a_covered_vin_gives_manufacturer_country_and_model_year() -> None:
    decoded = decode_vin("WVWZZZ1JZXW000001", today=TODAY)
    assert decoded.covered
    assert (decoded.manufacturer, decoded.country, decoded.model_year) == (
        "Volkswagen",
        "Germany",
        1999,
    )


def test_the_latest_plausible_model_year_is_taken_from_the_30_year_cycle() -> None:
    # 10th character "J": 1988 or 2018.
    assert decode_vin("TMBJJ7NE8J0000001", today=TODAY).model_year == 2018


def test_an_uncovered_manufacturer_asks_for_make_and_model() -> None:
    with translation.override("en"):
        decoded = decode_vin("XYZ12345678901234", today=TODAY)
        advice = advise_visitor(today=TODAY, vin="XYZ12345678901234", km=20_000)
    assert not decoded.covered and "XYZ" in decoded.message and "make and model" in decoded.message
    assert "make" in advice.missing and decoded.message in advice.notes


def test_a_malformed_vin_is_said_to_be_one() -> None:
    with translation.override("es"):
        decoded = decode_vin("ABC", today=TODAY)
    assert not decoded.covered and decoded.message


def test_a_visitor_with_only_a_vin_gets_advice_from_its_manufacturer_and_year() -> None:
    advice = advise_visitor(today=TODAY, vin="TMBJJ7NE8J0000001", fuel="diesel", km=95_000)
    assert advice.vin is not None and advice.vin.manufacturer == "Škoda"
    assert "make" not in advice.missing and "first_registration" not in advice.missing
    assert "fuel-filter" in {item.code for item in advice.items}
