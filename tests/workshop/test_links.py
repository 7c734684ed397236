"""Signed links: change and cancel work once, for their own purpose and site; a used,
expired, forged or foreign link shows a clear page and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from posventa.core.models import Site
from posventa.workshop import links
from posventa.workshop.models import Appointment, AppointmentStatus, AppointmentType
from tests.workshop.conftest import book, open_weekday


@pytest.fixture
def appointment(workshop: Site, types: dict[str, AppointmentType]) -> Appointment:
    return book(workshop, [types["oil-service"]], open_weekday(workshop, 9))


def link(appointment: Appointment, purpose: links.Purpose, site: Site | None = None) -> str:
    name = (
        "workshop_public:cancel"
        if purpose == links.Purpose.CANCEL
        else "workshop_public:reschedule"
    )
    slug = (site or appointment.site).slug
    return reverse(name, args=[slug, links.appointment_token(appointment, purpose)])


def test_the_cancel_link_cancels_once_and_then_says_it_was_used(
    client: Client, appointment: Appointment
) -> None:
    url = link(appointment, links.Purpose.CANCEL)
    assert client.get(url).status_code == 200
    done = client.post(url, {"action": "cancel", "reason": "Ya no lo necesito"})
    assert done.status_code == 200 and "data-cancelled" in done.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    again = client.post(url, {"action": "cancel"})
    assert again.status_code == 410 and 'data-link-problem="used"' in again.content.decode()


def test_the_change_link_moves_the_appointment_and_old_links_stop_working(
    client: Client, appointment: Appointment
) -> None:
    url = link(appointment, links.Purpose.RESCHEDULE)
    old_cancel = link(appointment, links.Purpose.CANCEL)
    new_start = appointment.starts_at + dt.timedelta(hours=1)
    moved = client.post(url, {"action": "move", "starts_at": new_start.isoformat()})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == new_start and appointment.link_generation == 1
    assert client.get(old_cancel).status_code == 410
    assert client.get(url).status_code == 410


def test_a_cancel_link_cannot_reschedule(client: Client, appointment: Appointment) -> None:
    token = links.appointment_token(appointment, links.Purpose.CANCEL)
    url = reverse("workshop_public:reschedule", args=[appointment.site.slug, token])
    response = client.post(url, {"action": "move", "starts_at": appointment.starts_at.isoformat()})
    assert (
        response.status_code == 404 and 'data-link-problem="invalid"' in response.content.decode()
    )


def test_another_sites_address_refuses_the_link(
    client: Client, appointment: Appointment, goteborg: Site
) -> None:
    response = client.post(link(appointment, links.Purpose.CANCEL, goteborg), {"action": "cancel"})
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_an_expired_link_changes_nothing(
    client: Client, appointment: Appointment, settings: object
) -> None:
    url = link(appointment, links.Purpose.CANCEL)
    settings.POSVENTA_BOOKING_LINK_MAX_AGE = dt.timedelta(seconds=-1)  # type: ignore[attr-defined]
    response = client.post(url, {"action": "cancel"})
    assert (
        response.status_code == 410 and 'data-link-problem="expired"' in response.content.decode()
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_forged_token_is_refused(client: Client, appointment: Appointment) -> None:
    url = reverse("workshop_public:cancel", args=[appointment.site.slug, "1:forged:token"])
    assert client.post(url, {"action": "cancel"}).status_code == 404
