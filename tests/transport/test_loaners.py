"""A loaner goes out and comes back with odometer and fuel recorded; a return with a lower
odometer than it left with is refused on `odometer_km`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.core.models import Event, User
from posventa.customers.models import Customer
from posventa.transport import actions
from posventa.transport.models import LoanerStatus, Reservation
from tests.transport.conftest import Desk


@pytest.fixture
def reservation(desk: Desk, customer: Customer) -> Reservation:
    outcome = actions.reserve(
        desk.site, desk.loaner, desk.tomorrow, online=False, customer=customer
    )
    assert outcome.reservation is not None
    return outcome.reservation


def test_a_loaner_goes_out_and_comes_back_with_its_readings(
    desk: Desk, reservation: Reservation, agent: User
) -> None:
    car = desk.cars[0]
    trip = actions.hand_over_loaner(
        reservation, car, odometer_km=12_010, fuel_eighths=8, actor=agent
    )
    car.refresh_from_db()
    assert car.status == LoanerStatus.OUT and trip.is_out
    back = actions.return_loaner(trip, odometer_km=12_145, fuel_eighths=5, actor=agent)
    car.refresh_from_db()
    assert (car.status, car.odometer_km, car.fuel_eighths) == (LoanerStatus.AVAILABLE, 12_145, 5)
    assert back.distance_km == 135
    returned = Event.objects.get(verb="transport.loaner_in")
    assert returned.data["distance_km"] == 135 and returned.actor == agent


def test_a_return_with_a_lower_odometer_is_refused_naming_the_field(
    desk: Desk, reservation: Reservation
) -> None:
    trip = actions.hand_over_loaner(reservation, desk.cars[0], odometer_km=12_010, fuel_eighths=8)
    with pytest.raises(ValidationError) as raised:
        actions.return_loaner(trip, odometer_km=11_990, fuel_eighths=6)
    assert "odometer_km" in raised.value.message_dict
    assert "12010" in raised.value.message_dict["odometer_km"][0]
    trip.refresh_from_db()
    assert trip.is_out  # nothing was recorded


def test_a_hand_over_below_the_cars_last_reading_is_refused(
    desk: Desk, reservation: Reservation
) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.hand_over_loaner(reservation, desk.cars[1], odometer_km=40_000, fuel_eighths=8)
    assert "odometer_km" in raised.value.message_dict


@pytest.mark.parametrize("fuel", [-1, 9])
def test_fuel_outside_the_gauge_is_refused(desk: Desk, reservation: Reservation, fuel: int) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.hand_over_loaner(reservation, desk.cars[0], odometer_km=12_000, fuel_eighths=fuel)
    assert "fuel_eighths" in raised.value.message_dict


def test_a_car_already_out_cannot_be_handed_over_again(
    desk: Desk, reservation: Reservation, customer: Customer
) -> None:
    actions.hand_over_loaner(reservation, desk.cars[0], odometer_km=12_000, fuel_eighths=8)
    other = actions.reserve(desk.site, desk.loaner, desk.tomorrow, online=False, customer=customer)
    assert other.reservation is not None
    with pytest.raises(ValidationError) as raised:
        actions.hand_over_loaner(
            other.reservation, desk.cars[0], odometer_km=12_000, fuel_eighths=8
        )
    assert "car" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        actions.release(reservation)
    assert "reservation" in raised.value.message_dict
