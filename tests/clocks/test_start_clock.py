"""Starting a clock: the deadline on the site's calendar, one open clock per standard and
subject, explicit targets and deadlines, and bad input refused naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.models import CalendarKind, Clock, ClockState
from posventa.core.events import timeline
from posventa.core.models import Site, User
from tests.clocks.conftest import madrid_at

HOUR = 3600


def test_it_puts_the_deadline_on_the_sites_business_calendar(
    madrid: Site, subject: Model, agent: User
) -> None:
    # Monday 12:30 + 1 business hour: 30 minutes before lunch, 30 after it.
    clock = actions.start_clock(
        "INFO-WEB",
        subject=subject,
        site=madrid,
        owner=agent,
        started_at=madrid_at(2, 12, 30),
        label="WEB-1",
    )
    assert clock.state == ClockState.RUNNING
    assert clock.target_seconds == HOUR
    assert clock.calendar_kind == CalendarKind.BUSINESS
    assert clock.due_at == madrid_at(2, 14, 30)
    # Warned at 75 % of the target: 45 business minutes, i.e. 14:15.
    assert clock.warn_at == madrid_at(2, 14, 15)
    assert clock.next_action_at == clock.warn_at


def test_a_clock_started_after_hours_counts_from_the_next_opening(
    madrid: Site, subject: Model
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(6, 21)
    )  # Friday evening
    assert clock.due_at == madrid_at(7, 10)  # Saturday opens 09:00


def test_a_24_7_standard_ignores_opening_hours(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "PROMISE-KEPT",
        subject=subject,
        site=madrid,
        started_at=madrid_at(6, 21),
        target_seconds=2 * HOUR,
    )
    assert clock.calendar_kind == CalendarKind.ALWAYS
    assert clock.due_at == madrid_at(6, 23)


def test_a_repeat_contact_does_not_reset_the_reply_clock(madrid: Site, subject: Model) -> None:
    first = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    again = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9, 40)
    )
    assert again.pk == first.pk
    assert again.started_at == madrid_at(2, 9)
    assert Clock.objects.count() == 1
    assert timeline(subject).filter(verb="clock.started").count() == 1


def test_a_new_clock_starts_once_the_previous_one_is_closed(madrid: Site, subject: Model) -> None:
    first = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    actions.satisfy_clock(first, at=madrid_at(2, 9, 30))
    second = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 11)
    )
    assert second.pk != first.pk
    assert second.started_at == madrid_at(2, 11)


def test_different_standards_on_one_subject_run_side_by_side(madrid: Site, subject: Model) -> None:
    web = actions.start_clock("INFO-WEB", subject=subject, site=madrid)
    written = actions.start_clock("INFO-WRITTEN", subject=subject, site=madrid)
    assert web.pk != written.pk
    assert actions.open_clocks_for(subject).count() == 2


def test_an_explicit_target_overrides_the_site_policy(madrid: Site, subject: Model) -> None:
    clock = actions.start_clock(
        "INFO-WEB",
        subject=subject,
        site=madrid,
        started_at=madrid_at(2, 9),
        target_seconds=3 * HOUR,
    )
    assert clock.target_overridden
    assert clock.due_at == madrid_at(2, 12)


def test_a_promise_with_a_deadline_falls_due_exactly_then(
    madrid: Site, subject: Model, agent: User
) -> None:
    # "A technician will call you back on Saturday before 11:00" made on Friday evening.
    clock = actions.start_clock(
        "PROMISE-KEPT",
        subject=subject,
        site=madrid,
        owner=agent,
        started_at=madrid_at(6, 20),
        deadline=madrid_at(7, 11),
    )
    assert clock.due_at == madrid_at(7, 11)
    assert clock.target_seconds == 15 * HOUR


def test_the_start_is_on_the_subjects_timeline(madrid: Site, subject: Model, agent: User) -> None:
    clock = actions.start_clock(
        "INFO-WEB",
        subject=subject,
        site=madrid,
        owner=agent,
        actor=agent,
        started_at=madrid_at(2, 9),
        label="Case 7",
    )
    event = timeline(subject).get(verb="clock.started")
    assert event.actor == agent
    assert event.site == madrid
    assert event.occurred_at == madrid_at(2, 9)
    assert event.data["clock"] == clock.pk
    assert event.data["due_at"] == clock.due_at.isoformat()  # type: ignore[union-attr]


def test_a_standard_switched_off_at_the_site_leaves_a_cancelled_trace(
    madrid: Site, subject: Model
) -> None:
    actions.set_site_target(madrid, "INFO-WEB", None, enabled=False)
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, started_at=madrid_at(2, 9)
    )
    assert clock.state == ClockState.CANCELLED
    assert clock.next_action_at is None
    assert timeline(subject).filter(verb="clock.skipped").exists()


def test_an_unknown_standard_is_refused_naming_the_field(madrid: Site, subject: Model) -> None:
    with pytest.raises(ValidationError) as error:
        actions.start_clock("INFO-PIGEON", subject=subject, site=madrid)
    assert "standard_code" in error.value.message_dict
    assert not Clock.objects.exists()


def test_a_negative_target_is_refused_naming_the_field(madrid: Site, subject: Model) -> None:
    with pytest.raises(ValidationError) as error:
        actions.start_clock("INFO-WEB", subject=subject, site=madrid, target_seconds=-60)
    assert "target_seconds" in error.value.message_dict
    assert not Clock.objects.exists()


def test_a_standard_without_default_needs_a_target(madrid: Site, subject: Model) -> None:
    with pytest.raises(ValidationError) as error:
        actions.start_clock("PROMISE-KEPT", subject=subject, site=madrid)
    assert "target_seconds" in error.value.message_dict


def test_a_deadline_before_the_start_is_refused_naming_the_field(
    madrid: Site, subject: Model
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.start_clock(
            "PROMISE-KEPT",
            subject=subject,
            site=madrid,
            started_at=madrid_at(3, 9),
            deadline=madrid_at(2, 9),
        )
    assert "deadline" in error.value.message_dict


def test_a_naive_start_is_refused_naming_the_field(madrid: Site, subject: Model) -> None:
    with pytest.raises(ValidationError) as error:
        actions.start_clock(
            "INFO-WEB", subject=subject, site=madrid, started_at=dt.datetime(2026, 3, 2, 9)
        )
    assert "started_at" in error.value.message_dict


def test_an_owner_from_another_site_is_refused(
    madrid: Site, subject: Model, outsider: User
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.start_clock("INFO-WEB", subject=subject, site=madrid, owner=outsider)
    assert "owner" in error.value.message_dict


def test_an_unsaved_subject_is_refused(madrid: Site, new_subject: Callable[[Site], Model]) -> None:
    unsaved = type(new_subject(madrid))(site=madrid, name="not saved")
    with pytest.raises(ValidationError) as error:
        actions.start_clock("INFO-WEB", subject=unsaved, site=madrid)
    assert "subject" in error.value.message_dict


def test_deadlines_keep_to_local_opening_hours_across_the_dst_change(
    madrid: Site, subject: Model
) -> None:
    # Friday 27 March 18:00 (CET); clocks go forward on Sunday 29 March. Two business days
    # are 20 open hours: Friday 1 + Saturday 4 + Monday 10 + Tuesday 5, i.e. Tuesday 13:00
    # Madrid time, which is now 11:00 UTC (CEST) rather than 12:00.
    clock = actions.start_clock(
        "INFO-WRITTEN", subject=subject, site=madrid, started_at=madrid_at(27, 18)
    )
    assert clock.due_at == madrid_at(31, 13)
    assert clock.due_at == dt.datetime(2026, 3, 31, 11, tzinfo=dt.UTC)


def test_a_switched_off_standard_needs_no_target(madrid: Site, subject: Model) -> None:
    actions.set_site_target(madrid, "PROMISE-KEPT", None, enabled=False)
    clock = actions.start_clock("PROMISE-KEPT", subject=subject, site=madrid)
    assert clock.state == ClockState.CANCELLED
