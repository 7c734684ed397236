"""Each site's public page: hours in local time with the zone, closures coming up, how to
reach it, the web form; no login, and no booking link until booking exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.core import actions as core_actions
from posventa.core.models import Site, User

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_hours_with_the_zone_and_the_way_to_write(
    client: Client, madrid: Site
) -> None:
    Site.objects.filter(pk=madrid.pk).update(phone="+34 910 000 000", address="Calle Mayor 1")
    response = client.get(reverse("core:site_page", args=[madrid.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Europe/Madrid" in html and "Monday" in html
    assert "+34 910 000 000" in html and "Calle Mayor 1" in html
    assert reverse("adapters:web_form", args=[madrid.slug]) in html
    # Booking (INFO-BOOKING) is linked now that the workshop app serves it.
    assert f'href="{reverse("workshop_public:book", args=[madrid.slug])}" data-booking-link' in html


def test_a_closure_coming_up_is_listed(client: Client, madrid: Site, manager: User) -> None:
    soon = timezone.localdate() + dt.timedelta(days=10)
    core_actions.add_closure(
        madrid, start_date=soon, end_date=soon, reason="Inventario", actor=manager
    )
    html = client.get(reverse("core:site_page", args=[madrid.slug])).content.decode()
    assert "Inventario" in html


def test_the_page_speaks_the_readers_language(client: Client, madrid: Site) -> None:
    html = client.get(
        reverse("core:site_page", args=[madrid.slug]), HTTP_ACCEPT_LANGUAGE="sv"
    ).content.decode()
    assert "Öppettider" in html and "Lokal tid (Europe/Madrid)" in html


def test_an_unknown_site_is_404(client: Client, madrid: Site) -> None:
    assert client.get(reverse("core:site_page", args=["nowhere"])).status_code == 404


def test_the_web_form_links_to_the_site_page(client: Client, madrid: Site) -> None:
    html = client.get(reverse("adapters:web_form", args=[madrid.slug])).content.decode()
    assert reverse("core:site_page", args=[madrid.slug]) in html
