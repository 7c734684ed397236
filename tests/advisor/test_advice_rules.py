"""The rule kinds: distance, time, whichever comes first, time only, severe service, and
make, model and fuel overrides, computed from facts (no database)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from posventa.advisor import schedule
from posventa.advisor.advice import Service, Status, VehicleFacts, add_months, compute
from posventa.advisor.distance import Reading

TODAY = dt.date(2026, 12, 3)
HEADER = ",".join(schedule.COLUMNS)


def rules(*lines: str) -> tuple[schedule.Rule, ...]:
    return schedule.parse_schedule("\n".join([HEADER, *lines]))


def facts(
    *,
    make: str = "Volvo",
    model: str = "XC40",
    fuel: str = "petrol",
    registered: dt.date = dt.date(2024, 12, 1),
    readings: tuple[Reading, ...] = (),
    services: tuple[Service, ...] = (),
) -> VehicleFacts:
    return VehicleFacts(make, model, fuel, registered, None, readings, services)


def status(advice_items: object, code: str) -> Status:
    return next(item.status for item in advice_items if item.code == code)  # type: ignore[attr-defined]


def test_a_distance_interval_is_due_once_the_distance_is_reached() -> None:
    schedule_ = rules("oil-service,,,,15000,,,,oil-service,,,")
    assert (
        status(compute(facts(), schedule_, today=TODAY, km=15_000).items, "oil-service")
        == Status.DUE
    )
    later = compute(facts(), schedule_, today=TODAY, km=5_000)
    assert status(later.items, "oil-service") == Status.LATER
    assert later.items[0].due_km == 15_000 and later.items[0].due_date is None


def test_whichever_comes_first_the_time_wins_on_a_car_that_is_seldom_driven() -> None:
    schedule_ = rules("inspection-30k,,,,30000,24,,,inspection-30k,,,")
    advice = compute(facts(), schedule_, today=TODAY, km=8_000)
    assert status(advice.items, "inspection-30k") == Status.DUE
    assert advice.items[0].due_date == dt.date(2026, 12, 1)
    assert advice.appointment_type_codes == ("inspection-30k",)


def test_a_time_only_rule_is_due_whatever_the_distance_and_says_so() -> None:
    schedule_ = rules("brake-fluid,,,,,24,,,brake-fluid,,,")
    with translation.override("en"):
        advice = compute(facts(), schedule_, today=TODAY, km=100)
    item = advice.items[0]
    assert item.status == Status.DUE and item.due_km is None
    assert item.reason.startswith(
        "Brake fluid: every 2 years whatever the distance; last done: never"
    )


def test_coming_up_within_the_window_in_time_or_distance() -> None:
    schedule_ = rules("oil-service,,,,15000,12,,,oil-service,,,")
    done = (Service(dt.date(2026, 1, 20), 10_000, ("oil-service",)),)
    by_time = compute(facts(services=done), schedule_, today=TODAY, km=12_000)
    assert status(by_time.items, "oil-service") == Status.SOON
    by_distance = compute(
        facts(services=(Service(dt.date(2026, 10, 1), 10_000, ("oil-service",)),)),
        schedule_,
        today=TODAY,
        km=23_500,
    )
    assert status(by_distance.items, "oil-service") == Status.SOON
    assert by_distance.appointment_type_codes == ("oil-service",)


def test_the_last_service_restarts_the_interval() -> None:
    schedule_ = rules("brake-fluid,,,,,24,,,brake-fluid,,,")
    done = (Service(dt.date(2026, 6, 1), 20_000, ("brake-fluid",)),)
    advice = compute(facts(services=done), schedule_, today=TODAY, km=25_000)
    assert advice.items[0].status == Status.LATER
    assert advice.items[0].due_date == dt.date(2028, 6, 1)
    assert advice.appointment_type_codes == ()


def test_severe_service_uses_the_shorter_intervals() -> None:
    schedule_ = rules("oil-service,,,,15000,12,7500,6,oil-service,,,")
    done = (Service(dt.date(2026, 5, 1), 10_000, ("oil-service",)),)
    normal = compute(facts(services=done), schedule_, today=TODAY, km=18_000)
    severe = compute(facts(services=done), schedule_, today=TODAY, km=18_000, severe=True)
    assert normal.items[0].status == Status.LATER
    assert severe.items[0].status == Status.DUE and severe.items[0].due_km == 17_500
    with translation.override("en"):
        text = compute(facts(services=done), schedule_, today=TODAY, km=18_000, severe=True)
    assert "(severe service)" in text.items[0].reason


def test_a_make_rule_overrides_the_generic_one_and_a_model_rule_the_make() -> None:
    schedule_ = rules(
        "brake-fluid,,,,,24,,,brake-fluid,,,",
        "brake-fluid,Volkswagen,,,,36,,,brake-fluid,,,",
        "brake-fluid,Volkswagen,Golf,,,48,,,brake-fluid,,,",
    )
    months = {
        (make, model): compute(facts(make=make, model=model), schedule_, today=TODAY, km=1)
        .items[0]
        .due_date
        for make, model in (
            ("Volvo", "XC40"),
            ("volkswagen", "Polo"),
            ("VW", "x"),
            ("Volkswagen", "Golf Variant"),
        )
    }
    assert months[("Volvo", "XC40")] == add_months(dt.date(2024, 12, 1), 24)
    assert months[("volkswagen", "Polo")] == add_months(dt.date(2024, 12, 1), 36)
    assert months[("Volkswagen", "Golf Variant")] == add_months(dt.date(2024, 12, 1), 48)
    assert months[("VW", "x")] == add_months(dt.date(2024, 12, 1), 24)


def test_a_make_rule_with_no_interval_switches_the_item_off() -> None:
    schedule_ = rules(
        "timing-belt,,,,120000,72,,,timing-belt,,,",
        "timing-belt,Volvo,,,,,,,,,,",
    )
    assert compute(facts(), schedule_, today=TODAY, km=200_000).items == ()
    assert (
        compute(facts(make="Seat"), schedule_, today=TODAY, km=200_000).items[0].status
        == Status.DUE
    )


def test_fuel_rules_leave_the_oil_out_of_an_electric_car() -> None:
    generic = schedule.generic_rules()
    electric = compute(facts(fuel="electric"), generic, today=TODAY, km=31_000)
    codes = {item.code for item in electric.items}
    assert "oil-service" not in codes and "spark-plugs" not in codes
    assert "high-voltage-check" in codes and "brake-fluid" in codes
    assert "oil-service" not in electric.appointment_type_codes


def test_one_appointment_type_covers_the_items_it_includes() -> None:
    """The inspection service includes the oil and the cabin filter: it is booked alone,
    with the brake fluid beside it (seed 001's question)."""
    advice = compute(facts(), schedule.generic_rules(), today=TODAY, km=30_200)
    assert advice.appointment_type_codes == ("inspection-30k", "brake-fluid")


def test_an_oil_service_alone_when_only_the_small_items_are_due() -> None:
    done = (Service(dt.date(2025, 12, 1), 15_000, ("oil-service", "cabin-filter")),)
    advice = compute(
        facts(registered=dt.date(2024, 12, 20), services=done),
        schedule.generic_rules(),
        today=dt.date(2025, 12, 10),
        km=15_100,
    )
    assert advice.appointment_type_codes == ()
    advice = compute(
        facts(registered=dt.date(2025, 1, 10)),
        schedule.generic_rules(),
        today=dt.date(2026, 1, 20),
        km=14_000,
    )
    assert advice.appointment_type_codes == ("oil-service",)


def test_months_are_added_to_the_calendar_day_or_the_month_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 30), 24) == dt.date(2026, 11, 30)
