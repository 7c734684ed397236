"""The appointments API: search slots, book, reschedule, cancel, no-show, with structured
errors that name the field, and nothing of another site."""

from __future__ import annotations

import datetime as dt

from posventa.core.models import Site, User
from posventa.workshop.models import Appointment, AppointmentStatus
from tests.api.conftest import TokenFactory
from tests.workshop import conftest as workshop_fixtures
from tests.workshop.conftest import open_weekday

# The workshop's fixtures (a Madrid workshop with bays, technicians and types).
bays = workshop_fixtures.bays
technicians = workshop_fixtures.technicians
types = workshop_fixtures.types
workshop = workshop_fixtures.workshop

BODY = {
    "site": "madrid",
    "types": ["oil-service"],
    "contact_name": "Amparo Irreal",
    "contact_email": "amparo.irreal@example.net",
    "preferred_method": "email",
    "language": "es",
}


def test_search_then_book_then_move_then_cancel(
    api_as: TokenFactory, agent: User, workshop: Site
) -> None:
    api = api_as(agent)
    start = open_weekday(workshop, 9)
    found = api.get(
        "/api/sites/madrid/slots", types="oil-service", first_day=start.date().isoformat(), days=1
    )
    assert found.status_code == 200
    starts = [dt.datetime.fromisoformat(slot["starts_at"]) for slot in found.json()]
    assert start in starts
    booked = api.post("/api/appointments", {**BODY, "starts_at": start.isoformat()})
    assert booked.status_code == 201, booked.json()
    appointment_id = booked.json()["id"]
    assert booked.json()["types"] == ["oil-service"] and booked.json()["booked_via"] == "api"
    later = start + dt.timedelta(hours=2)
    moved = api.post(
        f"/api/appointments/{appointment_id}/reschedule", {"starts_at": later.isoformat()}
    )
    assert (
        moved.status_code == 200 and dt.datetime.fromisoformat(moved.json()["starts_at"]) == later
    )
    cancelled = api.post(f"/api/appointments/{appointment_id}/cancel", {"reason": "Viaje"})
    assert cancelled.json()["status"] == AppointmentStatus.CANCELLED
    listed = api.get("/api/appointments", site="madrid")
    assert [row["id"] for row in listed.json()["items"]] == [appointment_id]


def test_refusals_name_the_field(api_as: TokenFactory, agent: User, workshop: Site) -> None:
    api = api_as(agent)
    start = open_weekday(workshop, 9)
    sunday = start + dt.timedelta(days=6 - start.weekday())
    closed = api.post("/api/appointments", {**BODY, "starts_at": sunday.isoformat()})
    assert closed.status_code == 422
    assert closed.json()["errors"][0]["field"] == "starts_at"
    unknown = api.post(
        "/api/appointments", {**BODY, "types": ["teleport"], "starts_at": start.isoformat()}
    )
    assert unknown.json()["errors"][0]["field"] == "types"
    naive = api.post("/api/appointments", {**BODY, "starts_at": "2030-01-08T09:00:00"})
    assert naive.status_code == 422
    api.post("/api/appointments", {**BODY, "starts_at": start.isoformat()})
    api.post("/api/appointments", {**BODY, "starts_at": start.isoformat()})
    taken = api.post("/api/appointments", {**BODY, "starts_at": start.isoformat()})
    assert taken.status_code == 422 and "no longer free" in taken.json()["errors"][0]["message"]
    appointment = Appointment.objects.first()
    assert appointment is not None
    early = api.post(f"/api/appointments/{appointment.pk}/no-show", {})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "status"


def test_another_sites_token_sees_nothing(
    api_as: TokenFactory, outsider: User, workshop: Site
) -> None:
    api = api_as(outsider)
    assert api.get("/api/sites/madrid/slots", types="oil-service").status_code == 404
    start = open_weekday(workshop, 9)
    refused = api.post("/api/appointments", {**BODY, "starts_at": start.isoformat()})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "site"
    assert not Appointment.objects.exists()
