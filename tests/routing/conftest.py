"""Routing fixtures: Madrid's service team of three agents, built through the real actions.

Names and addresses are invented.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, Team, User
from tests.conftest import make_user

MADRID = ZoneInfo("Europe/Madrid")
# An ordinary Monday, no holiday in Madrid: 10:00 there is inside everyone's hours.
MONDAY = dt.date(2026, 12, 14)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MADRID).astimezone(dt.UTC)


MONDAY_10 = local(MONDAY, 10)


@pytest.fixture
def service_team(madrid: Site) -> Team:
    team = Team.objects.create(site=madrid, name="Recepción de taller", department="service")
    for username in ("irene", "jorge", "lidia"):
        user = make_user(username)
        core_actions.grant_role(user, madrid.organisation, Role.AGENT, madrid)
        team.members.add(user)
    return team


@pytest.fixture
def irene(service_team: Team) -> User:
    return service_team.members.get(username="irene")


@pytest.fixture
def jorge(service_team: Team) -> User:
    return service_team.members.get(username="jorge")


@pytest.fixture
def lidia(service_team: Team) -> User:
    return service_team.members.get(username="lidia")


@pytest.fixture
def team_lead(madrid: Site) -> User:
    user = make_user("teo")
    core_actions.grant_role(user, madrid.organisation, Role.TEAM_LEAD, madrid)
    return user
