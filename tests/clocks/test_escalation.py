"""The escalation ladder: warn the owner, breach and tell the managers, then tell the site
manager; each step once, in order, with its timeline event and outbox notification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.models import Clock, EscalationLevel
from posventa.clocks.sweeper import Claimed, claim_due_clocks, sweep
from posventa.core.events import timeline
from posventa.core.models import Event, Site, User
from posventa.outbox.models import Notification
from tests.clocks.conftest import madrid_at

# INFO-WEB started Monday 09:00 in Madrid: warned 09:45, due 10:00, and the site manager
# hears 4 business hours later, at 15:00 (the lunch hour does not count).
START = madrid_at(2, 9)
WARN, DUE, SITE_MANAGER = madrid_at(2, 9, 45), madrid_at(2, 10), madrid_at(2, 15)


def start(site: Site, subject: Model, owner: User | None = None) -> Clock:
    return actions.start_clock(
        "INFO-WEB", subject=subject, site=site, owner=owner, started_at=START, label="Case MAD-1"
    )


def notified(clock: Clock, level: int) -> list[User]:
    rows = Notification.objects.filter(dedupe_key__startswith=f"clock:{clock.pk}:level:{level}:")
    return [row.recipient for row in rows.order_by("recipient_id")]  # type: ignore[misc]


def test_the_ladder_schedule_is_warn_then_due_then_site_manager(
    madrid: Site, subject: Model
) -> None:
    clock = start(madrid, subject)
    assert (clock.warn_at, clock.due_at, clock.next_action_at) == (WARN, DUE, WARN)


def test_nothing_happens_before_the_warning_time(madrid: Site, subject: Model) -> None:
    start(madrid, subject)
    assert claim_due_clocks(WARN - dt.timedelta(seconds=1), 10) == []
    assert not Notification.objects.exists()


def test_it_warns_the_owner_first(madrid: Site, subject: Model, agent: User) -> None:
    clock = start(madrid, subject, owner=agent)
    assert claim_due_clocks(WARN, 10) == [Claimed(clock.pk, (EscalationLevel.WARNED,))]
    clock.refresh_from_db()
    assert clock.escalation_level == EscalationLevel.WARNED
    assert clock.next_action_at == DUE
    assert clock.breached_at is None
    assert notified(clock, 1) == [agent]
    event = timeline(subject).get(verb="clock.warned")
    assert event.actor_label == "sweeper"
    assert event.data["recipients"] == [agent.pk]
    assert dt.datetime.fromisoformat(event.data["scheduled_for"]) == WARN
    message = Notification.objects.get(recipient=agent)
    assert "INFO-WEB" in message.subject and "Case MAD-1" in message.subject
    assert "10:00" in message.body  # the deadline in the site's own time
    assert message.automatic


def test_without_an_owner_the_warning_goes_to_team_leads_and_service_managers(
    madrid: Site, subject: Model, team_lead: User, manager: User, agent: User
) -> None:
    clock = start(madrid, subject)
    claim_due_clocks(WARN, 10)
    assert notified(clock, 1) == sorted([team_lead, manager], key=lambda user: user.pk)


def test_the_breach_is_dated_at_the_deadline_and_told_to_the_managers(
    madrid: Site, subject: Model, agent: User, team_lead: User, manager: User
) -> None:
    clock = start(madrid, subject, owner=agent)
    claim_due_clocks(WARN, 10)
    claimed = claim_due_clocks(DUE + dt.timedelta(minutes=7), 10)
    assert claimed == [Claimed(clock.pk, (EscalationLevel.BREACHED,))]
    clock.refresh_from_db()
    assert clock.breached_at == DUE
    assert clock.next_action_at == SITE_MANAGER
    assert set(notified(clock, 2)) == {team_lead, manager}
    assert timeline(subject).filter(verb="clock.breached").count() == 1


def test_the_site_manager_hears_after_the_breach_lasts(
    madrid: Site, subject: Model, agent: User, manager: User, site_manager: User
) -> None:
    clock = start(madrid, subject, owner=agent)
    claim_due_clocks(DUE, 10)
    assert claim_due_clocks(SITE_MANAGER - dt.timedelta(seconds=1), 10) == []
    assert claim_due_clocks(SITE_MANAGER, 10) == [
        Claimed(clock.pk, (EscalationLevel.SITE_MANAGER,))
    ]
    clock.refresh_from_db()
    assert clock.escalation_level == EscalationLevel.SITE_MANAGER
    assert clock.next_action_at is None
    assert notified(clock, 3) == [site_manager]
    assert claim_due_clocks(madrid_at(9, 9), 10) == []


def test_without_a_site_manager_the_administrators_hear(
    madrid: Site, subject: Model, group_admin: User
) -> None:
    clock = start(madrid, subject)
    claim_due_clocks(SITE_MANAGER, 10)
    # No team lead, service manager or site manager at Madrid: every rung falls through.
    assert notified(clock, 1) == notified(clock, 2) == notified(clock, 3) == [group_admin]


def test_a_sweeper_that_was_down_takes_every_overdue_step_once_in_order(
    madrid: Site, subject: Model, agent: User, manager: User, site_manager: User
) -> None:
    clock = start(madrid, subject, owner=agent)
    later = madrid_at(4, 12)
    assert claim_due_clocks(later, 10) == [Claimed(clock.pk, (1, 2, 3))]
    verbs = list(
        timeline(subject)
        .filter(verb__in=["clock.warned", "clock.breached", "clock.escalated"])
        .values_list("verb", "data__level")
    )
    assert verbs == [("clock.warned", 1), ("clock.breached", 2), ("clock.escalated", 3)]
    clock.refresh_from_db()
    assert clock.breached_at == DUE
    assert claim_due_clocks(later, 10) == []
    assert sweep(later).claimed == 0
    assert Notification.objects.filter(dedupe_key__startswith=f"clock:{clock.pk}:").count() == 3


def test_each_notification_is_written_with_its_event(
    madrid: Site, new_subject: object, agent: User
) -> None:
    clocks = [start(madrid, new_subject(madrid), owner=agent) for _ in range(5)]  # type: ignore[operator]
    stats = sweep(DUE, batch_size=2)
    assert (stats.claimed, stats.steps) == (5, 10)
    assert stats.rounds == 3
    for clock in clocks:
        levels = Event.objects.filter(
            verb__startswith="clock.", data__clock=clock.pk, data__level__isnull=False
        )
        assert sorted(levels.values_list("data__level", flat=True)) == [1, 2]
        assert len(notified(clock, 1)) == 1


def test_a_deleted_subject_is_still_escalated_and_flagged(
    madrid: Site, subject: Model, agent: User, caplog: pytest.LogCaptureFixture
) -> None:
    clock = start(madrid, subject, owner=agent)
    subject_pk = subject.pk
    subject.delete()
    assert claim_due_clocks(WARN, 10) == [Claimed(clock.pk, (1,))]
    assert "was deleted" in caplog.text
    event = Event.objects.get(verb="clock.warned")
    assert event.subject_id == str(subject_pk)
    assert event.data["subject_deleted"] is True
    assert "deleted" in Notification.objects.get(recipient=agent).body


def test_a_broken_address_does_not_stall_the_ladder(
    madrid: Site, subject: Model, agent: User, manager: User
) -> None:
    User.objects.filter(pk=agent.pk).update(email="not an address")
    agent.refresh_from_db()
    clock = start(madrid, subject, owner=agent)
    claim_due_clocks(DUE, 10)
    clock.refresh_from_db()
    assert clock.escalation_level == EscalationLevel.BREACHED
    assert Event.objects.get(verb="clock.warned").data["undeliverable"] == [agent.pk]
    assert notified(clock, 2) == [manager]


def test_a_clock_that_fails_to_escalate_is_retried_later_without_blocking_others(
    madrid: Site,
    goteborg: Site,
    new_subject: object,
    agent: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = start(madrid, new_subject(madrid), owner=agent)  # type: ignore[operator]
    healthy = actions.start_clock(
        "PROMISE-KEPT",
        subject=new_subject(goteborg),  # type: ignore[operator]
        site=goteborg,
        started_at=START,
        target_seconds=60,
    )
    # A corrupt row (a timezone no longer in the tz database) makes the message fail.
    Site.objects.filter(pk=madrid.pk).update(timezone="Atlantis/Capital")
    claimed = claim_due_clocks(WARN, 10)
    assert [item.clock_id for item in claimed] == [healthy.pk]
    broken.refresh_from_db()
    assert broken.escalation_level == 0
    assert broken.next_action_at == WARN + dt.timedelta(minutes=5)
    assert not Event.objects.filter(verb="clock.warned", data__clock=broken.pk).exists()
    assert "failed" in caplog.text
