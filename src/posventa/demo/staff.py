"""The demo group's sites, people, roles, teams and certifications. All names are invented."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from posventa.core import actions
from posventa.core.events import record_event
from posventa.core.models import Organisation, Role, Site, Team, User

DEMO_ORGANISATION_SLUG = "demo-motorvia"
DEMO_PASSWORD = "posventa-demo"

T = dt.time
WEEKDAYS = range(5)
# Madrid works a split shift with a long lunch, and Saturday mornings.
MADRID_HOURS = [
    *[(day, T(8, 30), T(13, 30)) for day in WEEKDAYS],
    *[(day, T(15, 0), T(19, 0)) for day in WEEKDAYS],
    (5, T(9, 0), T(13, 0)),
]
GOTEBORG_HOURS = [(day, T(7, 0), T(18, 0)) for day in WEEKDAYS]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str


# Printed by `posventa run`. Every demo account uses DEMO_PASSWORD.
DEMO_LOGINS = (
    DemoLogin("demo-manager", "service manager for the whole group (English)"),
    DemoLogin("demo-admin", "group administrator, can open Admin (English)"),
    DemoLogin("demo-madrid", "agent at the Madrid site (Spanish)"),
    DemoLogin("demo-goteborg", "agent at the Gothenburg site (Swedish)"),
)

# (username, first name, last name, role) per site. The first agent of each site is the
# demo login for that site.
SITE_STAFF: dict[str, list[tuple[str, str, str, str]]] = {
    "madrid": [
        ("demo-madrid", "Lucía", "Ferrándiz", Role.AGENT),
        ("madrid-asesor", "Marcos", "Olabarri", Role.SERVICE_ADVISOR),
        ("madrid-tecnico", "Iván", "Pellicer", Role.TECHNICIAN),
        ("madrid-tecnica", "Aitana", "Berrocal", Role.TECHNICIAN),
        ("madrid-recambios", "Nerea", "Sanchís", Role.PARTS),
        ("madrid-jefa-equipo", "Rocío", "Valdeolmos", Role.TEAM_LEAD),
        ("madrid-jefe-taller", "Tomás", "Quirós", Role.SERVICE_MANAGER),
        ("madrid-gerente", "Almudena", "Arrizabalaga", Role.SITE_MANAGER),
    ],
    "goteborg": [
        ("demo-goteborg", "Maja", "Holmgren", Role.AGENT),
        ("goteborg-radgivare", "Viktor", "Sandahl", Role.SERVICE_ADVISOR),
        ("goteborg-tekniker", "Oskar", "Bergkvist", Role.TECHNICIAN),
        ("goteborg-teknikerska", "Ebba", "Lindfors", Role.TECHNICIAN),
        ("goteborg-delar", "Linnea", "Falk", Role.PARTS),
        ("goteborg-teamledare", "Elin", "Norrby", Role.TEAM_LEAD),
        ("goteborg-servicechef", "Henrik", "Åkesson", Role.SERVICE_MANAGER),
        ("goteborg-platschef", "Sofia", "Wennerström", Role.SITE_MANAGER),
    ],
}
SITE_LANGUAGE = {"madrid": "es", "goteborg": "sv"}

CERTIFICATIONS = [
    ("high-voltage", "High-voltage systems (EV and hybrid)"),
    ("diagnostics-2", "Diagnostics, level 2"),
    ("ac-refrigerant", "Air-conditioning refrigerant handling"),
]


@dataclass
class DemoWorld:
    """What the demo has built so far; passed to every step and to app contributions."""

    now: dt.datetime
    rng: random.Random
    organisation: Organisation | None = None
    sites: dict[str, Site] = field(default_factory=dict)
    # (site key, role) -> the people holding that role there, in SITE_STAFF order.
    staff: dict[tuple[str, str], list[User]] = field(default_factory=dict)
    admin: User | None = None
    manager: User | None = None
    teams: dict[tuple[str, str], Team] = field(default_factory=dict)

    def person(self, site_key: str, role: str, index: int = 0) -> User:
        return self.staff[(site_key, role)][index]

    def everyone_at(self, site_key: str) -> list[User]:
        return [user for (key, _), users in self.staff.items() if key == site_key for user in users]


def create_organisation_and_sites(world: DemoWorld) -> None:
    organisation = actions.create_organisation("Grupo Motorvía", DEMO_ORGANISATION_SLUG)
    world.organisation = organisation
    world.sites["madrid"] = actions.create_site(
        organisation,
        name="Motorvía Madrid Norte",
        slug="madrid-norte",
        timezone="Europe/Madrid",
        country="ES",
        subdivision="MD",
        intervals=MADRID_HOURS,
        email="taller.madrid@motorvia.invalid",
        phone="+34 910 000 000",
        address="Calle de la Inventiva 12, 28050 Madrid",
    )
    world.sites["goteborg"] = actions.create_site(
        organisation,
        name="Motorvía Göteborg Hisingen",
        slug="goteborg-hisingen",
        timezone="Europe/Stockholm",
        country="SE",
        intervals=GOTEBORG_HOURS,
        email="verkstad.goteborg@motorvia.invalid",
        phone="+46 31 000 00 00",
        address="Påhittade vägen 7, 417 00 Göteborg",
    )


@functools.cache
def demo_password_hash() -> str:
    # Hashing is deliberately slow; every demo account shares one password, so hash once.
    return make_password(DEMO_PASSWORD)


def _new_user(username: str, first: str, last: str, language: str, **flags: bool) -> User:
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@motorvia.invalid",
        language=language,
        **flags,
    )
    user.password = demo_password_hash()
    user.save()
    return user


def create_staff(world: DemoWorld) -> None:
    organisation = world.organisation
    assert organisation is not None
    for site_key, people in SITE_STAFF.items():
        site = world.sites[site_key]
        for username, first, last, role in people:
            user = _new_user(username, first, last, SITE_LANGUAGE[site_key])
            actions.grant_role(user, organisation, role, site)
            world.staff.setdefault((site_key, role), []).append(user)
            if role == Role.TECHNICIAN:
                for code, name in CERTIFICATIONS[: 2 + len(world.staff[(site_key, role)]) % 2]:
                    actions.certify(user, code, name, world.now.date() + dt.timedelta(days=540))
    world.admin = _new_user(
        "demo-admin", "Gabriela", "Montsalvat", "en", is_staff=True, is_superuser=True
    )
    actions.grant_role(world.admin, organisation, Role.ADMIN, None)
    world.manager = _new_user("demo-manager", "Adrián", "Lindqvist-Soler", "en")
    actions.grant_role(world.manager, organisation, Role.SERVICE_MANAGER, None)


TEAMS = [
    ("Service reception", "service", Role.TEAM_LEAD, (Role.AGENT, Role.SERVICE_ADVISOR)),
    ("Workshop", "service", Role.SERVICE_MANAGER, (Role.TECHNICIAN,)),
    ("Parts desk", "parts", Role.PARTS, (Role.PARTS,)),
]


def create_teams(world: DemoWorld) -> None:
    # core.actions has no team action yet; this mirrors what one would do (row + event).
    for site_key, site in world.sites.items():
        for name, department, lead_role, member_roles in TEAMS:
            with transaction.atomic():
                team = Team.objects.create(
                    site=site,
                    name=name,
                    department=department,
                    lead=world.person(site_key, lead_role),
                )
                members = [user for role in member_roles for user in world.staff[(site_key, role)]]
                if name == "Service reception" and world.manager is not None:
                    members.append(world.manager)  # the group's manager follows both receptions
                team.members.set(members)
                record_event("team.created", subject=team, site=site, summary=name)
            world.teams[(site_key, name)] = team
