"""The demo's workshop: each site has bays, bookable types and a policy, booked
appointments (one from a case) and a customer waiting for a call back; its public booking
page offers times."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.demo.loader import load_demo
from posventa.workshop.models import Appointment, BookingRequest, ServiceBay

pytestmark = pytest.mark.django_db


def test_each_demo_site_has_a_workshop_with_appointments_and_a_call_back(client: Client) -> None:
    world = load_demo()
    assert world is not None
    for site in world.sites.values():
        assert ServiceBay.objects.filter(site=site).count() >= 2
        assert Appointment.objects.filter(site=site).exists()
        assert Appointment.objects.filter(site=site, case__isnull=False).exists()
        assert BookingRequest.objects.filter(site=site, status="open").count() == 1
        page = client.post(
            reverse("workshop_public:book", args=[site.slug]),
            {"types": ["oil-service"], "preferred_method": "email", "action": "find"},
        )
        assert page.status_code == 200 and "data-slot" in page.content.decode()
