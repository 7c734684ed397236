"""The advisor's cast: a two-year-old car of Madrid's customer with a realistic history,
made through the real actions (registration, odometer, service records)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.advisor import actions
from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, Vehicle
from posventa.inbox.actions import ingest
from tests.inbox.factories import case_of, email_bytes

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def media_root(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def owner(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Inés Prueba Ficticia",
        language="es",
        contact_points=[("email", "ines.ficticia@example.org")],
        site=madrid,
    )


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


@pytest.fixture
def car(owner: Customer, agent: User) -> Vehicle:
    """First registered two years ago; 15,000 km at its first-year oil service; about
    30,000 km now."""
    registered = timezone.localdate() - dt.timedelta(days=2 * 365 + 10)
    vehicle = customer_actions.register_vehicle(
        owner.organisation,
        vin="YV1XZ7AAAN1000001",
        plate="9999ZZZ",
        make="Volvo",
        model="XC40",
        first_registration=registered,
        owner=owner,
    )
    actions.describe_vehicle(vehicle, fuel="petrol", model_year=registered.year, actor=agent)
    actions.record_service(
        vehicle,
        done_on=registered + dt.timedelta(days=365),
        km=15_100,
        items=["oil-service", "cabin-filter"],
        actor=agent,
    )
    customer_actions.record_odometer(
        vehicle, 30_050, read_at=timezone.now() - dt.timedelta(days=2), source="customer"
    )
    return Vehicle.objects.get(pk=vehicle.pk)


@pytest.fixture
def question(madrid: Site, owner: Customer) -> Case:
    raw = ingest(
        "email",
        email_bytes(
            from_=f"{owner.display_name} <ines.ficticia@example.org>",
            subject="¿Solo líquido de frenos o la revisión?",
            body="Mi app dice que toca el líquido de frenos. ¿Reservo solo eso o la revisión?",
        ),
        source="imap",
        site=madrid,
    )
    return case_of(raw)


@pytest.fixture
def car_question(question: Case, car: Vehicle, agent: User) -> Case:
    """Her question, on the case about her car."""
    return case_actions.link_vehicle(question, car, actor=agent)
