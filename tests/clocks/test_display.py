"""A clock reads as its standard states it: the target in the unit it was set in, and one
state (met, met late, breached, running, paused)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.utils import timezone, translation

from posventa.clocks.catalogue import business_day_seconds, get_standard
from posventa.clocks.display import clock_state_key, describe_target
from posventa.clocks.models import CalendarKind, Clock, ClockState
from posventa.core.models import Site
from tests.ui.helpers import new_subject

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def clock_of(code: str, site: Site, **fields: object) -> Clock:
    subject = new_subject()
    values = {
        "state": ClockState.RUNNING,
        "started_at": NOW - dt.timedelta(hours=1),
        "target_seconds": 3600,
        "calendar_kind": CalendarKind.BUSINESS,
        **fields,
    }
    return Clock.objects.create(
        standard=get_standard(code),
        site=site,
        subject_type_id=_content_type(subject),
        subject_id=str(subject.pk),
        **values,
    )


def _content_type(subject: object) -> int:
    return ContentType.objects.get_for_model(type(subject)).pk


def test_a_two_business_day_standard_reads_in_days_whatever_the_sites_day(madrid: Site) -> None:
    day = business_day_seconds(madrid)
    written = clock_of("INFO-WRITTEN", madrid, target_seconds=2 * day)
    complete = clock_of("INFO-COMPLETE", madrid, target_seconds=5 * day)
    with translation.override("en"):
        assert describe_target(written) == "2 business days"
        assert describe_target(complete) == "5 business days"
    with translation.override("es"):
        assert describe_target(written) == "2 días hábiles"
    with translation.override("sv"):
        assert describe_target(written) == "2 arbetsdagar"


def test_an_hour_based_standard_reads_in_hours(madrid: Site) -> None:
    web = clock_of("INFO-WEB", madrid, target_seconds=3600)
    with translation.override("en"):
        assert describe_target(web) == "1 business hour"


def test_a_target_that_is_no_whole_number_of_days_falls_back_to_hours(madrid: Site) -> None:
    odd = clock_of("INFO-WRITTEN", madrid, target_seconds=3 * 3600)
    always = clock_of("PROMISE-KEPT", madrid, target_seconds=900, calendar_kind=CalendarKind.ALWAYS)
    with translation.override("en"):
        assert describe_target(odd) == "3 business hours"
        assert describe_target(always) == "15 minutes"


def test_each_clock_has_exactly_one_state(madrid: Site) -> None:
    met = clock_of("INFO-WEB", madrid, state=ClockState.SATISFIED, satisfied_at=NOW)
    late = clock_of(
        "INFO-WRITTEN",
        madrid,
        state=ClockState.SATISFIED,
        satisfied_at=NOW,
        breached_at=NOW - dt.timedelta(minutes=5),
    )
    overdue = clock_of("INFO-COMPLETE", madrid, due_at=NOW - dt.timedelta(minutes=1))
    running = clock_of("PROMISE-KEPT", madrid, due_at=NOW + dt.timedelta(hours=1))
    paused = clock_of("FOLLOWUP-2D", madrid, state=ClockState.PAUSED)
    states = [clock_state_key(clock, NOW) for clock in (met, late, overdue, running, paused)]
    assert states == ["met", "met-late", "breached", "running", "paused"]


def test_the_tag_shows_a_late_clock_as_met_late_and_nothing_else(madrid: Site) -> None:
    late = clock_of(
        "INFO-WRITTEN", madrid, state=ClockState.SATISFIED, satisfied_at=NOW, breached_at=NOW
    )
    template = Template("{% load posventa_ui %}{% clock_state clock %}")
    with translation.override("en"):
        html = template.render(Context({"clock": late}))
    assert 'data-clock-state="met-late"' in html and "Met late" in html
    assert "Breached" not in html and "Satisfied" not in html
    with translation.override("es"):
        assert "Cumplido tarde" in template.render(Context({"clock": late}))
