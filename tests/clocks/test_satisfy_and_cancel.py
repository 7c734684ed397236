"""Closing a clock: stored business duration and difference from target, permanent
breaches, and cancelled clocks that keep their history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.models import ClockState
from posventa.clocks.sweeper import claim_due_clocks
from posventa.core.events import timeline
from posventa.core.models import Site, User
from tests.clocks.conftest import madrid_at

HOUR = 3600


def test_it_stores_business_duration_and_delta_on_time(
    madrid: Site, subject: Model, agent: User
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 12, 30)
    )
    actions.satisfy_clock(clock, at=madrid_at(2, 14, 10), actor=agent, reason="replied")
    # 30 minutes before lunch and 10 after; the lunch hour does not count.
    assert clock.state == ClockState.SATISFIED
    assert clock.satisfied_at == madrid_at(2, 14, 10)
    assert clock.business_seconds == 40 * 60
    assert clock.delta_seconds == 40 * 60 - HOUR
    assert clock.breached_at is None
    assert clock.next_action_at is None
    event = timeline(subject).get(verb="clock.satisfied")
    assert (event.actor, event.data["late"], event.data["reason"]) == (agent, False, "replied")


def test_satisfying_late_without_a_sweep_records_the_breach_at_the_deadline(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.satisfy_clock(clock, at=madrid_at(2, 11, 30))
    assert clock.breached_at == madrid_at(2, 10)
    assert clock.is_breached
    assert clock.delta_seconds == 90 * 60


def test_satisfying_exactly_at_the_deadline_is_on_time(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.satisfy_clock(clock, at=madrid_at(2, 10))
    assert clock.breached_at is None
    assert clock.delta_seconds == 0


def test_a_breach_found_by_the_sweeper_survives_a_late_satisfaction(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    claim_due_clocks(madrid_at(2, 10, 5), 10)
    clock.refresh_from_db()
    assert clock.breached_at == madrid_at(2, 10)
    actions.satisfy_clock(clock, at=madrid_at(2, 10, 30))
    clock.refresh_from_db()
    assert clock.state == ClockState.SATISFIED
    assert clock.breached_at == madrid_at(2, 10)
    assert clock.delta_seconds == 30 * 60


def test_pauses_are_not_counted_in_the_business_duration(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 9, 15))
    actions.resume_clock(clock, at=madrid_at(2, 11))
    actions.satisfy_clock(clock, at=madrid_at(2, 11, 30))
    assert clock.business_seconds == 45 * 60
    assert clock.breached_at is None


def test_satisfying_a_paused_clock_closes_the_pause(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 9, 30))
    actions.satisfy_clock(clock, at=madrid_at(3, 9))
    assert clock.business_seconds == 30 * 60
    assert clock.pauses.get().ended_at == madrid_at(3, 9)
    assert clock.due_at == madrid_at(3, 9, 30)


def test_satisfy_clocks_closes_only_that_standard_on_that_subject(
    madrid: Site, subject: Model, new_subject: object
) -> None:
    other = new_subject(madrid)  # type: ignore[operator]
    web = actions.start_clock("INFO-WEB", subject=subject, site=madrid)
    written = actions.start_clock("INFO-WRITTEN", subject=subject, site=madrid)
    elsewhere = actions.start_clock("INFO-WEB", subject=other, site=madrid)
    closed = actions.satisfy_clocks(subject, "INFO-WEB", reason="replied")
    assert [clock.pk for clock in closed] == [web.pk]
    written.refresh_from_db()
    elsewhere.refresh_from_db()
    assert written.is_open and elsewhere.is_open


def test_satisfying_twice_changes_nothing(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.satisfy_clock(clock, at=madrid_at(2, 9, 30))
    actions.satisfy_clock(clock, at=madrid_at(2, 11))
    assert clock.satisfied_at == madrid_at(2, 9, 30)
    assert timeline(subject).filter(verb="clock.satisfied").count() == 1


def test_a_satisfaction_before_the_start_is_refused_naming_the_field(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    with pytest.raises(ValidationError) as error:
        actions.satisfy_clock(clock, at=madrid_at(2, 8))
    assert "at" in error.value.message_dict
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING


def test_a_cancelled_clock_keeps_its_history_and_leaves_the_sweep(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.cancel_clock(clock, at=madrid_at(2, 9, 30), reason="sent to the wrong site")
    assert clock.state == ClockState.CANCELLED
    assert clock.cancelled_at == madrid_at(2, 9, 30)
    assert clock.due_at == madrid_at(2, 10)
    assert claim_due_clocks(madrid_at(5, 9), 10) == []
    event = timeline(subject).get(verb="clock.cancelled")
    assert event.data["reason"] == "sent to the wrong site"
    with pytest.raises(ValidationError) as error:
        actions.satisfy_clock(clock)
    assert "state" in error.value.message_dict


def test_cancelling_after_a_breach_keeps_the_breach(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    claim_due_clocks(madrid_at(2, 10, 1), 10)
    actions.cancel_clock(clock, at=madrid_at(2, 11))
    clock.refresh_from_db()
    assert clock.breached_at == madrid_at(2, 10)


def test_reassigning_moves_the_clock_and_says_so(
    madrid: Site, subject: Model, agent: User, manager: User
) -> None:
    clock = actions.start_clock("INFO-WEB", subject=subject, site=madrid, owner=agent)
    actions.reassign_clock(clock, manager, actor=manager)
    assert clock.owner == manager
    event = timeline(subject).get(verb="clock.reassigned")
    assert (event.data["from"], event.data["to"]) == (agent.pk, manager.pk)
    actions.reassign_clock(clock, None)
    clock.refresh_from_db()
    assert clock.owner is None
