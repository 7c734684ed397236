"""The transport desk page: the day's availability, reservations, loaners out and in with
their readings, shuttle passengers and unmet requests; refusals keep what was typed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posventa.core.models import User
from posventa.customers.models import Customer
from posventa.transport import actions
from posventa.transport.models import LoanerTrip, Reservation
from tests.transport.conftest import Desk


def board_url(desk: Desk) -> str:
    return reverse("transport:board", args=[desk.site.slug]) + f"?day={desk.tomorrow:%Y-%m-%d}"


def reserve_loaner(desk: Desk, customer: Customer) -> Reservation:
    outcome = actions.reserve(
        desk.site, desk.loaner, desk.tomorrow, online=False, customer=customer
    )
    assert outcome.reservation is not None
    return outcome.reservation


def test_the_board_shows_reservations_passengers_and_what_is_free(
    client: Client, desk: Desk, customer: Customer, agent: User
) -> None:
    reserve_loaner(desk, customer)
    actions.reserve(desk.site, desk.shuttle, desk.tomorrow, online=True, customer=customer)
    client.force_login(agent)
    page = client.get(board_url(desk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rocío Ejemplo" in text and "08:30" in text and "1 of 2 seats" in text
    assert "Europe/Madrid" in text
    assert reverse("transport:hand_over", args=[Reservation.objects.first().pk]) in text


def test_a_hand_over_and_a_return_are_recorded_from_the_page(
    client: Client, desk: Desk, customer: Customer, agent: User
) -> None:
    reservation = reserve_loaner(desk, customer)
    client.force_login(agent)
    prefix = f"out{reservation.pk}"
    sent = client.post(
        reverse("transport:hand_over", args=[reservation.pk]),
        {f"{prefix}-car": desk.cars[0].pk, f"{prefix}-odometer_km": "12000",
         f"{prefix}-fuel_eighths": "8"},
    )  # fmt: skip
    assert sent.status_code == 302
    trip = LoanerTrip.objects.get()
    back = client.post(
        reverse("transport:return", args=[trip.pk]),
        {f"in{trip.pk}-odometer_km": "12080", f"in{trip.pk}-fuel_eighths": "6"},
    )
    assert back.status_code == 302
    trip.refresh_from_db()
    assert (trip.in_odometer_km, trip.in_fuel_eighths) == (12_080, 6)


def test_a_lower_odometer_at_return_is_refused_on_the_field_keeping_what_was_typed(
    client: Client, desk: Desk, customer: Customer, agent: User
) -> None:
    reservation = reserve_loaner(desk, customer)
    trip = actions.hand_over_loaner(reservation, desk.cars[0], odometer_km=12_000, fuel_eighths=8)
    client.force_login(agent)
    refused = client.post(
        reverse("transport:return", args=[trip.pk]),
        {f"in{trip.pk}-odometer_km": "11950", f"in{trip.pk}-fuel_eighths": "3"},
    )
    assert refused.status_code == 400
    form = next(row[1] for row in refused.context["trip_rows"] if row[0].pk == trip.pk)
    assert "odometer_km" in form.errors and "12000" in form.errors["odometer_km"][0]
    text = refused.content.decode()
    assert 'value="11950"' in text and 'value="3"' in text
    trip.refresh_from_db()
    assert trip.is_out


def test_staff_close_an_unmet_request_from_the_page(
    client: Client, desk: Desk, customer: Customer, agent: User
) -> None:
    for _ in range(2):
        actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False)
    unmet = actions.reserve(
        desk.site, desk.taxi, desk.tomorrow, online=False, customer=customer
    ).unmet
    assert unmet is not None
    client.force_login(agent)
    assert "Requests we could not meet" in client.get(board_url(desk)).content.decode()
    missing = client.post(
        reverse("transport:close_unmet", args=[unmet.pk]), {f"unmet{unmet.pk}-status": "arranged"}
    )
    assert missing.status_code == 400
    assert "Say what was arranged" in missing.content.decode()
    done = client.post(reverse("transport:accept_alternative", args=[unmet.pk]), {})
    assert done.status_code == 302
    unmet.refresh_from_db()
    assert unmet.status == "arranged"


def test_a_bad_day_is_refused_on_the_day_field(client: Client, desk: Desk, agent: User) -> None:
    client.force_login(agent)
    page = client.get(reverse("transport:board", args=[desk.site.slug]), {"day": "31-02-2026"})
    assert page.status_code == 400
    assert "day" in page.context["day_form"].errors


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_the_other_site_and_anonymous_visitors_do_not_get_the_board(
    client: Client, desk: Desk, outsider: User, who: str
) -> None:
    if who == "outsider":
        client.force_login(outsider)
    response = client.get(board_url(desk))
    assert response.status_code == (404 if who == "outsider" else 302)


def test_the_board_costs_the_same_queries_for_three_reservations_as_for_eight(
    client: Client, desk: Desk, customer: Customer, agent: User
) -> None:
    client.force_login(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_url(desk)).status_code == 200
        return len(captured)

    actions.change_option(desk.shuttle, daily_total=10, online_share=0)
    for _ in range(3):
        actions.reserve(desk.site, desk.shuttle, desk.tomorrow, online=False, customer=customer)
    few = queries()
    actions.add_shuttle_run(desk.shuttle, departs_at=desk.runs[1].departs_at, seats=6)
    for _ in range(5):
        actions.reserve(desk.site, desk.shuttle, desk.tomorrow, online=False, customer=customer)
    assert queries() == few
