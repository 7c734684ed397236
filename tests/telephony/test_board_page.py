"""The phone board: today's calls against INFO-PHONE, the open callbacks oldest first with
a call button, the longest hold going on, and the hour-of-week heat map of missed calls
over the opening hours."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posventa.core.models import Site, User
from posventa.telephony.board import build_board, missed_heat_map
from posventa.telephony.models import CallEvent, CallEventKind, CallStatus
from tests.telephony.factories_out import make_call, missed_call

pytestmark = pytest.mark.django_db
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def board_url(site: Site) -> str:
    return reverse("telephony_board:board", args=[site.slug])


def test_todays_figures_count_the_sites_calls_of_its_local_day(madrid: Site) -> None:
    now = timezone.now()
    make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=6, started_at=now)
    make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=30, started_at=now,
              answered_within_limit=False)  # fmt: skip
    make_call(madrid, status=CallStatus.ABANDONED, started_at=now, number="+34600000301")
    make_call(madrid, status=CallStatus.COMPLETED, started_at=now - dt.timedelta(days=2))
    board = build_board(madrid, now + dt.timedelta(seconds=60))
    assert board.today.offered == 3
    assert board.today.service_level == pytest.approx(100 / 3)
    assert board.today.average_speed_of_answer == pytest.approx(18)
    assert board.today.abandonment_rate == pytest.approx(100 / 3)


def test_open_callbacks_come_oldest_first_with_a_tel_link(
    client: Client, agent: User, madrid: Site
) -> None:
    now = timezone.now()
    missed_call(madrid, number="+34600000402", started_at=now - dt.timedelta(minutes=5))
    missed_call(madrid, number="+34600000401", started_at=now - dt.timedelta(minutes=50))
    client.force_login(agent)
    page = client.get(board_url(madrid)).content.decode()
    assert page.index("+34600000401") < page.index("+34600000402")
    assert 'href="tel:+34600000401"' in page
    assert "2 callbacks to make" in page


def test_the_longest_hold_going_on_now_is_read_from_the_hold_events(madrid: Site) -> None:
    now = timezone.now()
    started = now - dt.timedelta(minutes=3)
    live = make_call(madrid, status=CallStatus.IN_PROGRESS, started_at=started, close=False)
    over = make_call(
        madrid,
        status=CallStatus.IN_PROGRESS,
        started_at=started,
        number="+34600000502",
        close=False,
    )
    for call, kind, ago in [
        (live, CallEventKind.HOLD_STARTED, 100),
        (live, CallEventKind.HOLD_ENDED, 90),
        (live, CallEventKind.HOLD_STARTED, 45),
        (over, CallEventKind.HOLD_STARTED, 150),
        (over, CallEventKind.HOLD_ENDED, 20),
    ]:
        CallEvent.objects.create(
            call=call, kind=kind, occurred_at=now - dt.timedelta(seconds=ago),
            dedupe_key=f"{call.pk}-{kind}-{ago}",
        )  # fmt: skip
    board = build_board(madrid, now)
    assert board.in_progress == 2
    assert board.longest_hold_seconds == 45


def test_the_heat_map_puts_a_missed_call_in_its_local_hour_and_shows_closed_hours(
    madrid: Site,
) -> None:
    # Tuesday 1 December 2026 at 19:30 in Madrid (closed from 19:00), and 10:15 (open).
    evening = dt.datetime(2026, 12, 1, 19, 30, tzinfo=MADRID)
    morning = dt.datetime(2026, 12, 1, 10, 15, tzinfo=MADRID)
    for at, number in [
        (evening, "+34600000601"),
        (evening, "+34600000602"),
        (morning, "+34600000603"),
    ]:
        make_call(madrid, status=CallStatus.MISSED, number=number, started_at=at, close=False)
    heat = missed_heat_map(madrid, dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC), MADRID)
    tuesday = heat.rows[1].cells
    assert tuesday[19].missed == 2 and not tuesday[19].open and tuesday[19].level == 4
    assert tuesday[10].missed == 1 and tuesday[10].open
    assert heat.rows[6].cells[10].open is False  # Sunday: closed all day
    assert (heat.total, heat.outside_hours) == (3, 2)


def test_the_board_answers_htmx_polls_with_the_live_part_only(
    client: Client, agent: User, madrid: Site
) -> None:
    client.force_login(agent)
    response = client.get(board_url(madrid), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="board-live"') and "<html" not in body


def test_another_sites_board_is_not_found(client: Client, outsider: User, madrid: Site) -> None:
    client.force_login(outsider)
    assert client.get(board_url(madrid)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client: Client, madrid: Site) -> None:
    response = client.get(board_url(madrid))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_boards_page_lists_only_the_sites_one_works_at(
    client: Client, agent: User, madrid: Site, goteborg: Site
) -> None:
    client.force_login(agent)
    page = client.get(reverse("telephony_board:boards")).content.decode()
    assert f'href="{board_url(madrid)}"' in page and board_url(goteborg) not in page


def test_the_board_costs_the_same_queries_for_3_callbacks_as_for_30(
    client: Client, agent: User, madrid: Site
) -> None:
    client.force_login(agent)

    def queries_with(count: int) -> int:
        for n in range(count):
            missed_call(madrid, number=f"+3460009{count:02d}{n:03d}")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_url(madrid)).status_code == 200
        return len(captured)

    assert queries_with(3) == queries_with(30)


def test_the_heat_map_is_exact_in_a_zone_half_an_hour_off(madrid: Site) -> None:
    madrid.timezone = "Asia/Kolkata"  # UTC+05:30
    madrid.save()
    zone = zoneinfo.ZoneInfo("Asia/Kolkata")
    # 09:50 and 10:10 local on Tuesday: one UTC hour (04:00-05:00), two local hours.
    for minute, number in ((50, "+34600000801"), (70, "+34600000802")):
        at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=zone) + dt.timedelta(minutes=minute)
        make_call(madrid, status=CallStatus.MISSED, number=number, started_at=at, close=False)
    heat = missed_heat_map(madrid, dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC), zone)
    assert (heat.rows[1].cells[9].missed, heat.rows[1].cells[10].missed) == (1, 1)
