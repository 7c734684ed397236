"""Waiting on us: open obligations of the user's sites, most urgent first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posventa.clocks.models import CalendarKind, ClockState, Standard
from posventa.clocks.views import PAGE_SIZE
from posventa.core.models import Site, User
from tests.ui.helpers import make_clock

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def clock_ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row.clock.pk for row in response.context["rows"]]


def test_it_requires_login(client: Client) -> None:
    response = client.get(reverse("clocks:waiting"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_sorts_by_real_time_left_with_paused_clocks_last(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    later = make_clock("INFO-WEB", madrid, due_at=now + 3 * H, label="later")
    paused = make_clock("INFO-WEB", madrid, state=ClockState.PAUSED, due_at=None, label="paused")
    breached = make_clock(
        "INFO-WRITTEN", madrid, due_at=now - 80 * MIN, breached_at=now - 80 * MIN, label="breached"
    )
    always_open = make_clock(
        "PROMISE-KEPT",
        madrid,
        due_at=now + 30 * MIN,
        calendar_kind=CalendarKind.ALWAYS,
        label="24/7 soon",
    )

    response = login(client, agent).get(reverse("clocks:waiting"))

    assert clock_ids(response) == [breached.pk, always_open.pk, later.pk, paused.pk]


def test_it_shows_breached_time_as_negative_in_red_and_warned_in_amber(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    make_clock(
        "INFO-WRITTEN",
        madrid,
        due_at=now - 80 * MIN - dt.timedelta(seconds=30),
        breached_at=now - 80 * MIN,
        label="Late letter",
    )
    make_clock(
        "INFO-WEB",
        madrid,
        due_at=now + 35 * MIN + dt.timedelta(seconds=20),
        warn_at=now - 5 * MIN,
        label="Web form",
    )

    html = login(client, agent).get(reverse("clocks:waiting")).content.decode()

    assert '<span class="time-left breached">\u22121 h 21 min</span>' in html
    assert '<span class="time-left warned">35 min</span>' in html


def test_it_shows_standard_site_subject_owner_and_calendar(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", madrid, due_at=now + H, owner=agent, label="Question about brakes")

    html = login(client, agent).get(reverse("clocks:waiting")).content.decode()

    for expected in (
        "INFO-WEB",
        Standard.objects.get(code="INFO-WEB").title,
        madrid.name,
        "Question about brakes",
        str(agent),
        "Business hours",
    ):
        assert expected in html


def test_it_uses_the_subject_name_when_the_clock_has_no_label(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", madrid, due_at=now + H, subject=agent)

    response = login(client, agent).get(reverse("clocks:waiting"))

    assert response.context["rows"][0].subject.title == str(agent)


def test_an_outsider_from_another_site_never_sees_the_rows(
    client: Client, outsider: User, madrid: Site, goteborg: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", madrid, due_at=now + H, label="Madrid secret")
    own = make_clock("INFO-WEB", goteborg, due_at=now + H, label="Göteborg row")

    response = login(client, outsider).get(reverse("clocks:waiting"))

    assert clock_ids(response) == [own.pk]
    assert "Madrid secret" not in response.content.decode()


def test_an_outsider_cannot_filter_their_way_into_another_site(
    client: Client, outsider: User, madrid: Site, goteborg: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", madrid, due_at=now + H, label="Madrid secret")

    response = login(client, outsider).get(reverse("clocks:waiting"), {"site": madrid.pk})

    assert "site" in response.context["form"].errors
    assert "Madrid secret" not in response.content.decode()


def test_a_group_admin_sees_every_site(
    client: Client, group_admin: User, madrid: Site, goteborg: Site, now: dt.datetime
) -> None:
    first = make_clock("INFO-WEB", madrid, due_at=now + H)
    second = make_clock("INFO-WEB", goteborg, due_at=now + 2 * H)

    response = login(client, group_admin).get(reverse("clocks:waiting"))

    assert clock_ids(response) == [first.pk, second.pk]


def test_it_hides_closed_clocks(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", madrid, state=ClockState.SATISFIED, satisfied_at=now)
    make_clock("INFO-WEB", madrid, state=ClockState.CANCELLED, cancelled_at=now)
    running = make_clock("INFO-WEB", madrid, due_at=now + H)

    response = login(client, agent).get(reverse("clocks:waiting"))

    assert clock_ids(response) == [running.pk]


def test_filters_by_site_standard_owner_and_breach(
    client: Client,
    group_admin: User,
    agent: User,
    madrid: Site,
    goteborg: Site,
    now: dt.datetime,
) -> None:
    mine_late = make_clock("INFO-WEB", madrid, owner=group_admin, due_at=now - MIN)
    not_marked_yet = make_clock("INFO-WRITTEN", madrid, due_at=now - 2 * MIN)
    someone_elses = make_clock("INFO-WEB", madrid, owner=agent, due_at=now + H)
    elsewhere = make_clock("INFO-WEB", goteborg, owner=group_admin, due_at=now + H)
    client = login(client, group_admin)
    url = reverse("clocks:waiting")

    assert clock_ids(client.get(url, {"site": goteborg.pk})) == [elsewhere.pk]
    assert clock_ids(client.get(url, {"standard": "INFO-WRITTEN"})) == [not_marked_yet.pk]
    assert clock_ids(client.get(url, {"owner": "me"})) == [mine_late.pk, elsewhere.pk]
    assert clock_ids(client.get(url, {"breached": "on"})) == [not_marked_yet.pk, mine_late.pk]
    assert someone_elses.pk in clock_ids(client.get(url, {"owner": "all"}))


def test_an_unknown_standard_is_reported_on_its_field_and_the_list_still_shows(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    row = make_clock("INFO-WEB", madrid, due_at=now + H)

    response = login(client, agent).get(reverse("clocks:waiting"), {"standard": "NOPE"})

    assert "standard" in response.context["form"].errors
    assert clock_ids(response) == [row.pk]


def test_it_pages_by_keyset_from_running_into_paused_subjects(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    running = [
        make_clock("INFO-WEB", madrid, due_at=now + (minutes + 1) * MIN).pk
        for minutes in range(PAGE_SIZE - 1)
    ]
    paused = [
        make_clock(
            "INFO-WEB",
            madrid,
            state=ClockState.PAUSED,
            due_at=None,
            started_at=now - (10 - number) * H,
        ).pk
        for number in range(4)
    ]
    client = login(client, agent)

    first = client.get(reverse("clocks:waiting"))
    cursor = first.context["page"].next_cursor
    second = client.get(reverse("clocks:waiting"), {"after": cursor.encode()})

    assert clock_ids(first) == running + paused[:1]
    assert clock_ids(second) == paused[1:]
    assert second.context["page"].next_cursor is None
    assert 'rel="next" href="?after=p~' in first.content.decode()


def test_a_cursor_that_is_not_one_shows_the_first_page(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    row = make_clock("INFO-WEB", madrid, due_at=now + H)

    response = login(client, agent).get(reverse("clocks:waiting"), {"after": "x~nope~1"})

    assert clock_ids(response) == [row.pk]


def test_htmx_refresh_returns_only_the_table_keeping_the_filters(
    client: Client, agent: User, madrid: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", madrid, due_at=now + H, label="Polled row")

    response = login(client, agent).get(
        reverse("clocks:waiting"), {"owner": "all"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()

    assert "Polled row" in html
    assert "<html" not in html
    assert 'hx-trigger="every 30s"' in html
    assert 'hx-get="/waiting/?owner=all"' in html


def test_the_full_page_polls_every_30_seconds_with_local_htmx(client: Client, agent: User) -> None:
    html = login(client, agent).get(reverse("clocks:waiting")).content.decode()

    assert 'hx-trigger="every 30s"' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_a_swedish_user_sees_swedish(
    client: Client, outsider: User, goteborg: Site, now: dt.datetime
) -> None:
    make_clock("INFO-WEB", goteborg, due_at=now + H)
    assert outsider.language == "sv"

    html = login(client, outsider).get(reverse("clocks:waiting")).content.decode()

    assert "Väntar på oss" in html
    assert "Tid kvar" in html
    assert '<html lang="sv">' in html


def test_the_number_of_queries_does_not_grow_with_the_rows(
    client: Client,
    agent: User,
    madrid: Site,
    now: dt.datetime,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client = login(client, agent)
    make_clock("INFO-WEB", madrid, due_at=now + H)
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("clocks:waiting"))
    for minutes in range(20):
        make_clock("INFO-WEB", madrid, due_at=now + minutes * MIN)

    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(reverse("clocks:waiting"))

    assert len(response.context["rows"]) == 21
