"""The demo dealership: an invented dealer group with two sites in two countries.

`load_demo()` builds it once (it does nothing if the demo organisation exists): sites with
their hours and holidays, staff in every role, teams, technicians' certifications, and
obligations in every state, backdated so the waiting list and the compliance page look
alive on first start. Everything goes through the actions layers, so the timelines and
the audit log are the same as real use would leave.

Each app's demo data is a module of this package (`cases.py`: customers, vehicles and
cases), called in `APP_STEPS` order after the core steps. A new app adds its module here
and its step to the list: the demo sits above every app, so it imports them, never the
other way round. All names are invented.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from posventa.core.models import Organisation
from posventa.demo import cases, promises, telephony, transport, workshop
from posventa.demo.clocks import add_demo_clocks
from posventa.demo.staff import (
    DEMO_LOGINS,
    DEMO_ORGANISATION_SLUG,
    DEMO_PASSWORD,
    DemoWorld,
    create_organisation_and_sites,
    create_staff,
    create_teams,
)

__all__ = [
    "DEMO_LOGINS",
    "DEMO_ORGANISATION_SLUG",
    "DEMO_PASSWORD",
    "DemoWorld",
    "demo_exists",
    "load_demo",
]

logger = logging.getLogger("posventa.demo")

# Fixed so that every machine gets the same demo (and tests can count on it).
DEMO_SEED = 4242

# The apps' demo data, in order: each step may use what the earlier ones made.
APP_STEPS: list[Callable[[DemoWorld], None]] = [
    cases.contribute,
    telephony.contribute,
    promises.contribute,
    transport.contribute,
    workshop.contribute,
]


def demo_exists() -> bool:
    return Organisation.objects.filter(slug=DEMO_ORGANISATION_SLUG).exists()


def load_demo(*, now: dt.datetime | None = None) -> DemoWorld | None:
    """Build the demo group, or return None if it is already there."""
    with transaction.atomic():
        if demo_exists():
            return None
        world = DemoWorld(now=now or timezone.now(), rng=random.Random(DEMO_SEED))
        create_organisation_and_sites(world)
        create_staff(world)
        create_teams(world)
        add_demo_clocks(world)
        for step in APP_STEPS:
            step(world)
    return world
