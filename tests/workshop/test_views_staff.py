"""Staff pages: booking from a case, a call or the customer page prefills and links;
another site's staff get 404; the buttons call the actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.inbox.actions import ingest
from posventa.workshop.actions import requests
from posventa.workshop.actions._common import Contact
from posventa.workshop.models import Appointment, AppointmentStatus, AppointmentType, RequestSource
from tests.inbox.factories import case_of, email_bytes
from tests.workshop.conftest import book, open_weekday


@pytest.fixture
def email_case(workshop: Site) -> Case:
    raw = ingest(
        "email",
        email_bytes(from_="Norberto Imaginario <norberto@example.net>", subject="Revisión"),
        source="imap",
        site=workshop,
    )
    return case_of(raw)


@pytest.fixture
def appointment(workshop: Site, types: dict[str, AppointmentType]) -> Appointment:
    return book(workshop, [types["oil-service"]], open_weekday(workshop, 9))


def test_booking_from_a_case_prefills_the_customer_and_links_the_case(
    client: Client, agent: User, email_case: Case
) -> None:
    client.force_login(agent)
    page = client.get(reverse("workshop:book"), {"case": email_case.reference}).content.decode()
    assert "Norberto Imaginario" in page and "norberto@example.net" in page
    start = open_weekday(email_case.site, 10)
    response = client.post(
        reverse("workshop:book"),
        {
            "case": email_case.reference,
            "types": ["oil-service"],
            "contact_name": "Norberto Imaginario",
            "contact_email": "norberto@example.net",
            "preferred_method": "email",
            "starts_at": start.isoformat(),
            "action": "book",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.case == email_case and appointment.customer == email_case.customer
    assert appointment.booked_by == agent and appointment.booked_via == "staff"
    case_page = client.get(email_case.get_absolute_url()).content.decode()
    assert "data-case-appointments" in case_page and appointment.get_absolute_url() in case_page


def test_the_customer_page_offers_booking(client: Client, agent: User, email_case: Case) -> None:
    client.force_login(agent)
    page = client.get(reverse("customers:detail", args=[email_case.customer_id])).content.decode()
    assert f"{reverse('workshop:book')}?customer={email_case.customer_id}" in page


def test_staff_of_another_site_get_404(
    client: Client, outsider: User, appointment: Appointment, email_case: Case
) -> None:
    client.force_login(outsider)
    assert client.get(appointment.get_absolute_url()).status_code == 404
    assert client.post(reverse("workshop:cancel", args=[appointment.pk])).status_code == 404
    assert client.get(reverse("workshop:book"), {"case": email_case.reference}).status_code == 404
    assert (
        client.get(reverse("workshop:book"), {"customer": email_case.customer_id}).status_code
        == 404
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_an_anonymous_visitor_is_sent_to_the_login(
    client: Client, appointment: Appointment
) -> None:
    response = client.get(appointment.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_cancel_from_the_appointment_page(
    client: Client, agent: User, appointment: Appointment
) -> None:
    client.force_login(agent)
    response = client.post(reverse("workshop:cancel", args=[appointment.pk]), {"reason": "Llamó"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_a_no_show_before_the_start_is_refused_on_the_page(
    client: Client, agent: User, appointment: Appointment
) -> None:
    client.force_login(agent)
    response = client.post(reverse("workshop:no_show", args=[appointment.pk]))
    assert response.status_code == 400 and "has not begun yet" in response.content.decode()


def test_the_day_list_and_the_call_back_list(
    client: Client, agent: User, workshop: Site, appointment: Appointment
) -> None:
    requests.keep_request(
        workshop,
        source=RequestSource.CALL,
        contact=Contact(name="Paca Supuesta", phone="+34600777666"),
    )
    client.force_login(agent)
    day = appointment.starts_at.date().isoformat()
    listing = client.get(reverse("workshop:appointments"), {"site": workshop.pk, "day": day})
    assert "data-appointment-row" in listing.content.decode()
    callbacks = client.get(reverse("workshop:requests")).content.decode()
    assert "Paca Supuesta" in callbacks


def test_an_attempt_and_an_outcome_from_the_request_page(
    client: Client, agent: User, workshop: Site
) -> None:
    request = requests.keep_request(
        workshop,
        source=RequestSource.CALL,
        contact=Contact(name="Paca Supuesta", phone="+34600777666"),
    )
    client.force_login(agent)
    client.post(
        reverse("workshop:request_attempt", args=[request.pk]), {"reached": "on", "note": "Llamará"}
    )
    client.post(reverse("workshop:request_outcome", args=[request.pk]), {"outcome": "declined"})
    request.refresh_from_db()
    assert request.attempts == 1 and request.status == "declined"
    refused = client.post(
        reverse("workshop:request_outcome", args=[request.pk]), {"outcome": "declined"}
    )
    assert refused.status_code == 400


def test_a_customer_record_is_found_by_the_contact_given(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    known = customer_actions.create_customer(
        workshop.organisation,
        display_name="Carmen Ejemplo",
        contact_points=[("email", "carmen.ejemplo@example.net")],
    )
    appointment = book(
        workshop, [types["oil-service"]], open_weekday(workshop, 9) + dt.timedelta(hours=1)
    )
    assert appointment.customer == known
    assert Customer.objects.count() == 1
