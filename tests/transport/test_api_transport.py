"""The transport API: availability, reserve (201) or recorded as unmet with the alternative
(200), list, release; errors name the field; another site's token reaches nothing."""

from __future__ import annotations

from posventa.core.models import User
from posventa.customers.models import Customer
from posventa.transport import actions
from posventa.transport.models import Reservation, ReservationStatus
from tests.api.conftest import ApiClient, TokenFactory
from tests.transport.conftest import Desk


def test_availability_reserve_list_and_release(
    api_as: TokenFactory, desk: Desk, customer: Customer, agent: User
) -> None:
    api: ApiClient = api_as(agent)
    day = desk.tomorrow.isoformat()
    seen = api.get("/api/transport/madrid/availability", day=day, online="true")
    assert seen.status_code == 200, seen.content
    free = {item["name"]: item["free"] for item in seen.json()["options"]}
    assert free == {"Coche de cortesía": 1, "Lanzadera": 4, "Taxi": 0}
    made = api.post(
        "/api/transport/madrid/reservations",
        {"option": desk.loaner.pk, "day": day, "online": True, "customer": customer.pk,
         "booking_ref": "APT-31"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["reserved"] and body["reservation"]["kind"] == "loaner"
    listed = api.get("/api/transport/madrid/reservations", day=day)
    assert [row["booking_ref"] for row in listed.json()] == ["APT-31"]
    released = api.post(
        f"/api/transport/reservations/{body['reservation']['id']}/release", {"reason": "moved"}
    )
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert Reservation.objects.get().status == ReservationStatus.RELEASED


def test_a_request_nobody_can_meet_is_recorded_with_the_alternative(
    api_as: TokenFactory, desk: Desk, agent: User
) -> None:
    api: ApiClient = api_as(agent)
    day = desk.tomorrow.isoformat()
    answer = api.post(
        "/api/transport/madrid/reservations", {"option": desk.taxi.pk, "day": day, "online": True}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["reserved"] is False and body["unmet"]["status"] == "open"
    assert body["alternative"] == {
        "option": desk.loaner.pk,
        "name": "Coche de cortesía",
        "day": day,
    }
    unmet = api.get("/api/transport/madrid/unmet")
    assert [row["id"] for row in unmet.json()] == [body["unmet"]["id"]]


def test_bad_input_is_refused_naming_the_field(
    api_as: TokenFactory, desk: Desk, agent: User
) -> None:
    api: ApiClient = api_as(agent)
    past = api.post(
        "/api/transport/madrid/reservations", {"option": desk.taxi.pk, "day": "2020-01-01"}
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "day"
    unknown = api.post(
        "/api/transport/madrid/reservations",
        {"option": 999_999, "day": desk.tomorrow.isoformat()},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "option"
    run = api.post(
        "/api/transport/madrid/reservations",
        {"option": desk.taxi.pk, "day": desk.tomorrow.isoformat(), "run": desk.runs[0].pk},
    )
    assert run.status_code == 422 and run.json()["errors"][0]["field"] == "run"
    status = api.get("/api/transport/madrid/unmet", status="lost")
    assert status.status_code == 422 and status.json()["errors"][0]["field"] == "status"
    no_day = api.get("/api/transport/madrid/availability")
    assert no_day.status_code == 422 and no_day.json()["errors"][0]["field"] == "day"


def test_a_token_of_the_other_site_reaches_nothing(
    api_as: TokenFactory, desk: Desk, outsider: User
) -> None:
    api: ApiClient = api_as(outsider)
    outcome = actions.reserve(desk.site, desk.taxi, desk.tomorrow, online=False)
    assert outcome.reservation is not None
    day = desk.tomorrow.isoformat()
    assert api.get("/api/transport/madrid/availability", day=day).status_code == 404
    assert (
        api.post(
            "/api/transport/madrid/reservations", {"option": desk.taxi.pk, "day": day}
        ).status_code
        == 404
    )
    released = api.post(f"/api/transport/reservations/{outcome.reservation.pk}/release", {})
    assert released.status_code == 404
    assert Reservation.objects.get().status == ReservationStatus.HELD
