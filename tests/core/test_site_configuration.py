"""A site's calendar inputs are validated, and every bad field is named in the error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from posventa.core import actions
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Event, Organisation, Site

T = dt.time


def create(group: Organisation, **overrides: object) -> Site:
    fields: dict[str, object] = {
        "name": "Taller",
        "slug": "taller",
        "timezone": "Europe/Madrid",
        "country": "ES",
        "intervals": [(0, T(9), T(18))],
    }
    fields.update(overrides)
    return actions.create_site(group, **fields)  # type: ignore[arg-type]


def test_an_invalid_timezone_is_refused_naming_the_field(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        create(group, timezone="Europe/Atlantis")
    assert "timezone" in error.value.message_dict
    assert not Site.objects.filter(slug="taller").exists()


def test_an_unknown_country_is_refused_naming_the_field(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        create(group, country="XX")
    assert "country" in error.value.message_dict


def test_an_unknown_subdivision_is_refused_naming_the_field(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        create(group, subdivision="ZZZ")
    assert "subdivision" in error.value.message_dict


def test_inverted_opening_interval_is_refused(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        create(group, intervals=[(0, T(18), T(9))])
    assert "intervals" in error.value.message_dict


def test_overlapping_opening_intervals_are_refused(group: Organisation) -> None:
    with pytest.raises(ValidationError) as error:
        create(group, intervals=[(0, T(9), T(14)), (0, T(13), T(18))])
    assert "intervals" in error.value.message_dict


def test_split_shift_and_midnight_interval_are_accepted(group: Organisation) -> None:
    site = create(group, intervals=[(0, T(8), T(13)), (0, T(14), T(19)), (4, T(20), None)])
    assert site.opening_intervals.count() == 3


def test_changing_hours_rebuilds_the_calendar(madrid: Site) -> None:
    monday_0730 = dt.datetime(2026, 11, 30, 7, 30, tzinfo=dt.UTC)  # 08:30 in Madrid
    assert calendar_for_site(madrid).is_open(monday_0730)
    actions.set_opening_hours(madrid, [(0, T(10), T(12))])
    madrid.refresh_from_db()
    assert not calendar_for_site(madrid).is_open(monday_0730)
    assert Event.objects.filter(verb="site.hours_changed").count() == 1


def test_public_holidays_close_the_site_unless_overridden(madrid: Site) -> None:
    immaculate_conception = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)  # a Tuesday
    assert not calendar_for_site(madrid).is_open(immaculate_conception)
    actions.open_on_holiday(madrid, dt.date(2026, 12, 8), "Campaña de invierno")
    assert calendar_for_site(madrid).is_open(immaculate_conception)


def test_a_site_closure_closes_whole_days(madrid: Site) -> None:
    actions.add_closure(madrid, dt.date(2026, 12, 1), dt.date(2026, 12, 2), "Inventario")
    assert not calendar_for_site(madrid).is_open(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC))
    assert calendar_for_site(madrid).is_open(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC))


def test_a_closure_ending_before_it_starts_is_refused(madrid: Site) -> None:
    with pytest.raises(ValidationError) as error:
        actions.add_closure(madrid, dt.date(2026, 12, 2), dt.date(2026, 12, 1))
    assert "end_date" in error.value.message_dict
