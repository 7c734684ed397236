"""Who is on duty: working hours, the site's holidays and closures, and absences."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from posventa.core import actions
from posventa.core.models import Event, Site, User
from posventa.core.staffing import on_duty, working_windows

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = dt.date(2026, 12, 14)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MADRID).astimezone(dt.UTC)


def windows_on(site: Site, user: User, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    return working_windows(site, [user.pk], day, day)[user.pk].get(day, [])


def test_someone_without_shifts_works_the_sites_opening_hours(madrid: Site, agent: User) -> None:
    site_hours = list(madrid.opening_intervals.filter(weekday=0))
    assert site_hours
    windows = windows_on(madrid, agent, MONDAY)
    assert windows[0][0] == local(MONDAY, site_hours[0].start.hour, site_hours[0].start.minute)


def test_own_shifts_replace_the_sites_hours(madrid: Site, agent: User) -> None:
    actions.set_working_hours(agent, madrid, [(0, dt.time(7), dt.time(11))])
    assert windows_on(madrid, agent, MONDAY) == [(local(MONDAY, 7), local(MONDAY, 11))]
    # Tuesday has no shift of theirs: they do not work then.
    assert windows_on(madrid, agent, MONDAY + dt.timedelta(days=1)) == []
    assert Event.objects.filter(verb="staff.hours_changed").count() == 1


def test_nobody_works_on_a_public_holiday_of_the_site(madrid: Site, agent: User) -> None:
    actions.set_working_hours(agent, madrid, [(1, dt.time(7), dt.time(11))])
    christmas = dt.date(2026, 12, 8)  # Inmaculada Concepción, a Tuesday
    assert windows_on(madrid, agent, christmas) == []


def test_a_closure_of_the_site_removes_everyones_hours(madrid: Site, agent: User) -> None:
    actions.add_closure(madrid, MONDAY, MONDAY, "Inventory")
    assert windows_on(madrid, agent, MONDAY) == []


def test_an_absence_splits_the_day(madrid: Site, agent: User) -> None:
    actions.set_working_hours(agent, madrid, [(0, dt.time(8), dt.time(16))])
    actions.record_absence(agent, local(MONDAY, 10), local(MONDAY, 12), "Dentist")
    assert windows_on(madrid, agent, MONDAY) == [
        (local(MONDAY, 8), local(MONDAY, 10)),
        (local(MONDAY, 12), local(MONDAY, 16)),
    ]
    assert not on_duty(agent, madrid, local(MONDAY, 11))
    assert on_duty(agent, madrid, local(MONDAY, 9))
    assert on_duty(agent, madrid, local(MONDAY, 12))
    assert not on_duty(agent, madrid, local(MONDAY, 16))


def test_a_night_shift_is_on_duty_after_midnight(madrid: Site, agent: User) -> None:
    actions.set_working_hours(agent, madrid, [(0, dt.time(22), None), (1, dt.time(0), dt.time(6))])
    assert on_duty(agent, madrid, local(MONDAY + dt.timedelta(days=1), 3))


def test_cancelling_an_absence_gives_the_hours_back(madrid: Site, agent: User) -> None:
    actions.set_working_hours(agent, madrid, [(0, dt.time(8), dt.time(16))])
    absence = actions.record_absence(agent, local(MONDAY, 0), local(MONDAY, 23), "Flu")
    assert windows_on(madrid, agent, MONDAY) == []
    actions.cancel_absence(absence)
    assert windows_on(madrid, agent, MONDAY) == [(local(MONDAY, 8), local(MONDAY, 16))]
    assert Event.objects.filter(verb="staff.absence_cancelled").count() == 1


def test_an_absence_that_ends_before_it_starts_is_refused(agent: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.record_absence(agent, local(MONDAY, 12), local(MONDAY, 10))
    assert "ends_at" in refused.value.message_dict


def test_overlapping_shifts_are_refused_by_name(madrid: Site, agent: User) -> None:
    with pytest.raises(ValidationError):
        actions.set_working_hours(
            agent, madrid, [(0, dt.time(8), dt.time(12)), (0, dt.time(11), dt.time(14))]
        )


def test_windows_for_many_people_take_the_same_few_queries(
    madrid: Site, agent: User, manager: User, django_assert_max_num_queries: object
) -> None:
    actions.set_working_hours(agent, madrid, [(0, dt.time(8), dt.time(16))])
    actions.set_working_hours(manager, madrid, [(1, dt.time(8), dt.time(16))])
    colleague = User.objects.create(username="colleague")
    last = MONDAY + dt.timedelta(days=29)
    working_windows(madrid, [agent.pk], MONDAY, last)  # builds the site's cached calendar
    # Shifts, absences, the site's closures and holiday overrides: for any number of people.
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        windows = working_windows(madrid, [agent.pk, manager.pk, colleague.pk], MONDAY, last)
    assert len(windows[agent.pk]) >= 4
    assert len(windows[manager.pk]) >= 4
    assert len(windows[colleague.pk]) > len(windows[agent.pk])
