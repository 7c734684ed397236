"""Clock test helpers: instants in Madrid, subjects, and the people escalations reach.

Madrid (fixture `madrid`) is open Monday-Friday 08:00-13:00 and 14:00-19:00 and Saturday
09:00-13:00. The week of 2 March 2026 has no public holiday in Madrid, and Spain is on CET
(UTC+1) until 29 March.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.db import models

from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, Team, User
from tests.conftest import make_user

MADRID_TZ = ZoneInfo("Europe/Madrid")
_numbers = itertools.count(1)


def madrid_at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant in March 2026, Madrid wall-clock time."""
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=MADRID_TZ)


MONDAY = 2  # 2 March 2026


@pytest.fixture
def new_subject() -> Callable[[Site], models.Model]:
    """Any saved row can be a clock's subject; teams are the cheapest to make."""

    def make(site: Site) -> models.Model:
        return Team.objects.create(site=site, name=f"Subject {next(_numbers)}")

    return make


@pytest.fixture
def subject(madrid: Site, new_subject: Callable[[Site], models.Model]) -> models.Model:
    return new_subject(madrid)


@pytest.fixture
def team_lead(madrid: Site) -> User:
    user = make_user("telmo", language="es")
    core_actions.grant_role(user, madrid.organisation, Role.TEAM_LEAD, madrid)
    return user
