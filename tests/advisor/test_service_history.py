"""Service history through the actions: what was done when, the odometer reading it
carries (never lower than the last one unless a correction), replayed imports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.advisor import actions
from posventa.advisor.advice import Status, advise
from posventa.advisor.models import ServiceRecord, ServiceSource
from posventa.core.events import timeline
from posventa.core.models import User
from posventa.customers.models import OdometerReading, Vehicle


def test_a_service_is_recorded_with_its_reading_and_event(car: Vehicle, agent: User) -> None:
    today = timezone.localdate()
    record = actions.record_service(
        car, done_on=today, km=30_100, items=["brake-fluid"], actor=agent
    )
    assert record.items == ["brake-fluid"] and record.source == ServiceSource.STAFF
    assert OdometerReading.objects.filter(vehicle=car, km=30_100, source="maintenance").exists()
    verbs = [event.verb for event in timeline(car)]
    assert verbs[-2:] == ["vehicle.odometer_read", "vehicle.serviced"]
    brake = next(item for item in advise(car, today=today).items if item.code == "brake-fluid")
    assert brake.status == Status.LATER and brake.last_done_on == today


def test_a_distance_lower_than_the_last_reading_is_refused_naming_the_field(
    car: Vehicle, agent: User
) -> None:
    before = ServiceRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.record_service(
            car, done_on=timezone.localdate(), km=3_005, items=["brake-fluid"], actor=agent
        )
    assert "km" in refused.value.message_dict
    assert "30050" in refused.value.message_dict["km"][0]
    assert ServiceRecord.objects.count() == before


def test_a_correction_may_be_lower(car: Vehicle, agent: User) -> None:
    record = actions.record_service(
        car,
        done_on=timezone.localdate(),
        km=29_000,
        items=["brake-fluid"],
        correction=True,
        actor=agent,
    )
    assert OdometerReading.objects.get(vehicle=car, km=29_000).correction
    assert record.km == 29_000


def test_unknown_items_future_dates_and_empty_visits_are_refused(car: Vehicle) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.record_service(
            car, done_on=timezone.localdate() + dt.timedelta(days=2), items=["flux-capacitor"]
        )
    assert set(refused.value.message_dict) == {"done_on", "items"}
    assert "flux-capacitor" in refused.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as empty:
        actions.record_service(car, done_on=timezone.localdate(), items=[" "])
    assert "items" in empty.value.message_dict


def test_an_imported_record_replayed_is_recorded_once(car: Vehicle) -> None:
    day = timezone.localdate() - dt.timedelta(days=100)
    first = actions.record_service(
        car, done_on=day, items=["coolant"], source=ServiceSource.IMPORTED, reference="DMS-7781"
    )
    again = actions.record_service(
        car, done_on=day, items=["coolant"], source=ServiceSource.IMPORTED, reference="DMS-7781"
    )
    assert first.pk == again.pk
    assert ServiceRecord.objects.filter(vehicle=car, reference="DMS-7781").count() == 1


def test_a_service_without_distance_reads_it_off_the_odometer_history(car: Vehicle) -> None:
    """An imported visit with only a date: the distance then is interpolated, so the next
    one by distance is counted from there."""
    day = timezone.localdate() - dt.timedelta(days=30)
    actions.record_service(
        car, done_on=day, items=["inspection-30k"], source=ServiceSource.IMPORTED
    )
    inspection = next(
        item
        for item in advise(car, today=timezone.localdate()).items
        if item.code == "inspection-30k"
    )
    assert inspection.last_done_km is None
    assert inspection.due_km is not None and 55_000 < inspection.due_km < 60_050


def test_the_fuel_and_model_year_are_recorded_and_checked(car: Vehicle, agent: User) -> None:
    actions.describe_vehicle(car, fuel="diesel", model_year=2024, actor=agent)
    car.refresh_from_db()
    assert (car.fuel, car.model_year) == ("diesel", 2024)
    assert timeline(car).filter(verb="vehicle.described").exists()
    with pytest.raises(ValidationError) as refused:
        actions.describe_vehicle(car, fuel="steam", model_year=1492)
    assert set(refused.value.message_dict) == {"fuel", "model_year"}
