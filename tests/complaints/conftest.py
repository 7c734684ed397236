"""Complaint fixtures, built through the real entry points: a customer's e-mail opens the
case (so it has a reference, an address and reply clocks), then staff mark it.

Names and addresses are invented.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.complaints import actions
from posventa.complaints.models import Complaint
from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, User
from tests.api.conftest import api_as
from tests.conftest import make_user
from tests.inbox.factories import case_of, receive_email


@pytest.fixture(autouse=True)
def media_root(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def email_case(madrid: Site) -> Case:
    """A customer writes to Madrid about the mess the installer left."""
    return case_of(
        receive_email(
            madrid,
            subject="El instalador dejó todo sucio",
            body="Manchó las paredes del portal y dejó cables y cajas. Quiero una disculpa.",
        )
    )


@pytest.fixture
def technician(madrid: Site) -> User:
    user = make_user("tomas")
    core_actions.grant_role(user, madrid.organisation, Role.AGENT, madrid)
    return user


@pytest.fixture
def complaint(email_case: Case, agent: User) -> Complaint:
    cases.assign_case(email_case, agent, actor=agent)
    return actions.register_complaint(
        email_case,
        via="staff",
        category="cleanliness",
        severity=2,
        desired_outcome="Que alguien reconozca lo que pasó y limpie el portal.",
        actor=agent,
    )


def in_department(case: Case, department: str, actor: User) -> None:
    cases.transfer_case(case, to_department=department, note="Moved by the test.", actor=actor)


__all__ = ["api_as"]  # the API fixture, shared with tests/api
