"""Vehicles and their odometer readings."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from posventa.api import lookups
from posventa.api.auth import scope
from posventa.api.routers.common import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    CustomerId,
    OdometerIn,
    OdometerOut,
    VehicleId,
    VehicleIn,
    VehicleOut,
)
from posventa.customers import actions
from posventa.customers.models import OdometerReading, Vehicle

router = Router(tags=["vehicles"])


@router.get("/customers/{customer_id}/vehicles", response={200: list[VehicleOut], **READ_ERRORS})
def list_customer_vehicles(request: HttpRequest, customer_id: CustomerId) -> QuerySet[Vehicle]:
    """The vehicles a customer owns now."""
    reach = scope(request)
    customer = get_object_or_404(reach.customers(), pk=customer_id)
    return reach.vehicles().filter(owner=customer).order_by("plate_normalised", "vin")


@router.get("/vehicles/{vehicle_id}", response={200: VehicleOut, **READ_ERRORS})
def get_vehicle(request: HttpRequest, vehicle_id: VehicleId) -> Vehicle:
    """One vehicle, with its VIN check result and latest odometer reading."""
    return get_object_or_404(scope(request).vehicles(), pk=vehicle_id)


@router.post("/vehicles", response={201: VehicleOut, **CREATE_ERRORS})
def register_vehicle(request: HttpRequest, payload: VehicleIn) -> Status[Vehicle]:
    """Register a vehicle by VIN (17 characters, no I/O/Q; the check digit is verified where
    the maker's region requires it)."""
    reach = scope(request)
    owner = lookups.customer(reach, payload.owner, field="owner") if payload.owner else None
    if owner is not None and not payload.site:
        group = owner.organisation
    else:
        group, _site = lookups.organisation(reach, payload.site)
    vehicle = actions.register_vehicle(
        group,
        vin=payload.vin,
        plate=payload.plate,
        make=payload.make,
        model=payload.model,
        first_registration=payload.first_registration,
        owner=owner,
        actor=reach.user,
    )
    return Status(201, vehicle)


@router.post("/vehicles/{vehicle_id}/odometer", response={201: OdometerOut, **WRITE_ERRORS})
def add_odometer_reading(
    request: HttpRequest, vehicle_id: VehicleId, payload: OdometerIn
) -> Status[OdometerReading]:
    """Record a mileage reading. A reading below an earlier one is refused (field `km`)
    unless it is marked as a correction."""
    reach = scope(request)
    vehicle = get_object_or_404(reach.vehicles(), pk=vehicle_id)
    reading = actions.record_odometer(
        vehicle,
        payload.km,
        read_at=payload.read_at,
        source=payload.source,
        correction=payload.correction,
        actor=reach.user,
    )
    return Status(201, reading)
