"""FOLLOWUP-REBOOK: no-shows, attempts and outcomes, and the waiting list that offers a
cancelled time to the oldest waiting request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.core.models import Site, User
from posventa.outbox.models import Notification
from posventa.workshop import links
from posventa.workshop.actions import appointments, reminders, requests
from posventa.workshop.actions._common import Contact
from posventa.workshop.models import (
    AppointmentStatus,
    AppointmentType,
    BookingRequest,
    RequestSource,
    RequestStatus,
    SlotOffer,
)
from tests.workshop.conftest import book, clock_of, open_weekday

PEDRO = Contact(name="Pedro Ficticio", phone="+34600333444", preferred_method="sms", language="es")


def test_a_no_show_is_refused_before_the_start_and_then_opens_a_call_back(
    workshop: Site, types: dict[str, AppointmentType], manager: User
) -> None:
    appointment = book(workshop, [types["oil-service"]], open_weekday(workshop, 9))
    with pytest.raises(ValidationError) as error:
        appointments.record_no_show(appointment, actor=manager)
    assert "status" in error.value.message_dict
    appointments.record_no_show(
        appointment, actor=manager, now=appointment.starts_at + dt.timedelta(minutes=20)
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    callback = BookingRequest.objects.get(missed_appointment=appointment)
    assert callback.source == RequestSource.NO_SHOW and callback.type_codes == ["oil-service"]
    assert clock_of(callback, "FOLLOWUP-REBOOK").state == "running"


def test_unanswered_attempts_end_as_unreachable_and_the_first_attempt_meets_the_clock(
    workshop: Site, manager: User, settings: object
) -> None:
    settings.POSVENTA_REBOOK_ATTEMPTS = 2  # type: ignore[attr-defined]
    request = requests.keep_request(
        workshop, source=RequestSource.NO_SLOT, contact=PEDRO, wish="ITV"
    )
    request = requests.record_attempt(request, reached=False, actor=manager, note="Buzón de voz")
    assert clock_of(request, "FOLLOWUP-REBOOK").state == "satisfied"
    assert request.status == RequestStatus.OPEN
    request = requests.record_attempt(request, reached=False, actor=manager)
    assert request.status == RequestStatus.UNREACHABLE and request.attempts == 2
    with pytest.raises(ValidationError):
        requests.record_attempt(request, reached=True, actor=manager)


def test_a_declined_request_is_closed_with_its_note(workshop: Site, manager: User) -> None:
    request = requests.keep_request(workshop, source=RequestSource.CALL, contact=PEDRO)
    requests.record_outcome(
        request, outcome=RequestStatus.DECLINED, actor=manager, note="Fue a otro taller"
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.outcome_note == "Fue a otro taller"
    assert clock_of(request, "FOLLOWUP-REBOOK").state == "satisfied"


def test_a_request_without_any_way_back_is_refused(workshop: Site) -> None:
    with pytest.raises(ValidationError) as error:
        requests.keep_request(
            workshop, source=RequestSource.NO_SLOT, contact=Contact(name="Anónimo")
        )
    assert "contact_phone" in error.value.message_dict


def test_a_cancelled_time_is_offered_to_the_oldest_waiting_request_whose_link_books_it(
    client: Client,
    workshop: Site,
    types: dict[str, AppointmentType],
    django_capture_on_commit_callbacks: object,
) -> None:
    older = requests.keep_request(
        workshop, source=RequestSource.NO_SLOT, contact=PEDRO, type_codes=["oil-service"]
    )
    requests.keep_request(
        workshop,
        source=RequestSource.NO_SLOT,
        type_codes=["brake-fluid"],
        contact=Contact(name="Otra Persona", email="otra@example.net"),
    )
    start = open_weekday(workshop, 9)
    appointment = book(workshop, [types["oil-service"]], start)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        appointments.cancel_appointment(appointment)
    (offer,) = SlotOffer.objects.all()
    assert offer.request == older and offer.starts_at == start
    text = Notification.objects.get(related_id=str(older.pk), channel="sms")
    assert links.offer_url(offer) in text.body
    url = reverse("workshop_public:offer", args=[workshop.slug, links.offer_token(offer)])
    taken = client.post(url, {"action": "take"})
    assert taken.status_code == 302
    older.refresh_from_db()
    assert older.status == RequestStatus.BOOKED
    assert client.post(url, {"action": "take"}).status_code == 410


def test_an_offer_for_a_time_taken_meanwhile_says_so_and_keeps_the_request_waiting(
    client: Client, workshop: Site, types: dict[str, AppointmentType]
) -> None:
    request = requests.keep_request(workshop, source=RequestSource.NO_SLOT, contact=PEDRO)
    start = open_weekday(workshop, 9)
    offer = SlotOffer.objects.create(
        request=request,
        starts_at=start,
        type_codes=["oil-service"],
        created_at=timezone.now(),
        expires_at=start,
    )
    book(workshop, [types["oil-service"]], start)
    book(workshop, [types["oil-service"]], start)
    url = reverse("workshop_public:offer", args=[workshop.slug, links.offer_token(offer)])
    response = client.post(url, {"action": "take"})
    assert response.status_code == 409 and "no longer free" in response.content.decode()
    request.refresh_from_db()
    offer.refresh_from_db()
    assert request.status == RequestStatus.OPEN and offer.used_at is None


def test_the_reminder_goes_once_the_day_before(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    appointment = book(workshop, [types["oil-service"]], open_weekday(workshop, 9))
    assert reminders.send_due_reminders(now=appointment.starts_at - dt.timedelta(hours=30)) == 0
    day_before = appointment.starts_at - dt.timedelta(hours=23)
    assert reminders.send_due_reminders(now=day_before) == 1
    assert reminders.send_due_reminders(now=day_before) == 0
    reminder = Notification.objects.filter(related_id=str(appointment.pk)).latest("id")
    assert reminder.subject.startswith("Recordatorio")
    assert reminder.attachments[0]["filename"] == "appointment.ics"
