"""A Madrid workshop: two bays, three technicians (one certified for brakes), the usual
appointment types, and helpers that book through the real actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import translation

from posventa.clocks.models import Clock
from posventa.core import actions as core_actions
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Role, Site, User
from posventa.workshop.actions import appointments
from posventa.workshop.actions._common import Contact
from posventa.workshop.models import (
    Appointment,
    AppointmentType,
    BookedVia,
    BookingPolicy,
    ServiceBay,
)
from tests.conftest import make_user

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Refusals are read in English here, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def bays(madrid: Site) -> list[ServiceBay]:
    return [ServiceBay.objects.create(site=madrid, name=f"Bay {n}") for n in (1, 2)]


@pytest.fixture
def technicians(madrid: Site) -> list[User]:
    people = []
    for name in ("tomas", "ines", "bruno"):
        user = make_user(name)
        core_actions.grant_role(user, madrid.organisation, Role.TECHNICIAN, madrid)
        people.append(user)
    core_actions.certify(people[1], "brakes", "Brake systems")
    return people


@pytest.fixture
def types(madrid: Site) -> dict[str, AppointmentType]:
    specs = [
        ("oil-service", "Oil service", {"es": "Cambio de aceite", "sv": "Oljebyte"}, 60, "", True),
        (
            "brake-fluid",
            "Brake fluid",
            {"es": "Líquido de frenos", "sv": "Bromsvätska"},
            45,
            "brakes",
            True,
        ),
        ("diagnosis", "Diagnosis", {"es": "Diagnóstico", "sv": "Felsökning"}, 60, "", True),
        (
            "tyre-change",
            "Tyre change",
            {"es": "Cambio de neumáticos", "sv": "Däckbyte"},
            30,
            "",
            False,
        ),
    ]
    made = {}
    for code, name, names, minutes, skill, bay in specs:
        made[code] = AppointmentType.objects.create(
            organisation=madrid.organisation,
            code=code,
            name=name,
            names=names,
            duration_minutes=minutes,
            skill=skill,
            needs_bay=bay,
            for_unsure=code == "diagnosis",
        )
    return made


@pytest.fixture
def workshop(
    madrid: Site, bays: list[ServiceBay], technicians: list[User], types: dict[str, AppointmentType]
) -> Site:
    BookingPolicy.objects.create(site=madrid, min_notice_minutes=0)
    return madrid


def next_weekday(weekday: int, hour: int, minute: int = 0, *, weeks: int = 1) -> dt.datetime:
    """A local Madrid time on a coming weekday (Monday 0), at least `weeks` weeks ahead
    (so never today), avoiding public holidays by the caller's choice of week."""
    today = dt.datetime.now(MADRID).date()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MADRID)


def open_weekday(site: Site, hour: int = 9, minute: int = 0) -> dt.datetime:
    """The next ordinary working day (not a holiday) a week or more ahead, at hour:minute."""
    calendar = calendar_for_site(site)
    moment = next_weekday(1, hour, minute)
    while not calendar.intervals_on(moment.date()) or moment.weekday() > 4:
        moment += dt.timedelta(days=1)
    return moment


def clock_of(subject: Model, code: str) -> Clock:
    """The newest clock of a standard on any subject."""
    return Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        standard_id=code,
    ).latest("id")


CARMEN = Contact(
    name="Carmen Ejemplo",
    email="carmen.ejemplo@example.net",
    phone="+34600111222",
    preferred_method="email",
    language="es",
)


def book(
    site: Site,
    types: list[AppointmentType],
    starts_at: dt.datetime,
    *,
    contact: Contact = CARMEN,
    via: str = BookedVia.ONLINE,
    **kwargs: object,
) -> Appointment:
    return appointments.book_appointment(
        site,
        wish=appointments.Wish(types=types, starts_at=starts_at, **kwargs),  # type: ignore[arg-type]
        contact=contact,
        via=via,
    )
