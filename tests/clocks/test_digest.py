"""The managers' daily digest: yesterday's breaches and today's risks per owner, in the
manager's language, once per manager and local day."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.digest import build_digest, render, send_due_digests
from posventa.clocks.sweeper import sweep
from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, User
from posventa.outbox.models import Notification
from tests.clocks.conftest import madrid_at
from tests.conftest import make_user

# INFO-WEB (1 business hour) started Monday 2 March 09:00: breached at 10:00 Monday.
MONDAY_START = madrid_at(2, 9)
TUESDAY_8 = madrid_at(3, 8)


@pytest.fixture
def breached_yesterday(madrid: Site, subject: Model, agent: User) -> None:
    actions.start_clock(
        "INFO-WEB",
        subject=subject,
        site=madrid,
        owner=agent,
        started_at=MONDAY_START,
        label="MAD-2026-00001",
    )
    sweep(madrid_at(2, 10, 1))


@pytest.fixture
def at_risk_today(madrid: Site, new_subject: object, agent: User) -> None:
    subject = new_subject(madrid)  # type: ignore[operator]
    actions.start_clock(
        "INFO-WEB",
        subject=subject,
        site=madrid,
        owner=None,
        started_at=TUESDAY_8,
        label="MAD-2026-00002",
    )


def test_the_digest_lists_yesterdays_breaches_and_todays_risks_per_owner(
    madrid: Site, manager: User, breached_yesterday: None, at_risk_today: None
) -> None:
    digest = build_digest(manager, madrid_at(3, 8, 30))
    assert [(lines.owner, len(lines.breached), len(lines.at_risk)) for lines in digest.owners] == [
        ("Alba", 1, 0),
        ("", 0, 1),
    ]
    subject, body = render(digest)
    assert "1 breached, 1 at risk" in subject
    assert "Breached yesterday (1):" in body and "MAD-2026-00001" in body
    assert "Unowned" in body and "MAD-2026-00002" in body


def test_the_digest_is_in_the_managers_language(madrid: Site, breached_yesterday: None) -> None:
    jefa = make_user("elena", language="es")
    core_actions.grant_role(jefa, madrid.organisation, Role.SITE_MANAGER, madrid)
    send_due_digests(madrid_at(3, 8, 30))
    row = Notification.objects.get(recipient=jefa)
    assert "Resumen de plazos" in row.subject and "Incumplidos ayer" in row.body


def test_each_manager_gets_one_digest_per_local_day_after_the_hour(
    madrid: Site, manager: User, site_manager: User, breached_yesterday: None
) -> None:
    assert send_due_digests(madrid_at(3, 6, 59)) == 0  # before 07:00 in Madrid
    assert send_due_digests(madrid_at(3, 7, 0)) == 2
    assert send_due_digests(madrid_at(3, 12, 0)) == 0
    assert send_due_digests(madrid_at(4, 7, 30)) == 2  # the next local day
    assert Notification.objects.filter(dedupe_key__startswith="digest:").count() == 4


def test_the_command_sends_and_refuses_an_instant_without_offset(
    madrid: Site, manager: User
) -> None:
    out = io.StringIO()
    call_command("send_digests", at="2026-03-03T09:00:00+01:00", stdout=out)
    assert "Queued 1 digest(s)." in out.getvalue()
    with pytest.raises(CommandError, match="--at"):
        call_command("send_digests", at="2026-03-03T09:00:00")
