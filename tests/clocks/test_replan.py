"""Deadlines come from history: after a calendar edit, a policy change or a restart the
stored deadlines equal a fresh computation, and no re-plan ever clears a breach."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.deadlines import plan
from posventa.clocks.models import CalendarKind, Clock
from posventa.clocks.sweeper import claim_due_clocks
from posventa.core import actions as core_actions
from posventa.core import calendars
from posventa.core.calendars import build_calendar
from posventa.core.events import timeline
from posventa.core.models import Site
from tests.clocks.conftest import madrid_at

T = dt.time
HOUR = 3600


def fresh_schedule(clock: Clock) -> tuple[dt.datetime | None, ...]:
    """Recompute from scratch: rows re-read, calendar rebuilt, nothing cached."""
    clock = Clock.objects.get(pk=clock.pk)
    site = Site.objects.get(pk=clock.site_id)
    schedule = plan(
        calendar=build_calendar(site),
        started_at=clock.started_at,
        target_seconds=clock.target_seconds,
        pauses=[(p.started_at, p.ended_at) for p in clock.pauses.all()],
        warn_ratio=Decimal(actions.escalation_policy(site).warn_at_ratio),
        site_manager_after_seconds=actions.escalation_policy(site).site_manager_after_seconds,
    )
    return schedule.warn_at, schedule.due_at, schedule.next_action_at(clock.escalation_level)


def stored(clock: Clock) -> tuple[dt.datetime | None, ...]:
    clock.refresh_from_db()
    return clock.warn_at, clock.due_at, clock.next_action_at


def test_changing_the_hours_replans_open_clocks_like_a_fresh_computation(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WRITTEN", subject=subject, site=madrid, started_at=madrid_at(2, 10)
    )
    actions.pause_clock(clock, at=madrid_at(2, 11))
    actions.resume_clock(clock, at=madrid_at(2, 15))
    before = clock.due_at
    # Continuous hours 09:00-17:00 on weekdays: 8-hour business days from now on.
    core_actions.set_opening_hours(madrid, [(day, T(9), T(17)) for day in range(5)])
    assert stored(clock) == fresh_schedule(clock)
    assert clock.due_at != before
    assert clock.target_seconds == 2 * 8 * HOUR  # business days follow the new hours
    assert timeline(subject).filter(verb="clock.replanned").exists()


def test_replanning_again_changes_nothing(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    first = stored(clock)
    assert actions.replan_site_clocks(madrid) == 0
    actions.replan_clock(clock)
    assert stored(clock) == first == fresh_schedule(clock)


def test_a_restart_gives_the_same_deadlines(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 12, 40)
    )
    actions.pause_clock(clock, at=madrid_at(2, 14, 5))
    actions.resume_clock(clock, at=madrid_at(3, 8, 30))
    saved = stored(clock)
    # A new process: caches empty, rows re-read.
    calendars._cache.clear()
    reloaded = Clock.objects.get(pk=clock.pk)
    actions.replan_clock(reloaded)
    assert stored(reloaded) == saved == fresh_schedule(clock)


def test_a_closure_moves_the_deadline(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WRITTEN", subject=subject, site=madrid, started_at=madrid_at(2, 10)
    )
    assert clock.due_at == madrid_at(4, 10)
    core_actions.add_closure(madrid, dt.date(2026, 3, 3), dt.date(2026, 3, 3), "Inventario")
    assert stored(clock)[1] == madrid_at(5, 10)
    assert stored(clock) == fresh_schedule(clock)


def test_a_new_site_target_replans_that_standards_open_clocks_only(
    madrid: Site, subject: Model
) -> None:
    web = actions.start_clock("INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9))
    phone = actions.start_clock(
        "INFO-PHONE", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.set_site_target(madrid, "INFO-WEB", 2 * HOUR)
    web.refresh_from_db()
    phone.refresh_from_db()
    assert (web.target_seconds, web.due_at) == (2 * HOUR, madrid_at(2, 11))
    assert (phone.target_seconds, phone.due_at) == (HOUR, madrid_at(2, 10))


def test_a_new_site_calendar_switches_open_clocks_to_24_7(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(6, 18, 30)
    )
    assert clock.due_at == madrid_at(7, 9, 30)
    actions.set_site_target(madrid, "INFO-WEB", None, CalendarKind.ALWAYS)
    clock.refresh_from_db()
    assert clock.calendar_kind == CalendarKind.ALWAYS
    assert clock.due_at == madrid_at(6, 19, 30)


def test_a_longer_target_never_clears_a_breach(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    claim_due_clocks(madrid_at(2, 10, 1), 10)
    actions.set_site_target(madrid, "INFO-WEB", 8 * HOUR)
    clock.refresh_from_db()
    assert clock.due_at == madrid_at(2, 18)
    assert clock.breached_at == madrid_at(2, 10)
    assert clock.escalation_level == 2
    # The next step is the site manager's: 4 business hours after the new deadline.
    assert clock.next_action_at == madrid_at(3, 11)


def test_a_clock_with_its_own_target_ignores_policy_changes(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB",
        subject=subject,
        site=madrid,
        started_at=madrid_at(2, 9),
        target_seconds=3 * HOUR,
    )
    actions.set_site_target(madrid, "INFO-WEB", HOUR // 2)
    clock.refresh_from_db()
    assert (clock.target_seconds, clock.due_at) == (3 * HOUR, madrid_at(2, 12))


def test_a_new_escalation_policy_moves_the_warning(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.set_escalation_policy(madrid, warn_at_ratio=Decimal("0.5"))
    clock.refresh_from_db()
    assert clock.warn_at == clock.next_action_at == madrid_at(2, 9, 30)
    assert stored(clock) == fresh_schedule(clock)


def test_a_bad_warning_ratio_is_refused_naming_the_field(madrid: Site) -> None:
    for bad in (Decimal("0"), Decimal("1.5"), "abc"):
        with pytest.raises(ValidationError) as error:
            actions.set_escalation_policy(madrid, warn_at_ratio=bad)  # type: ignore[arg-type]
        assert "warn_at_ratio" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.set_escalation_policy(madrid, site_manager_after_seconds=-1)
    assert "site_manager_after_seconds" in error.value.message_dict
