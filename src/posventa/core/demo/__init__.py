"""The demo dealership: an invented dealer group with two sites in two countries.

`load_demo()` builds it once (it does nothing if the demo organisation exists): sites with
their hours and holidays, staff in every role, teams, technicians' certifications, and
obligations in every state, backdated so the waiting list and the compliance page look
alive on first start. Everything goes through the actions layers, so the timelines and
the audit log are the same as real use would leave.

Other apps add their own demo data without touching this package: an installed app with a
`demo` module exposing `contribute(world: DemoWorld) -> None` is called after the core
steps, in INSTALLED_APPS order (customers and vehicles, cases...). All names are invented.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import random

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from posventa.core.demo.clocks import add_demo_clocks
from posventa.core.demo.staff import (
    DEMO_LOGINS,
    DEMO_ORGANISATION_SLUG,
    DEMO_PASSWORD,
    DemoWorld,
    create_organisation_and_sites,
    create_staff,
    create_teams,
)
from posventa.core.models import Organisation

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
        for contribute in app_contributions():
            contribute(world)
    return world


def app_contributions() -> list:  # type: ignore[type-arg]
    """`contribute` functions of installed apps' `demo` modules (see the module docstring)."""
    found = []
    for config in apps.get_app_configs():
        if config.name == "posventa.core":
            continue
        module_name = f"{config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise  # the demo module exists but one of its imports is broken
            continue
        contribute = getattr(module, "contribute", None)
        if callable(contribute):
            found.append(contribute)
    return found
