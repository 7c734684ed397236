"""The demo's workshop: bays, appointment types in three languages, each site's booking
policy, a few appointments booked through the real actions (online, by staff, from a
case), and a customer who found no time and waits for a call back (FOLLOWUP-REBOOK).
Every name, address and number is invented."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from posventa.cases.models import Case
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Role, Site
from posventa.demo.staff import DemoWorld
from posventa.workshop import capacity
from posventa.workshop.actions import appointments, requests
from posventa.workshop.actions._common import Contact
from posventa.workshop.models import (
    AppointmentType,
    BookedVia,
    BookingPolicy,
    RequestSource,
    ServiceBay,
)

# code, English name, {language: name}, minutes, certification, needs a bay, for "unsure"
TYPES = [
    (
        "oil-service",
        "Oil and filter service",
        {"es": "Cambio de aceite y filtro", "sv": "Olje- och filterbyte"},
        60,
        "",
        True,
        False,
    ),
    (
        "brake-fluid",
        "Brake fluid change",
        {"es": "Cambio de líquido de frenos", "sv": "Byte av bromsvätska"},
        45,
        "",
        True,
        False,
    ),
    (
        "inspection-30000",
        "30,000 km service",
        {"es": "Revisión de 30.000 km", "sv": "Service 3 000 mil"},
        150,
        "",
        True,
        False,
    ),
    (
        "diagnosis",
        "Diagnosis",
        {"es": "Diagnóstico", "sv": "Felsökning"},
        60,
        "diagnostics-2",
        True,
        True,
    ),
    (
        "tyre-change",
        "Tyre change",
        {"es": "Cambio de neumáticos", "sv": "Däckbyte"},
        30,
        "",
        False,
        False,
    ),
    (
        "hv-check",
        "Hybrid and EV battery check",
        {
            "es": "Revisión de batería híbrida o eléctrica",
            "sv": "Kontroll av hybrid- och elbilsbatteri",
        },
        90,
        "high-voltage",
        True,
        False,
    ),
]
BAYS = {"madrid": ["Elevador 1", "Elevador 2", "Elevador 3"], "goteborg": ["Lyft A", "Lyft B"]}
CUSTOMERS = {
    "madrid": [
        Contact(
            name="Rosalía Quintanar",
            email="rosalia.quintanar@example.net",
            phone="+34600555101",
            preferred_method="email",
            language="es",
        ),
        Contact(
            name="Baltasar Meléndez", phone="+34600555102", preferred_method="sms", language="es"
        ),
    ],
    "goteborg": [
        Contact(
            name="Hedvig Sandström",
            email="hedvig.sandstrom@example.se",
            phone="+46700555201",
            preferred_method="email",
            language="sv",
        ),
        Contact(name="Valter Ekholm", phone="+46700555202", preferred_method="sms", language="sv"),
    ],
}
WAITING = {
    "madrid": Contact(
        name="Eulalia Carvajal", phone="+34600555103", preferred_method="phone", language="es"
    ),
    "goteborg": Contact(
        name="Sixten Wallgren",
        email="sixten.wallgren@example.se",
        preferred_method="email",
        language="sv",
    ),
}


def contribute(world: DemoWorld) -> None:
    organisation = world.organisation
    assert organisation is not None
    for code, name, names, minutes, skill, bay, unsure in TYPES:
        AppointmentType.objects.create(
            organisation=organisation, code=code, name=name, names=names,
            duration_minutes=minutes, skill=skill, needs_bay=bay, for_unsure=unsure,
        )  # fmt: skip
    for site_key, site in world.sites.items():
        ServiceBay.objects.bulk_create(ServiceBay(site=site, name=name) for name in BAYS[site_key])
        BookingPolicy.objects.create(site=site, online_share_percent=60, reminder_hours=24)
        _book_some(world, site_key, site)


def _book_some(world: DemoWorld, site_key: str, site: Site) -> None:
    """Two appointments on the next open days (one online, one by staff from a case) and
    one request waiting for a call back."""
    offered = {row.code: row for row in capacity.types_for(site)}
    staff = world.person(site_key, Role.AGENT)
    case = Case.objects.filter(site=site).order_by("opened_at", "pk").first()
    plans = [
        ([offered["oil-service"], offered["brake-fluid"]], BookedVia.ONLINE, None),
        ([offered["inspection-30000"]], BookedVia.STAFF, case),
    ]
    days = _open_days(site, world.now, count=len(plans))
    for (chosen, via, from_case), contact, day in zip(
        plans, CUSTOMERS[site_key], days, strict=False
    ):
        found = appointments.find_slots(
            site, chosen, online=False, first_day=day, days=1, limit=1, now=world.now
        )
        if not found:
            continue
        try:
            appointments.book_appointment(
                site,
                wish=appointments.Wish(types=chosen, starts_at=found[0].start),
                contact=contact,
                via=via,
                actor=staff if via == BookedVia.STAFF else None,
                customer=from_case.customer if from_case else None,
                case=from_case,
                now=world.now,
            )
        except ValidationError:
            continue  # a demo on an odd day (a holiday week) simply books fewer
    requests.keep_request(
        site,
        source=RequestSource.NO_SLOT,
        contact=WAITING[site_key],
        wish=offered["diagnosis"].display_name(WAITING[site_key].language),
        type_codes=["diagnosis"],
        now=world.now,
    )


def _open_days(site: Site, now: dt.datetime, *, count: int) -> list[dt.date]:
    calendar = calendar_for_site(site)
    day = now.astimezone(calendar.timezone).date() + dt.timedelta(days=1)
    days: list[dt.date] = []
    while len(days) < count and day < now.date() + dt.timedelta(days=60):
        if calendar.intervals_on(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days
