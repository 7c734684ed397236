"""INFO-HOURS: a manager compares the site's hours with the group's other sites and the
local competitors they enter; the page is in English, Spanish and Swedish, and a bad entry
is refused on its field, keeping what was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from posventa.core import actions, hours
from posventa.core.models import Competitor, Site, User

T = dt.time
# Open later in the evening on weekdays and on Saturday afternoon; closed on Fridays.
LATE_GARAGE = [(day, T(9), T(21)) for day in range(4)] + [(5, T(9), T(18))]


@pytest.fixture
def competitor(madrid: Site, manager: User) -> Competitor:
    return actions.add_competitor(
        madrid, name="Taller Nocturno", intervals=LATE_GARAGE, actor=manager
    )


def test_the_comparison_says_who_opens_earlier_and_closes_later(
    madrid: Site, goteborg: Site, competitor: Competitor
) -> None:
    table = hours.compare(madrid)
    rows = {row.place.name: row for row in table.rows}
    assert [row.place.kind for row in table.rows] == ["this", "group", "competitor"]
    monday = {name: row.days[0] for name, row in rows.items()}
    assert monday["Exempel Bil Göteborg"].opens_earliest  # 07:00
    assert monday["Taller Nocturno"].closes_latest  # 21:00
    assert not monday["Ejemplo Motor Madrid"].opens_earliest
    friday = rows["Taller Nocturno"].days[4]
    assert friday is None


def test_weekly_evening_and_saturday_hours_are_totalled(
    madrid: Site, competitor: Competitor
) -> None:
    rows = {row.place.name: row.place for row in hours.compare(madrid).rows}
    ours, theirs = rows["Ejemplo Motor Madrid"], rows["Taller Nocturno"]
    assert ours.weekly_hours == 5 * 10 + 4 and ours.saturday_hours == 4
    assert ours.evening_hours == 5 and ours.evening_days == 5  # 18:00-19:00 each weekday
    assert theirs.weekly_hours == 4 * 12 + 9 and theirs.evening_hours == 12
    assert theirs.saturday_hours == 9


def test_a_competitor_needs_a_name_and_hours_that_do_not_overlap(madrid: Site) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.add_competitor(madrid, name=" ", intervals=[])
    assert "name" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        actions.add_competitor(madrid, name="Otro", intervals=[(0, T(9), T(8))])
    assert "hours" in raised.value.message_dict


@pytest.mark.parametrize(
    ("language", "heading", "saturday"),
    [("en", "Opening hours compared", "saturday"), ("es", "Horarios comparados", "sábado"),
     ("sv", "Öppettider jämförda", "lördag")],
)  # fmt: skip
def test_the_manager_page_is_in_the_managers_language(
    client: Client, manager: User, competitor: Competitor, language: str, heading: str,
    saturday: str,
) -> None:  # fmt: skip
    manager.language = language
    manager.save(update_fields=["language"])
    client.force_login(manager)
    page = client.get(reverse("core:hours", args=["madrid"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert heading in text
    assert saturday in text.lower()
    assert "Taller Nocturno" in text and "Europe/Madrid" in text and "Europe/Stockholm" not in text


def test_a_closing_time_before_opening_is_refused_on_its_field_keeping_the_entry(
    client: Client, manager: User, madrid: Site
) -> None:
    client.force_login(manager)
    refused = client.post(
        reverse("core:add_competitor", args=["madrid"]),
        {"name": "Taller del Barrio", "opens_5": "10:00", "closes_5": "09:30",
         "opens_0": "08:00", "closes_0": "20:00"},
    )  # fmt: skip
    assert refused.status_code == 400
    form = refused.context["form"]
    assert "closes_5" in form.errors and list(form.errors) == ["closes_5"]
    text = refused.content.decode()
    assert 'value="Taller del Barrio"' in text and 'value="20:00"' in text
    assert not Competitor.objects.exists()


def test_a_manager_adds_changes_and_removes_a_competitor(
    client: Client, manager: User, madrid: Site
) -> None:
    client.force_login(manager)
    added = client.post(
        reverse("core:add_competitor", args=["madrid"]),
        {"name": "Taller del Barrio", "opens_5": "09:00", "closes_5": "00:00"},
    )
    assert added.status_code == 302
    competitor = Competitor.objects.get()
    assert [(h.weekday, h.start, h.end) for h in competitor.hours.all()] == [(5, T(9), None)]
    edit = client.get(reverse("core:hours", args=["madrid"]), {"edit": competitor.pk})
    assert 'value="09:00"' in edit.content.decode()
    client.post(
        reverse("core:change_competitor", args=["madrid", competitor.pk]),
        {"name": "Taller del Barrio", "opens_0": "07:30", "closes_0": "19:00"},
    )
    assert [h.weekday for h in competitor.hours.all()] == [0]
    client.post(reverse("core:remove_competitor", args=["madrid", competitor.pk]))
    assert not Competitor.objects.exists()


def test_only_managers_of_the_site_open_the_page(
    client: Client, agent: User, outsider: User, madrid: Site
) -> None:
    url = reverse("core:hours", args=["madrid"])
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
