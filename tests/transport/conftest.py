"""Transport at the Madrid site, set up through the actions: two loaner cars behind a
loaner option of 3 a day (1 held for online booking), a shuttle with two runs, and a taxi.
Names, plates and numbers are invented."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from posventa.core.models import Site, User
from posventa.core.site_page import local_today
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.transport import actions
from posventa.transport.models import LoanerCar, ShuttleRun, TransportOption
from tests.api.conftest import api_as  # noqa: F401  (the API tests' token fixture)


@dataclass
class Desk:
    site: Site
    loaner: TransportOption
    shuttle: TransportOption
    taxi: TransportOption
    cars: list[LoanerCar]
    runs: list[ShuttleRun]

    @property
    def tomorrow(self) -> dt.date:
        return local_today(self.site) + dt.timedelta(days=1)


@pytest.fixture
def desk(madrid: Site, manager: User) -> Desk:
    loaner = actions.create_option(
        madrid, kind="loaner", name="Coche de cortesía", daily_total=3, online_share=1,
        actor=manager,
    )  # fmt: skip
    shuttle = actions.create_option(
        madrid, kind="shuttle", name="Lanzadera", daily_total=10, online_share=4, actor=manager
    )
    taxi = actions.create_option(
        madrid, kind="taxi", name="Taxi", daily_total=2, online_share=0, actor=manager
    )
    cars = [
        actions.add_loaner(madrid, plate="0001ZZZ", model="Compacto eléctrico", odometer_km=12_000),
        actions.add_loaner(madrid, plate="0002ZZZ", model="Berlina diésel", odometer_km=40_500),
    ]
    runs = [
        actions.add_shuttle_run(shuttle, departs_at=dt.time(8, 30), seats=2, destination="Metro"),
        actions.add_shuttle_run(shuttle, departs_at=dt.time(17, 0), seats=3, destination="Centro"),
    ]
    return Desk(madrid, loaner, shuttle, taxi, cars, runs)


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Rocío Ejemplo",
        contact_points=[("email", "rocio.ejemplo@example.org")],
        site=madrid,
    )
