"""Today's distance when the last reading is old: the vehicle's own pace, else the pace
since registration, else the documented default."""

from __future__ import annotations

import datetime as dt

from posventa.advisor import distance
from posventa.advisor.distance import KmSource, Reading

TODAY = dt.date(2026, 12, 3)


def test_a_recent_reading_is_taken_as_it_is() -> None:
    meter = distance.odometer([Reading(TODAY - dt.timedelta(days=5), 30_000)], None)
    now = distance.distance_today(meter, TODAY, None)
    assert (now.km, now.source) == (30_000, KmSource.READING)


def test_an_old_reading_is_extrapolated_at_the_vehicles_own_pace() -> None:
    readings = [Reading(dt.date(2025, 1, 1), 10_000), Reading(dt.date(2026, 1, 1), 30_000)]
    meter = distance.odometer(readings, dt.date(2024, 1, 1))
    now = distance.distance_today(meter, dt.date(2026, 7, 2), None)
    assert now.source == KmSource.ESTIMATED
    assert round(meter.km_per_day) == 55
    assert 39_900 <= (now.km or 0) <= 40_100


def test_one_reading_uses_the_pace_since_first_registration() -> None:
    meter = distance.odometer([Reading(dt.date(2025, 12, 1), 20_000)], dt.date(2024, 12, 1))
    now = distance.distance_today(meter, dt.date(2026, 12, 1), None)
    assert now.source == KmSource.ESTIMATED and 39_900 <= (now.km or 0) <= 40_100


def test_no_reading_uses_the_default_pace_since_registration() -> None:
    meter = distance.odometer([], dt.date(2024, 12, 3))
    now = distance.distance_today(meter, TODAY, None)
    assert now.source == KmSource.DEFAULT
    assert abs((now.km or 0) - 2 * distance.DEFAULT_KM_PER_YEAR) < 100


def test_nothing_to_go_on_is_unknown_and_a_given_distance_wins() -> None:
    meter = distance.odometer([], None)
    assert distance.distance_today(meter, TODAY, None).source == KmSource.UNKNOWN
    assert distance.distance_today(meter, TODAY, 12_345).km == 12_345


def test_a_correction_drops_the_readings_it_corrected() -> None:
    readings = [
        Reading(dt.date(2026, 1, 1), 10_000),
        Reading(dt.date(2026, 3, 1), 150_000),  # a typo
        Reading(dt.date(2026, 3, 2), 15_000, correction=True),
    ]
    kept = distance.usable(readings)
    assert [reading.km for reading in kept] == [10_000, 15_000]
    meter = distance.odometer(readings, None)
    assert meter.km_on(dt.date(2026, 2, 1)) is not None
    assert (meter.km_on(dt.date(2026, 2, 1)) or 0) < 15_000
