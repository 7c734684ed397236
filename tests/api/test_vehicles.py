"""Vehicles: register by VIN, read, list by owner, record odometer readings."""

from __future__ import annotations

from posventa.core.models import User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, OdometerReading, Vehicle
from tests.api.conftest import TokenFactory

# A real-format European VIN (no mandated check digit) and a North-American one whose
# check digit (9th character) is right.
EU_VIN = "WVWZZZ1KZAW000001"
US_VIN = "1M8GDM9AXKP042788"


def test_it_registers_a_vehicle_for_a_customer(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    response = api_as(agent).post(
        "/api/vehicles",
        {"vin": "wvwzzz1kz aw000001", "plate": "1234 BCD", "make": "VW", "owner": customer.pk},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["vin"] == EU_VIN
    assert body["owner"] == customer.pk
    assert body["latest_odometer"] is None
    assert Vehicle.objects.get(pk=body["id"]).owner_id == customer.pk


def test_it_names_a_bad_vin(api_as: TokenFactory, agent: User, customer: Customer) -> None:
    response = api_as(agent).post("/api/vehicles", {"vin": "1M8GDM9A0KP042788"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "vin"
    assert "check digit" in error["message"]
    assert not Vehicle.objects.exists()


def test_it_lists_a_customers_vehicles_and_shows_one(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    vehicle = customer_actions.register_vehicle(
        customer.organisation, vin=US_VIN, plate="5678 CDF", owner=customer
    )
    client = api_as(agent)
    listed = client.get(f"/api/customers/{customer.pk}/vehicles").json()
    assert [row["id"] for row in listed] == [vehicle.pk]
    detail = client.get(f"/api/vehicles/{vehicle.pk}").json()
    assert detail["vin_check"] == "verified"


def test_it_records_odometer_readings_that_only_go_up(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    vehicle = customer_actions.register_vehicle(customer.organisation, vin=EU_VIN, owner=customer)
    client = api_as(agent)
    first = client.post(f"/api/vehicles/{vehicle.pk}/odometer", {"km": 30100})
    assert first.status_code == 201
    assert first.json()["km"] == 30100
    lower = client.post(f"/api/vehicles/{vehicle.pk}/odometer", {"km": 29000})
    assert lower.status_code == 422
    assert lower.json()["errors"][0]["field"] == "km"
    corrected = client.post(
        f"/api/vehicles/{vehicle.pk}/odometer", {"km": 29000, "correction": True}
    )
    assert corrected.status_code == 201
    assert client.get(f"/api/vehicles/{vehicle.pk}").json()["latest_odometer"]["km"] == 29000
    assert OdometerReading.objects.filter(vehicle=vehicle).count() == 2


def test_a_reading_without_a_timezone_names_read_at(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    vehicle = customer_actions.register_vehicle(customer.organisation, vin=EU_VIN, owner=customer)
    response = api_as(agent).post(
        f"/api/vehicles/{vehicle.pk}/odometer", {"km": 100, "read_at": "2025-01-02T10:00:00"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "read_at"
