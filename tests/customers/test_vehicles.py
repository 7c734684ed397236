"""Vehicles: registration by VIN, plate normalisation, ownership history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.core.events import timeline
from posventa.core.models import Event, Organisation
from posventa.customers import actions
from posventa.customers.models import Vehicle, VehicleOwnership
from posventa.customers.validation import normalise_plate
from tests.customers.test_vin_validation import NORTH_AMERICAN, with_check_digit

EUROPEAN_VIN = "WVWZZZ1KZ8W123456"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("1234 BCD", "1234BCD"),
        ("1234-bcd", "1234BCD"),
        ("M-1234-AB", "M1234AB"),
        ("abc 123", "ABC123"),
        (" ABC123 ", "ABC123"),
        ("", ""),
    ],
)
def test_plates_match_without_case_spaces_or_dashes(typed: str, key: str) -> None:
    assert normalise_plate(typed) == key


def test_register_vehicle_keeps_the_plate_as_typed_and_its_matching_key(
    group: Organisation,
) -> None:
    vehicle = actions.register_vehicle(
        group,
        vin=EUROPEAN_VIN.lower(),
        plate="1234-bcd",
        make="Seat",
        model="León",
        first_registration=dt.date(2021, 3, 1),
    )
    assert (vehicle.vin, vehicle.plate, vehicle.plate_normalised) == (
        EUROPEAN_VIN,
        "1234-bcd",
        "1234BCD",
    )
    assert vehicle.vin_check == "n/a"
    assert [event.verb for event in timeline(vehicle)] == ["vehicle.registered"]


def test_a_bad_vin_is_refused_naming_the_field_and_nothing_is_written(
    group: Organisation,
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.register_vehicle(group, vin="WVWZZZ1KZ8W12345O", plate="1234 BCD")
    assert "vin" in error.value.message_dict
    assert not Vehicle.objects.exists()
    assert not Event.objects.filter(verb__startswith="vehicle.").exists()


def test_the_same_vin_cannot_be_registered_twice_in_a_group(group: Organisation) -> None:
    vin = with_check_digit(NORTH_AMERICAN)
    actions.register_vehicle(group, vin=vin)
    with pytest.raises(ValidationError) as error:
        actions.register_vehicle(group, vin=vin.lower())
    assert "vin" in error.value.message_dict


def test_another_group_may_register_the_same_vin(
    group: Organisation, other_group: Organisation
) -> None:
    actions.register_vehicle(group, vin=EUROPEAN_VIN)
    actions.register_vehicle(other_group, vin=EUROPEAN_VIN)
    assert Vehicle.objects.filter(vin=EUROPEAN_VIN).count() == 2


def test_an_owner_from_another_group_is_refused(
    group: Organisation, other_group: Organisation
) -> None:
    stranger = actions.create_customer(other_group, display_name="Persona Inventada")
    with pytest.raises(ValidationError) as error:
        actions.register_vehicle(group, vin=EUROPEAN_VIN, owner=stranger)
    assert "owner" in error.value.message_dict


def test_a_future_first_registration_is_refused(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        actions.register_vehicle(
            group, vin=EUROPEAN_VIN, first_registration=timezone.localdate() + dt.timedelta(days=40)
        )
    assert "first_registration" in error.value.message_dict


def test_ownership_history_is_kept_when_the_vehicle_changes_hands(group: Organisation) -> None:
    first = actions.create_customer(group, display_name="Primera Dueña")
    second = actions.create_customer(group, display_name="Segundo Dueño")
    vehicle = actions.register_vehicle(group, vin=EUROPEAN_VIN, owner=first)
    actions.transfer_vehicle(vehicle, second)

    vehicle.refresh_from_db()
    assert vehicle.owner == second
    history = list(VehicleOwnership.objects.filter(vehicle=vehicle).order_by("since", "pk"))
    assert [row.customer for row in history] == [first, second]
    assert history[0].until is not None and history[1].until is None
    assert "customer.vehicle_released" in [e.verb for e in actions.customer_timeline(first)]
    assert "customer.vehicle_owned" in [e.verb for e in actions.customer_timeline(second)]


def test_too_long_texts_are_refused_rather_than_cut(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        actions.register_vehicle(group, vin=EUROPEAN_VIN, plate="X" * 21, make="M" * 61)
    assert set(error.value.message_dict) == {"plate", "make"}
    assert not Vehicle.objects.exists()
