"""The demo's phone: a month of calls through the webhook path, and today's callbacks in
every state, on both sites' boards and in the INFO-PHONE report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from posventa.demo.loader import load_demo
from posventa.demo.staff import DemoWorld
from posventa.telephony.models import Call, Callback, CallbackStatus, CallDirection

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DemoWorld:
    world = load_demo()
    assert world is not None
    return world


def test_each_site_has_a_month_of_calls_and_todays_callbacks_in_every_state(
    world: DemoWorld,
) -> None:
    for site in world.sites.values():
        calls = Call.objects.filter(site=site)
        assert calls.filter(started_at__lt=world.now - dt.timedelta(days=20)).exists()
        assert calls.filter(direction=CallDirection.OUTBOUND).exists()
        statuses = list(Callback.objects.filter(site=site).values_list("status", flat=True))
        assert statuses.count(CallbackStatus.OPEN) == 3
        assert {
            CallbackStatus.CALLED_BACK,
            CallbackStatus.CUSTOMER_CALLED,
            CallbackStatus.MESSAGE_SENT,
        } <= set(statuses)
        chased = Callback.objects.get(site=site, status=CallbackStatus.OPEN, missed_calls=2)
        assert chased.attempts == 0
        assert Callback.objects.filter(site=site, attempts=2, status=CallbackStatus.OPEN).exists()
        assert Callback.objects.filter(site=site).exclude(voicemail_url="").exists()


def test_the_demo_manager_reads_both_phone_boards_and_the_phone_report(
    world: DemoWorld, client: Client
) -> None:
    assert world.manager is not None
    client.force_login(world.manager)
    for site in world.sites.values():
        page = client.get(reverse("telephony_board:board", args=[site.slug])).content.decode()
        assert (
            "3 callbacks to make" in page
            or "3 llamadas por devolver" in page
            or ("3 återuppringningar att göra" in page)
        )
    report = client.get(reverse("reports:compliance")).content.decode()
    assert 'id="phone-figures"' in report
