"""Odometer readings only go up, unless a reading is flagged as a correction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.core.events import timeline
from posventa.core.models import Organisation, User
from posventa.customers import actions
from posventa.customers.models import OdometerReading, Vehicle


@pytest.fixture
def vehicle(group: Organisation) -> Vehicle:
    return actions.register_vehicle(group, vin="WVWZZZ1KZ8W123456", plate="1234 BCD")


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_it_records_increasing_readings_with_their_events(vehicle: Vehicle, agent: User) -> None:
    actions.record_odometer(vehicle, 10_000, read_at=days_ago(200), source="write-up")
    actions.record_odometer(vehicle, 25_500, read_at=days_ago(10), source="write-up", actor=agent)
    assert list(vehicle.odometer.values_list("km", flat=True)) == [10_000, 25_500]
    assert [e.verb for e in timeline(vehicle)].count("vehicle.odometer_read") == 2


def test_a_lower_reading_is_refused_and_not_stored(vehicle: Vehicle) -> None:
    actions.record_odometer(vehicle, 30_000, read_at=days_ago(30))
    with pytest.raises(ValidationError) as error:
        actions.record_odometer(vehicle, 3_000)
    assert "km" in error.value.message_dict
    assert OdometerReading.objects.filter(vehicle=vehicle).count() == 1


def test_an_equal_reading_is_accepted(vehicle: Vehicle) -> None:
    actions.record_odometer(vehicle, 30_000, read_at=days_ago(3))
    actions.record_odometer(vehicle, 30_000, read_at=days_ago(1))
    assert vehicle.odometer.count() == 2


def test_a_back_dated_reading_must_fit_between_its_neighbours(vehicle: Vehicle) -> None:
    actions.record_odometer(vehicle, 10_000, read_at=days_ago(100))
    actions.record_odometer(vehicle, 20_000, read_at=days_ago(10))
    with pytest.raises(ValidationError):
        actions.record_odometer(vehicle, 25_000, read_at=days_ago(50))
    reading = actions.record_odometer(vehicle, 15_000, read_at=days_ago(50))
    assert reading.km == 15_000


def test_a_correction_may_go_down_and_later_readings_compare_with_it(vehicle: Vehicle) -> None:
    actions.record_odometer(vehicle, 150_000, read_at=days_ago(20), source="typo at write-up")
    actions.record_odometer(vehicle, 15_000, read_at=days_ago(19), correction=True)
    actions.record_odometer(vehicle, 16_000, read_at=days_ago(1))
    assert [e.verb for e in timeline(vehicle)][-2:] == [
        "vehicle.odometer_corrected",
        "vehicle.odometer_read",
    ]


@pytest.mark.parametrize("km", [-1, 5_000_000])
def test_impossible_kilometres_are_refused(vehicle: Vehicle, km: int) -> None:
    with pytest.raises(ValidationError) as error:
        actions.record_odometer(vehicle, km)
    assert "km" in error.value.message_dict


def test_a_reading_in_the_future_is_refused(vehicle: Vehicle) -> None:
    with pytest.raises(ValidationError) as error:
        actions.record_odometer(vehicle, 1_000, read_at=timezone.now() + dt.timedelta(days=2))
    assert "read_at" in error.value.message_dict


def test_a_naive_time_is_refused(vehicle: Vehicle) -> None:
    with pytest.raises(ValidationError) as error:
        actions.record_odometer(vehicle, 1_000, read_at=dt.datetime(2024, 5, 1, 10, 0))
    assert "read_at" in error.value.message_dict
