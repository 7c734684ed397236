"""The public booking page through real requests: find a time, book it, and every refusal
comes back on its field with everything the customer typed still there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from posventa.core.models import Site
from posventa.customers import actions as customer_actions
from posventa.workshop.actions import requests
from posventa.workshop.models import Appointment, AppointmentType, BookingRequest, RequestStatus
from tests.workshop.conftest import book, clock_of, open_weekday

FORM = {
    "types": ["oil-service"],
    "contact_name": "Lucía Inventada",
    "contact_email": "lucia.inventada@example.net",
    "contact_phone": "+34600999888",
    "preferred_method": "email",
    "vehicle": "9999 ZZZ",
    "notes": "Hace un ruido al frenar",
}


def url(site: Site) -> str:
    return reverse("workshop_public:book", args=[site.slug])


def test_the_site_page_links_to_booking(client: Client, workshop: Site) -> None:
    page = client.get(reverse("core:site_page", args=[workshop.slug])).content.decode()
    assert url(workshop) in page


def test_find_then_book_a_time_and_land_on_the_confirmation(client: Client, workshop: Site) -> None:
    start = open_weekday(workshop, 9)
    found = client.post(
        url(workshop), {**FORM, "first_day": start.date().isoformat(), "action": "find"}
    )
    assert found.status_code == 200
    assert start.astimezone(dt.UTC).isoformat() in found.content.decode()  # a slot's value
    booked = client.post(url(workshop), {**FORM, "starts_at": start.isoformat(), "action": "book"})
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == start and appointment.notes == FORM["notes"]
    page = client.get(booked["Location"]).content.decode()
    assert "data-booked" in page and "09:00" in page


def test_a_time_taken_meanwhile_is_refused_and_the_form_keeps_what_was_typed(
    client: Client, workshop: Site, types: dict[str, AppointmentType]
) -> None:
    start = open_weekday(workshop, 9)
    book(workshop, [types["oil-service"]], start)
    book(workshop, [types["oil-service"]], start)  # both bays now taken at 9:00
    response = client.post(
        url(workshop), {**FORM, "starts_at": start.isoformat(), "action": "book"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="starts_at"' in page and "no longer free" in page
    for typed in (
        "Lucía Inventada",
        "lucia.inventada@example.net",
        "9999 ZZZ",
        "Hace un ruido al frenar",
    ):
        assert typed in page


def test_a_closed_day_and_an_hour_outside_opening_are_refused_on_the_time(
    client: Client, workshop: Site
) -> None:
    start = open_weekday(workshop, 9)
    sunday = start + dt.timedelta(days=6 - start.weekday())
    closed = client.post(url(workshop), {**FORM, "starts_at": sunday.isoformat(), "action": "book"})
    assert closed.status_code == 400 and "is closed on" in closed.content.decode()
    late = client.post(
        url(workshop), {**FORM, "starts_at": start.replace(hour=21).isoformat(), "action": "book"}
    )
    assert late.status_code == 400 and "outside opening hours" in late.content.decode()
    assert not Appointment.objects.exists()


def test_a_lower_odometer_is_refused_on_its_field(client: Client, workshop: Site) -> None:
    vehicle = customer_actions.register_vehicle(
        workshop.organisation, vin="VF1RFB00X61234567", plate="9999 ZZZ"
    )
    customer_actions.record_odometer(vehicle, 50_000)
    start = open_weekday(workshop, 9)
    response = client.post(
        url(workshop),
        {**FORM, "odometer": "41.000", "starts_at": start.isoformat(), "action": "book"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "lower than the previous reading" in page and "41.000" in page


def test_missing_contact_and_services_are_named(client: Client, workshop: Site) -> None:
    response = client.post(url(workshop), {"preferred_method": "sms", "action": "book"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-error-for="types"' in page or "Choose a service" in page


def test_no_time_fitting_keeps_the_request_with_a_clock(client: Client, workshop: Site) -> None:
    response = client.post(url(workshop), {**FORM, "action": "keep"})
    assert response.status_code == 302
    kept = BookingRequest.objects.get()
    assert kept.status == RequestStatus.OPEN and kept.source == "no_slot"
    assert kept.type_codes == ["oil-service"]
    assert clock_of(kept, "FOLLOWUP-REBOOK").state == "running"


def test_leaving_after_typing_a_contact_becomes_a_request_once_abandoned(
    client: Client, workshop: Site
) -> None:
    client.post(url(workshop), {**FORM, "action": "find"})
    draft = BookingRequest.objects.get()
    assert draft.status == RequestStatus.DRAFT
    later = draft.created_at + dt.timedelta(minutes=31)
    assert requests.open_abandoned_requests(now=later) == 1
    draft.refresh_from_db()
    assert draft.status == RequestStatus.OPEN and draft.source == "left_page"
    assert requests.open_abandoned_requests(now=later) == 0


def test_booking_after_a_search_closes_the_draft_as_booked(client: Client, workshop: Site) -> None:
    start = open_weekday(workshop, 9)
    client.post(url(workshop), {**FORM, "action": "find"})
    client.post(url(workshop), {**FORM, "starts_at": start.isoformat(), "action": "book"})
    draft = BookingRequest.objects.get()
    assert draft.status == RequestStatus.BOOKED and draft.appointment is not None
    assert requests.open_abandoned_requests(now=draft.created_at + dt.timedelta(hours=2)) == 0


@pytest.mark.parametrize("language,words", [("es", "Buscar una hora"), ("sv", "Hitta en tid")])
def test_the_page_speaks_the_visitors_language(
    client: Client, workshop: Site, language: str, words: str
) -> None:
    page = client.get(url(workshop), headers={"accept-language": language}).content.decode()
    assert words in page
