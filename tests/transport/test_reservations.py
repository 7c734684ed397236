"""Reserving and releasing units: the online share, the staff share, loaner cars and
shuttle seats as limits, and refusals that name the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from posventa.core import actions as core_actions
from posventa.core.models import Event, Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.transport import actions, availability
from posventa.transport.models import ReservationStatus, TransportOption
from tests.transport.conftest import Desk


def free(desk: Desk, option: TransportOption, *, online: bool, day: dt.date | None = None) -> int:
    return availability.free_units(option, day or desk.tomorrow, online=online)


def test_the_online_share_is_held_apart_from_the_staff_share(
    desk: Desk, customer: Customer
) -> None:
    assert free(desk, desk.taxi, online=False) == 2
    assert free(desk, desk.taxi, online=True) == 0
    assert free(desk, desk.shuttle, online=True) == 4
    assert free(desk, desk.shuttle, online=False) == 5  # 6 staff units, 5 seats on the runs
    online = actions.reserve(desk.site, desk.loaner, desk.tomorrow, online=True, customer=customer)
    assert online.reserved
    # The online unit is gone; the desk still has its two.
    assert free(desk, desk.loaner, online=True) == 0
    assert free(desk, desk.loaner, online=False) == 1  # only one car is left at all


def test_a_loaner_option_never_gives_more_than_the_cars_in_service(
    desk: Desk, customer: Customer, agent: User
) -> None:
    day = desk.tomorrow
    first = actions.reserve(
        desk.site, desk.loaner, day, online=False, customer=customer, actor=agent
    )
    second = actions.reserve(
        desk.site, desk.loaner, day, online=False, customer=customer, actor=agent
    )
    assert first.reserved and second.reserved
    third = actions.reserve(
        desk.site, desk.loaner, day, online=True, customer=customer, actor=agent
    )
    # The option's total is 3 with one online, but only two cars exist.
    assert not third.reserved and third.unmet is not None
    assert actions.set_loaner_in_service(desk.cars[0], in_service=False)
    assert free(desk, desk.loaner, online=False, day=day + dt.timedelta(days=1)) == 1


def test_a_shuttle_reservation_takes_the_first_run_with_a_seat(
    desk: Desk, customer: Customer
) -> None:
    morning, evening = desk.runs
    taken = [
        actions.reserve(desk.site, desk.shuttle, desk.tomorrow, online=False, customer=customer)
        for _ in range(3)
    ]
    assert [outcome.reservation.run for outcome in taken if outcome.reservation] == [
        morning, morning, evening,
    ]  # fmt: skip
    asked = actions.reserve(
        desk.site, desk.shuttle, desk.tomorrow, online=True, customer=customer, run=morning
    )
    assert not asked.reserved  # that run is full, even though the evening one is not
    seen = availability.options_on(desk.site, desk.tomorrow, online=True)
    runs = {item.run.pk: item.free for entry in seen for item in entry.runs}
    assert runs == {morning.pk: 0, evening.pk: 2}


def test_a_released_unit_can_be_reserved_again(desk: Desk, customer: Customer, agent: User) -> None:
    outcome = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer)
    actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer)
    assert free(desk, desk.taxi, online=False) == 0
    assert outcome.reservation is not None
    released = actions.release(outcome.reservation, actor=agent, reason="Cita anulada")
    assert released.status == ReservationStatus.RELEASED
    assert free(desk, desk.taxi, online=False) == 1
    assert actions.release(released, actor=agent).released_at == released.released_at
    verbs = list(Event.objects.filter(verb__startswith="transport.").values_list("verb", flat=True))
    assert verbs.count("transport.reserved") == 2 and verbs.count("transport.released") == 1


def test_release_booking_frees_everything_of_one_appointment(
    desk: Desk, customer: Customer
) -> None:
    actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, booking_ref="APT-7")
    actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, booking_ref="APT-7")
    unmet = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False, booking_ref="APT-7")
    assert unmet.unmet is not None
    assert actions.release_booking(desk.site, "APT-7", reason="moved") == 3
    unmet.unmet.refresh_from_db()
    assert unmet.unmet.status == "withdrawn"
    assert free(desk, desk.taxi, online=False) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": "past"}, "day"),
        ({"option": "other_site"}, "option"),
        ({"run": "other_option"}, "run"),
        ({"customer": "other_group"}, "customer"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field(
    desk: Desk, goteborg: Site, customer: Customer, change: dict[str, str], field: str
) -> None:
    option, day, run, who = desk.shuttle, desk.tomorrow, None, customer
    if "day" in change:
        day = desk.tomorrow - dt.timedelta(days=3)
    if "option" in change:
        option = actions.create_option(goteborg, kind="taxi", name="Taxi", daily_total=1)
    if "run" in change:
        option = desk.taxi
        run = desk.runs[0]
    if "customer" in change:
        other = core_actions.create_organisation("Otro Grupo", "otro")
        who = customer_actions.create_customer(other, display_name="Nadie Ejemplo")
    with pytest.raises(ValidationError) as raised:
        actions.reserve(desk.site, option, day, online=False, customer=who, run=run)
    assert field in raised.value.message_dict


def test_an_online_share_above_the_total_is_refused_on_its_field(madrid: Site) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.create_option(madrid, kind="taxi", name="Taxi", daily_total=2, online_share=3)
    assert "online_share" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        actions.create_option(madrid, kind="bicycle", name="Bici", daily_total=2)
    assert "kind" in raised.value.message_dict


def test_two_loaner_options_share_the_sites_cars(desk: Desk, customer: Customer) -> None:
    premium = actions.create_option(desk.site, kind="loaner", name="Premium", daily_total=2)
    assert actions.reserve(desk.site, desk.loaner, desk.tomorrow, online=False).reserved
    assert actions.reserve(desk.site, premium, desk.tomorrow, online=False).reserved
    # Both cars are promised: neither option has one left, whatever its own total says.
    assert free(desk, desk.loaner, online=False) == 0
    assert free(desk, premium, online=False) == 0
    assert not actions.reserve(desk.site, premium, desk.tomorrow, online=False).reserved
