"""The demo's transport desk and competitors: today's loaners out and back, shuttle
passengers, an unmet request with its alternative and clock, and two competitors a site."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.clocks.models import Clock
from posventa.core.models import Competitor
from posventa.demo.loader import load_demo
from posventa.transport.models import LoanerTrip, Reservation, UnmetStatus, UnmetTransport

pytestmark = pytest.mark.django_db


def test_each_demo_site_has_a_busy_transport_desk_and_competitors(client: Client) -> None:
    world = load_demo()
    assert world is not None
    for site in world.sites.values():
        assert Reservation.objects.filter(site=site).count() == 5
        trips = LoanerTrip.objects.filter(reservation__site=site)
        assert trips.filter(in_at__isnull=True).count() == 1
        assert trips.filter(in_at__isnull=False).count() == 1
        unmet = UnmetTransport.objects.get(site=site)
        assert unmet.status == UnmetStatus.OPEN and unmet.offered_option is not None
        assert Clock.objects.filter(standard_id="INFO-TRANSPORT", site=site).count() == 1
        assert Competitor.objects.filter(site=site).count() == 2
    client.force_login(world.manager)
    madrid = world.sites["madrid"]
    board = client.get(reverse("transport:board", args=[madrid.slug]))
    assert board.status_code == 200 and "9001XYZ" in board.content.decode()
    hours = client.get(reverse("core:hours", args=[madrid.slug]))
    assert hours.status_code == 200 and "Taller Noctámbulo" in hours.content.decode()
