"""Cached per-site policies and the batch start of a new subject's clocks.

Starting a clock reads the site's overrides, business day and escalation ladder from a
per-process cache keyed on the Site row's calendar_version; every policy change bumps it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.catalogue import HOUR, effective_policy
from posventa.clocks.models import CalendarKind, ClockState
from posventa.core import actions as core_actions
from posventa.core.events import timeline
from posventa.core.models import Site
from tests.clocks.conftest import madrid_at


def test_a_target_change_reaches_a_site_instance_loaded_before_it(madrid: Site) -> None:
    older = Site.objects.get(pk=madrid.pk)
    assert effective_policy(older, "INFO-WEB").target_seconds == HOUR  # now cached

    actions.set_site_target(madrid, "INFO-WEB", 3 * HOUR)

    assert effective_policy(older, "INFO-WEB").target_seconds == 3 * HOUR


def test_every_policy_change_bumps_the_calendar_version_other_processes_key_on(
    madrid: Site,
) -> None:
    version = madrid.calendar_version
    actions.set_site_target(madrid, "INFO-WEB", 2 * HOUR)
    actions.clear_site_target(madrid, "INFO-WEB")
    actions.set_escalation_policy(madrid, warn_at_ratio=Decimal("0.5"))

    assert madrid.calendar_version == version + 3
    assert Site.objects.get(pk=madrid.pk).calendar_version == version + 3


def test_an_escalation_change_moves_the_warning_of_the_next_clock(
    madrid: Site, new_subject: Callable[[Site], Model]
) -> None:
    started = madrid_at(2, 9)
    before = actions.start_clock(
        "INFO-WEB", subject=new_subject(madrid), site=madrid, started_at=started
    )
    actions.set_escalation_policy(madrid, warn_at_ratio=Decimal("0.5"))
    after = actions.start_clock(
        "INFO-WEB", subject=new_subject(madrid), site=madrid, started_at=started
    )

    assert before.warn_at == madrid_at(2, 9, 45)
    assert after.warn_at == madrid_at(2, 9, 30)


def test_new_opening_hours_change_the_business_day_of_a_cached_site(madrid: Site) -> None:
    assert effective_policy(madrid, "INFO-WRITTEN").target_seconds == 2 * 10 * HOUR
    other = Site.objects.get(pk=madrid.pk)
    core_actions.set_opening_hours(
        madrid, [(day, madrid_at(2, 9).time(), madrid_at(2, 17).time()) for day in range(5)]
    )

    assert effective_policy(other, "INFO-WRITTEN").target_seconds == 2 * 8 * HOUR


def test_start_clocks_makes_the_clocks_start_clock_would(
    madrid: Site, new_subject: Callable[[Site], Model]
) -> None:
    actions.set_site_target(madrid, "INFO-WRITTEN", None, enabled=False)
    started = madrid_at(2, 12, 30)
    codes = ["INFO-COMPLETE", "INFO-WEB", "INFO-WRITTEN"]
    one_by_one = new_subject(madrid)
    expected = [
        actions.start_clock(code, subject=one_by_one, site=madrid, started_at=started)
        for code in codes
    ]
    batched = new_subject(madrid)

    clocks = actions.start_clocks(codes, subject=batched, site=madrid, started_at=started)

    def shape(clock: object) -> tuple[object, ...]:
        names = ("standard_id", "state", "target_seconds", "calendar_kind", "warn_at", "due_at")
        return tuple(getattr(clock, name) for name in (*names, "next_action_at", "cancelled_at"))

    assert [shape(clock) for clock in clocks] == [shape(clock) for clock in expected]
    assert all(clock.pk is not None for clock in clocks)
    assert clocks[2].state == ClockState.CANCELLED
    assert clocks[1].calendar_kind == CalendarKind.BUSINESS
    verbs = [(event.verb, event.data["standard"]) for event in timeline(batched)]
    assert verbs == [
        ("clock.started", "INFO-COMPLETE"),
        ("clock.started", "INFO-WEB"),
        ("clock.skipped", "INFO-WRITTEN"),
    ]
    assert [event.data["clock"] for event in timeline(batched)] == [clock.pk for clock in clocks]
