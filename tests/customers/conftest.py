"""Fixtures for the customers tests: a second dealer group and someone who works there."""

from __future__ import annotations

import pytest

from posventa.core import actions as core_actions
from posventa.core.models import Organisation, Role, Site, User
from tests.conftest import make_user


@pytest.fixture
def other_group(db: None) -> Organisation:
    return core_actions.create_organisation("Otro Grupo Automoción", "otro")


@pytest.fixture
def santiago(other_group: Organisation) -> Site:
    return core_actions.create_site(
        other_group,
        name="Otro Grupo Santiago",
        slug="santiago",
        timezone="America/Santiago",
        country="CL",
    )


@pytest.fixture
def foreign_agent(santiago: Site) -> User:
    """Staff of another organisation: must never see this group's customers."""
    user = make_user("fernanda", language="es")
    core_actions.grant_role(user, santiago.organisation, Role.AGENT, santiago)
    return user
