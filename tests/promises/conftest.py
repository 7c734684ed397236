from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.api.actions import create_api_token
from posventa.cases.models import Case
from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, Team, User
from posventa.promises import actions
from posventa.promises.models import Promise
from tests.api.conftest import ApiClient, TokenFactory
from tests.conftest import make_user
from tests.inbox.factories import case_of, receive_email


@pytest.fixture(autouse=True)
def media_root(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def email_case(madrid: Site) -> Case:
    """A customer's e-mail to Madrid asking a question only a technician can answer."""
    return case_of(receive_email(madrid, subject="¿Solo líquido de frenos o la revisión?"))


@pytest.fixture
def technician(madrid: Site) -> User:
    user = make_user("tomas", language="es")
    core_actions.grant_role(user, madrid.organisation, Role.TECHNICIAN, madrid)
    return user


@pytest.fixture
def workshop(madrid: Site, technician: User) -> Team:
    team = Team.objects.create(site=madrid, name="Taller", department="service")
    team.members.add(technician)
    return team


def in_days(days: int = 3) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def promise(email_case: Case, agent: User, technician: User) -> Promise:
    """The receptionist promises the technician will call back (seed 001)."""
    return actions.make_promise(
        email_case,
        what="A technician will call you back about the brake fluid",
        act="call",
        deadline=in_days(),
        actor=agent,
        owner=technician,
        channel="phone",
    )


@pytest.fixture
def api_as(db: None) -> TokenFactory:
    """`api_as(user)`: an API client with a fresh token of that user (as tests/api has)."""

    def make(user: User, sites: tuple[Site, ...] = ()) -> ApiClient:
        return ApiClient(create_api_token(user, "tests", sites=sites).plaintext)

    return make
