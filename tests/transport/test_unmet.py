"""A request that cannot be met is recorded, offered an alternative, runs an
INFO-TRANSPORT clock, shows on the waiting list, and is closed by staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from posventa.clocks.models import Clock, ClockState
from posventa.clocks.subjects import present
from posventa.core.models import User
from posventa.customers.models import Customer
from posventa.transport import actions
from posventa.transport.models import UnmetStatus, UnmetTransport
from tests.transport.conftest import Desk


def clock_of(unmet: UnmetTransport) -> Clock:
    return Clock.objects.get(
        subject_type=ContentType.objects.get_for_model(UnmetTransport),
        subject_id=str(unmet.pk),
        standard_id="INFO-TRANSPORT",
    )


def fill_taxis(desk: Desk, day: dt.date) -> None:
    for _ in range(desk.taxi.daily_total):
        assert actions.reserve(desk.site, desk.taxi, day, online=False).reserved


def test_a_full_option_offers_another_option_that_day(desk: Desk, customer: Customer) -> None:
    fill_taxis(desk, desk.tomorrow)
    outcome = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer)
    assert not outcome.reserved and outcome.unmet is not None
    assert outcome.alternative is not None
    # Loaner before shuttle: options are offered in kind order, and a loaner is free.
    assert outcome.alternative.option == desk.loaner and outcome.alternative.day == desk.tomorrow
    assert outcome.unmet.offered_option == desk.loaner
    clock = clock_of(outcome.unmet)
    assert clock.state == ClockState.RUNNING and clock.due_at is not None


def test_with_nothing_else_that_day_the_nearest_day_with_the_wanted_option_is_offered(
    desk: Desk, customer: Customer
) -> None:
    for option in (desk.loaner, desk.shuttle):
        actions.change_option(option, daily_total=0, online_share=0)
    fill_taxis(desk, desk.tomorrow)
    outcome = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer)
    assert outcome.alternative is not None
    # Today is nearer than the day after tomorrow only if it is not in the past: equal
    # distance, the later day is looked at first.
    assert outcome.alternative.option == desk.taxi
    assert outcome.alternative.day == desk.tomorrow + dt.timedelta(days=1)


def test_the_alternative_is_reserved_and_the_clock_met(
    desk: Desk, customer: Customer, agent: User
) -> None:
    fill_taxis(desk, desk.tomorrow)
    outcome = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer)
    assert outcome.unmet is not None
    accepted = actions.accept_alternative(outcome.unmet, actor=agent)
    assert accepted.reservation is not None and accepted.reservation.option == desk.loaner
    outcome.unmet.refresh_from_db()
    assert outcome.unmet.status == UnmetStatus.ARRANGED
    assert outcome.unmet.reservation == accepted.reservation
    assert clock_of(outcome.unmet).state == ClockState.SATISFIED


def test_staff_record_what_they_arranged_and_a_note_is_required(
    desk: Desk, customer: Customer, agent: User
) -> None:
    fill_taxis(desk, desk.tomorrow)
    unmet = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False).unmet
    assert unmet is not None
    with pytest.raises(ValidationError) as raised:
        actions.close_unmet(unmet, status=UnmetStatus.DECLINED, note=" ", actor=agent)
    assert "note" in raised.value.message_dict
    actions.close_unmet(unmet, status=UnmetStatus.DECLINED, note="Vendrá en autobús", actor=agent)
    assert clock_of(unmet).state == ClockState.SATISFIED
    with pytest.raises(ValidationError) as raised:
        actions.close_unmet(unmet, status=UnmetStatus.ARRANGED, note="otra vez", actor=agent)
    assert "status" in raised.value.message_dict


def test_the_waiting_list_shows_the_request_with_its_customer(
    desk: Desk, customer: Customer
) -> None:
    fill_taxis(desk, desk.tomorrow)
    unmet = actions.reserve(
        desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer
    ).unmet
    assert unmet is not None
    clock = clock_of(unmet)
    [card] = present([(clock.subject_type_id, clock.subject_id)], {}).values()
    assert card.customer == "Rocío Ejemplo" and "/transport/sites/madrid/" in card.url
