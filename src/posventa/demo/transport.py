"""The demo group's alternative transport (INFO-TRANSPORT) and local competitors
(INFO-HOURS), made through the transport and core actions.

Per site: loaner cars behind a loaner option (one held for online booking), a shuttle with
a morning and an evening run, and a taxi or rental voucher; today's desk has a loaner that
went out this morning and one that came back, shuttle passengers, and a taxi request that
could not be met, with its alternative offered and its INFO-TRANSPORT clock running. Two
invented competitors per site open later in the evening or on Saturday. Every name and
plate is made up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from posventa.core import actions as core
from posventa.core.models import Role, Site, User
from posventa.customers.models import Customer
from posventa.demo.staff import DemoWorld
from posventa.transport import actions
from posventa.transport.models import LoanerCar, TransportOption

T = dt.time
Week = Sequence[tuple[int, dt.time, dt.time | None]]


@dataclass(frozen=True)
class SiteSetup:
    loaner: str
    shuttle: str
    other: tuple[str, str]  # kind, name
    cars: list[tuple[str, str, int]]  # plate, model, odometer
    stops: tuple[str, str]  # the morning and the evening run's destinations
    competitors: list[tuple[str, Week]]


SETUP = {
    "madrid": SiteSetup(
        loaner="Coche de cortesía",
        shuttle="Lanzadera al metro",
        other=("taxi", "Taxi concertado"),
        cars=[("9001XYZ", "Utilitario eléctrico", 18_400), ("9002XYZ", "Berlina híbrida", 51_200)],
        stops=("Metro Begoña", "Plaza de Castilla"),
        competitors=[
            ("Taller Noctámbulo", [(d, T(8), T(21)) for d in range(5)] + [(5, T(9), T(14))]),
            ("Neumáticos del Norte", [(d, T(9), T(18)) for d in range(6)]),
        ],
    ),
    "goteborg": SiteSetup(
        loaner="Lånebil",
        shuttle="Pendelbuss till centrum",
        other=("rental_voucher", "Hyrbilskupong"),
        cars=[("DMO 101", "Liten elbil", 9_800), ("DMO 102", "Kombi diesel", 63_000)],
        stops=("Brunnsparken", "Centralstationen"),
        competitors=[
            ("Kvällsverkstaden", [(d, T(7), T(20)) for d in range(5)]),
            ("Lördagsservice", [(d, T(8), T(17)) for d in range(5)] + [(5, T(10), T(15))]),
        ],
    ),
}


@dataclass(frozen=True)
class Desk:
    site: Site
    loaner: TransportOption
    shuttle: TransportOption
    other: TransportOption
    cars: list[LoanerCar]
    advisor: User


def contribute(world: DemoWorld) -> None:
    for site_key, site in world.sites.items():
        setup = SETUP[site_key]
        advisor = world.person(site_key, Role.SERVICE_ADVISOR)
        loaner = actions.create_option(
            site, kind="loaner", name=setup.loaner, daily_total=2, online_share=1,
            actor=advisor,
        )  # fmt: skip
        shuttle = actions.create_option(
            site, kind="shuttle", name=setup.shuttle, daily_total=8, online_share=3,
            actor=advisor,
        )  # fmt: skip
        kind, name = setup.other
        other = actions.create_option(site, kind=kind, name=name, daily_total=1, actor=advisor)
        cars = [
            actions.add_loaner(site, plate=plate, model=model, odometer_km=km, actor=advisor)
            for plate, model, km in setup.cars
        ]
        morning, evening = setup.stops
        actions.add_shuttle_run(shuttle, departs_at=T(8, 15), seats=4, destination=morning)
        actions.add_shuttle_run(shuttle, departs_at=T(18, 0), seats=4, destination=evening)
        _today_at_the_desk(world, Desk(site, loaner, shuttle, other, cars, advisor))
        for competitor, hours in setup.competitors:
            core.add_competitor(site, name=competitor, intervals=hours, actor=world.manager)


def _today_at_the_desk(world: DemoWorld, desk: Desk) -> None:
    """Today's (site-local) reservations: a loaner out since the morning, one that went
    and came back, shuttle passengers, and one request nobody could meet."""
    site, loaner, shuttle, other = desk.site, desk.loaner, desk.shuttle, desk.other
    cars, advisor = desk.cars, desk.advisor
    zone = ZoneInfo(site.timezone)
    today = world.now.astimezone(zone).date()
    customers = list(Customer.objects.filter(organisation=site.organisation).order_by("pk")[:6])
    if len(customers) < 4:
        return
    early = world.now - dt.timedelta(hours=3)
    out = actions.reserve(site, loaner, today, online=False, customer=customers[0], actor=advisor)
    if out.reservation is not None:
        actions.hand_over_loaner(
            out.reservation, cars[0], odometer_km=cars[0].odometer_km, fuel_eighths=8,
            actor=advisor, at=early,
        )  # fmt: skip
    back = actions.reserve(site, loaner, today, online=True, customer=customers[1])
    if back.reservation is not None:
        trip = actions.hand_over_loaner(
            back.reservation, cars[1], odometer_km=cars[1].odometer_km, fuel_eighths=7,
            actor=advisor, at=early - dt.timedelta(hours=2),
        )  # fmt: skip
        actions.return_loaner(
            trip, odometer_km=cars[1].odometer_km + 64, fuel_eighths=5, actor=advisor,
            at=early + dt.timedelta(hours=1),
        )  # fmt: skip
    for customer in customers[2:4]:
        actions.reserve(site, shuttle, today, online=True, customer=customer)
    actions.reserve(site, other, today, online=False, customer=customers[4 % len(customers)])
    # The single taxi (or voucher) is gone: the next request is kept, with an alternative.
    actions.reserve(site, other, today, online=False, customer=customers[5 % len(customers)])
