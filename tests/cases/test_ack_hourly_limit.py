"""Acknowledgements to one address are limited per hour: past the limit the case is still
opened with the customer's message, no acknowledgement goes, and the case's timeline
(staff only) says why. The batch path is compared in tests/inbox/test_batch_ingest.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Event, Site, User
from posventa.inbox.models import MessageKind
from posventa.outbox.models import Notification
from posventa.portal import story
from tests.inbox.factories import case_of, receive_email


@pytest.fixture(autouse=True)
def two_an_hour(settings: SettingsWrapper) -> None:
    settings.POSVENTA_ACK_HOURLY_LIMIT = 2
    settings.POSVENTA_ACK_QUIET_SECONDS = 0  # only the hourly limit is under test


def three_topics(madrid: Site) -> list[Case]:
    return [
        case_of(receive_email(madrid, subject=subject, message_id=f"<t{n}@example.net>"))
        for n, subject in enumerate(["Frenos", "Neumáticos", "Factura"])
    ]


def test_past_the_limit_the_case_opens_without_an_acknowledgement(madrid: Site) -> None:
    cases = three_topics(madrid)

    acknowledged = [
        case.messages.filter(kind=MessageKind.AUTO_ACKNOWLEDGEMENT).count() for case in cases
    ]
    assert acknowledged == [1, 1, 0]
    assert Notification.objects.count() == 2
    assert cases[2].messages.filter(direction="inbound").count() == 1  # nothing is lost
    withheld = Event.objects.get(verb="case.acknowledgement_withheld")
    assert withheld.subject_id == str(cases[2].pk) and withheld.internal
    assert withheld.data["limit"] == 2 and "already sent" in withheld.summary


def test_staff_see_why_on_the_case_page_and_the_customer_does_not(
    client: Client, madrid: Site, agent: User
) -> None:
    case = three_topics(madrid)[2]
    client.force_login(agent)

    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()

    assert "Automatic acknowledgement not sent" in page
    assert "were already sent to it in the last hour" in page
    assert all("already sent" not in str(entry) for entry in story.story(case))


def test_no_limit_when_it_is_turned_off(madrid: Site, settings: SettingsWrapper) -> None:
    settings.POSVENTA_ACK_HOURLY_LIMIT = 0

    three_topics(madrid)

    assert Notification.objects.count() == 3
    assert not Event.objects.filter(verb="case.acknowledgement_withheld").exists()
