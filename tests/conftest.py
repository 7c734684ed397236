"""Shared fixtures: a dealer group with two sites in two countries, and people in each.

In the style of healthchecks' BaseTestCase: an owner-like manager, a member agent, and an
outsider who works at the other site and must never see this one's data.
"""

from __future__ import annotations

import datetime as dt

import pytest

from posventa.core import actions as core_actions
from posventa.core.models import Organisation, Role, Site, User

T = dt.time
MADRID_HOURS = [
    *[(day, T(8), T(13)) for day in range(5)],
    *[(day, T(14), T(19)) for day in range(5)],
    (5, T(9), T(13)),
]
GOTEBORG_HOURS = [(day, T(7), T(17)) for day in range(5)]


@pytest.fixture
def group(db: None) -> Organisation:
    return core_actions.create_organisation("Grupo Ejemplo Motor", "ejemplo")


@pytest.fixture
def madrid(group: Organisation) -> Site:
    return core_actions.create_site(
        group,
        name="Ejemplo Motor Madrid",
        slug="madrid",
        timezone="Europe/Madrid",
        country="ES",
        subdivision="MD",
        intervals=MADRID_HOURS,
    )


@pytest.fixture
def goteborg(group: Organisation) -> Site:
    return core_actions.create_site(
        group,
        name="Exempel Bil Göteborg",
        slug="goteborg",
        timezone="Europe/Stockholm",
        country="SE",
        intervals=GOTEBORG_HOURS,
    )


def make_user(username: str, *, language: str = "en") -> User:
    return User.objects.create_user(
        username=username,
        password="test-password-123",
        email=f"{username}@example.com",
        first_name=username.capitalize(),
        language=language,
    )


@pytest.fixture
def agent(madrid: Site) -> User:
    user = make_user("alba")
    core_actions.grant_role(user, madrid.organisation, Role.AGENT, madrid)
    return user


@pytest.fixture
def manager(madrid: Site) -> User:
    user = make_user("mateo")
    core_actions.grant_role(user, madrid.organisation, Role.SERVICE_MANAGER, madrid)
    return user


@pytest.fixture
def site_manager(madrid: Site) -> User:
    user = make_user("sara")
    core_actions.grant_role(user, madrid.organisation, Role.SITE_MANAGER, madrid)
    return user


@pytest.fixture
def outsider(goteborg: Site) -> User:
    """Works at the other site of the same group: must not see Madrid's data."""
    user = make_user("olle", language="sv")
    core_actions.grant_role(user, goteborg.organisation, Role.AGENT, goteborg)
    return user


@pytest.fixture
def group_admin(group: Organisation, madrid: Site, goteborg: Site) -> User:
    user = make_user("gloria")
    core_actions.grant_role(user, group, Role.ADMIN, None)
    return user


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-only tests (concurrency, SKIP LOCKED) when the suite runs on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
