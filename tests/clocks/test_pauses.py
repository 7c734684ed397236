"""Pauses are intervals in history: they remove the paused business time, empty the
deadlines while they last, and cannot hide a deadline that was already missed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.models import ClockPause, ClockState
from posventa.clocks.sweeper import claim_due_clocks
from posventa.core.events import timeline
from posventa.core.models import Site
from tests.clocks.conftest import madrid_at

HOUR = 3600


def test_a_paused_clock_has_no_deadline_and_the_sweeper_ignores_it(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 9, 20), reason="waiting on the customer")
    assert clock.state == ClockState.PAUSED
    assert (clock.warn_at, clock.due_at, clock.next_action_at) == (None, None, None)
    assert claim_due_clocks(madrid_at(9, 9), 10) == []


def test_resuming_moves_the_deadline_by_the_paused_business_time(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 9, 20))
    actions.resume_clock(clock, at=madrid_at(2, 16))
    # 20 minutes counted before the pause; 40 remain from 16:00.
    assert clock.state == ClockState.RUNNING
    assert clock.due_at == madrid_at(2, 16, 40)
    assert clock.next_action_at == clock.warn_at == madrid_at(2, 16, 25)


def test_closed_hours_inside_a_pause_are_not_counted_twice(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 12, 30)
    )
    actions.pause_clock(clock, at=madrid_at(2, 12, 50))  # 20 min counted
    actions.resume_clock(clock, at=madrid_at(2, 20))  # resumed after closing time
    assert clock.due_at == madrid_at(3, 8, 40)  # 40 min from Tuesday's opening


def test_several_pauses_add_up(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 9, 10))
    actions.resume_clock(clock, at=madrid_at(2, 10))
    actions.pause_clock(clock, at=madrid_at(2, 10, 20))
    actions.resume_clock(clock, at=madrid_at(2, 11))
    assert clock.due_at == madrid_at(2, 11, 30)  # 10 + 20 + 30 minutes
    assert ClockPause.objects.filter(clock=clock).count() == 2


def test_pausing_a_clock_that_cannot_wait_is_refused(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock("INFO-PHONE", subject=subject, site=madrid)
    with pytest.raises(ValidationError) as error:
        actions.pause_clock(clock)
    assert "clock" in error.value.message_dict
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING


def test_pause_clocks_pauses_only_the_pausable_ones(madrid: Site, subject: Model) -> None:
    web = actions.start_clock("INFO-WEB", subject=subject, site=madrid)
    phone = actions.start_clock("INFO-PHONE", subject=subject, site=madrid)
    paused = actions.pause_clocks(subject, reason="waiting on the customer")
    assert [clock.pk for clock in paused] == [web.pk]
    web.refresh_from_db()
    phone.refresh_from_db()
    assert (web.state, phone.state) == (ClockState.PAUSED, ClockState.RUNNING)
    resumed = actions.resume_clocks(subject)
    assert [clock.pk for clock in resumed] == [web.pk]


def test_pausing_an_overdue_clock_records_the_breach_first(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 12))  # due at 10:00, sweeper never ran
    assert clock.breached_at == madrid_at(2, 10)
    actions.resume_clock(clock, at=madrid_at(3, 9))
    assert clock.due_at == madrid_at(2, 10)  # the pause came too late to move it
    assert clock.breached_at == madrid_at(2, 10)


def test_a_resume_before_the_pause_began_is_refused_naming_the_field(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.pause_clock(clock, at=madrid_at(2, 10))
    with pytest.raises(ValidationError) as error:
        actions.resume_clock(clock, at=madrid_at(2, 9, 30))
    assert "at" in error.value.message_dict
    assert clock.state == ClockState.PAUSED


def test_pausing_twice_and_resuming_a_running_clock_change_nothing(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.resume_clock(clock, at=madrid_at(2, 9, 5))
    actions.pause_clock(clock, at=madrid_at(2, 9, 10))
    actions.pause_clock(clock, at=madrid_at(2, 9, 20))
    assert ClockPause.objects.filter(clock=clock).count() == 1
    verbs = list(timeline(subject).values_list("verb", flat=True))
    assert verbs == ["clock.started", "clock.paused"]
