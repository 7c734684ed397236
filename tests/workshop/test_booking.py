"""Booking an appointment through the action: what it holds, what it sends, what it refuses
(each refusal names its field)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core.exceptions import ValidationError

from posventa.core import actions as core_actions
from posventa.core.models import Event, Site
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.outbox.models import Notification
from posventa.outbox.providers import build_email
from posventa.workshop.actions import appointments
from posventa.workshop.models import Appointment, AppointmentStatus, AppointmentType, BookedVia
from tests.workshop.conftest import CARMEN, book, open_weekday


def refusal(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_a_booking_holds_a_technician_and_a_bay_and_sends_a_confirmation_with_an_invitation(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    start = open_weekday(workshop, 9)
    appointment = book(workshop, [types["oil-service"]], start)
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=60)
    assert appointment.bay is not None and appointment.technician_id is not None
    assert appointment.customer is not None
    assert appointment.reminder_due_at == appointment.starts_at - dt.timedelta(hours=24)
    mail = Notification.objects.get(related_id=str(appointment.pk))
    assert mail.channel == "email" and mail.to_address == CARMEN.email
    assert "Cita confirmada" in mail.subject  # Carmen booked in Spanish
    (ics,) = mail.attachments
    assert ics["filename"] == "appointment.ics"
    assert (
        "BEGIN:VEVENT" in ics["content"]
        and f"appointment-{appointment.pk}@posventa" in ics["content"]
    )
    assert Event.objects.filter(verb="appointment.booked", subject_id=str(appointment.pk)).exists()


def test_a_brake_job_goes_to_the_certified_technician(
    workshop: Site, types: dict[str, AppointmentType], technicians: list
) -> None:
    appointment = book(workshop, [types["brake-fluid"]], open_weekday(workshop, 10))
    assert appointment.technician == technicians[1]


def test_the_last_bay_taken_refuses_the_next_booking_naming_the_time(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    start = open_weekday(workshop, 9)
    book(workshop, [types["oil-service"]], start)
    book(workshop, [types["oil-service"]], start, contact=CARMEN)
    with pytest.raises(ValidationError) as error:
        book(workshop, [types["oil-service"]], start)
    assert "no longer free" in refusal(error)["starts_at"][0]
    # A tyre change needs no bay: the third technician still takes it.
    assert book(workshop, [types["tyre-change"]], start).bay is None


def test_a_time_outside_opening_hours_is_refused_naming_the_hours(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    with pytest.raises(ValidationError) as error:
        book(workshop, [types["oil-service"]], open_weekday(workshop, 13, 30))
    message = refusal(error)["starts_at"][0]
    assert "outside opening hours" in message and "08:00\u201313:00" in message


def test_a_booking_on_a_closed_day_is_refused(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    start = open_weekday(workshop, 9)
    core_actions.add_closure(workshop, start.date(), start.date(), "Inventario")
    workshop.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        book(workshop, [types["oil-service"]], start)
    assert "is closed on" in refusal(error)["starts_at"][0]


def test_a_sunday_is_refused_as_closed(workshop: Site, types: dict[str, AppointmentType]) -> None:
    start = open_weekday(workshop, 9)
    sunday = start + dt.timedelta(days=6 - start.weekday())
    with pytest.raises(ValidationError) as error:
        book(workshop, [types["oil-service"]], sunday)
    assert "is closed on" in refusal(error)["starts_at"][0]


def test_an_odometer_below_the_last_reading_is_refused_and_nothing_is_booked(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    vehicle = customer_actions.register_vehicle(
        workshop.organisation, vin="VF1RFB00X61234567", plate="1234 BCD"
    )
    customer_actions.record_odometer(vehicle, 30_000)
    with pytest.raises(ValidationError) as error:
        book(
            workshop,
            [types["oil-service"]],
            open_weekday(workshop, 9),
            vehicle_text="1234bcd",
            odometer_km=20_000,
        )
    assert "lower than the previous reading" in refusal(error)["odometer_km"][0]
    assert not Appointment.objects.exists()


def test_a_missing_contact_and_no_service_are_refused_naming_each_field(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    with pytest.raises(ValidationError) as error:
        appointments.book_appointment(
            workshop,
            wish=appointments.Wish(types=[], starts_at=open_weekday(workshop, 9)),
            contact=appointments.Contact(name="", preferred_method="sms"),
            via=BookedVia.ONLINE,
        )
    assert {"contact_name", "contact_phone"} <= set(refusal(error))


def test_an_unknown_service_is_refused_naming_types(workshop: Site) -> None:
    with pytest.raises(ValidationError) as error:
        appointments.resolve_types(workshop, ["teleport"], online=True)
    assert "teleport" in refusal(error)["types"][0]


def test_a_time_in_the_past_is_refused(workshop: Site, types: dict[str, AppointmentType]) -> None:
    with pytest.raises(ValidationError) as error:
        book(workshop, [types["oil-service"]], open_weekday(workshop, 9) - dt.timedelta(days=28))
    assert "starts_at" in refusal(error)


def test_an_absent_technician_is_not_offered(
    workshop: Site, types: dict[str, AppointmentType], technicians: list
) -> None:
    start = open_weekday(workshop, 9)
    core_actions.record_absence(
        technicians[1], start - dt.timedelta(hours=2), start + dt.timedelta(hours=12)
    )
    with pytest.raises(ValidationError) as error:
        book(workshop, [types["brake-fluid"]], start)
    assert "no longer free" in refusal(error)["starts_at"][0]


def test_the_confirmation_e_mail_carries_a_calendar_invitation_a_calendar_reads(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    appointment = book(workshop, [types["oil-service"]], open_weekday(workshop, 9))
    mail = Notification.objects.get(related_id=str(appointment.pk))
    message = build_email(mail).message()
    (part,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "appointment.ics"
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == appointment.starts_at
    assert event.decoded("dtend") == appointment.ends_at


def test_a_booking_refused_for_a_taken_time_leaves_no_new_customer_behind(
    workshop: Site, types: dict[str, AppointmentType]
) -> None:
    start = open_weekday(workshop, 9)
    book(workshop, [types["oil-service"]], start)
    book(workshop, [types["oil-service"]], start)
    before = Customer.objects.count()
    newcomer = appointments.Contact(name="Nadie Nuevo", email="nadie.nuevo@example.net")
    with pytest.raises(ValidationError):
        book(workshop, [types["oil-service"]], start, contact=newcomer)
    assert Customer.objects.count() == before
