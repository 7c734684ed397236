"""Asking for new links is rate-limited per address and per client IP: a flood can neither
fill someone's mailbox with links nor make us send mail at will. Over a limit: the form
again, the address still in it, when to try again, 429 with Retry-After, and a record."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.customers.models import Customer
from posventa.outbox.models import Notification
from tests.portal.conftest import CARMEN

URL = "/portal/new-link/"


@pytest.fixture
def tight_limits(settings: SettingsWrapper) -> None:
    settings.POSVENTA_RATE_LIMITS = {"portal_link_ip": "4/h", "portal_link_address": "2/h"}


def ask(client: Client, email: str, ip: str = "203.0.113.9", language: str = "en") -> Any:
    return client.post(URL, {"email": email}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)


def links_sent() -> int:
    return Notification.objects.filter(dedupe_key__startswith="portal-link:").count()


def test_links_for_one_address_beyond_the_limit_are_refused_from_any_ip(
    client: Client, carmen: Customer, carmen_case: Case, tight_limits: None
) -> None:
    assert ask(client, CARMEN, ip="198.51.100.1").status_code == 200
    assert ask(client, CARMEN, ip="198.51.100.2").status_code == 200
    sent = links_sent()

    response = ask(client, CARMEN.upper(), ip="198.51.100.3", language="es")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "Ya hemos enviado varios enlaces en poco tiempo." in page
    assert "Vuelva a intentarlo dentro de" in page
    assert CARMEN in page.lower()  # the address stays in the form
    assert links_sent() == sent
    refused = RefusedRequest.objects.get()
    assert (refused.endpoint, refused.reason) == ("portal_new_link", RefusedReason.RATE_LIMITED)
    assert refused.detail.startswith("portal_link_address:")


def test_an_unknown_address_is_limited_the_same_way_so_nothing_is_revealed(
    client: Client, carmen: Customer, tight_limits: None
) -> None:
    for _n in range(2):
        assert ask(client, "nadie@example.org").status_code == 200

    assert ask(client, "nadie@example.org").status_code == 429


def test_one_ip_asking_for_many_addresses_is_limited(
    client: Client, carmen: Customer, tight_limits: None
) -> None:
    answers = [ask(client, f"persona{n}@example.org", language="sv") for n in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 4 + [429]
    assert "Försök igen om" in answers[-1].content.decode()
    assert RefusedRequest.objects.get().detail.startswith("portal_link_ip:")
    assert ask(client, "persona9@example.org", ip="198.51.100.7").status_code == 200
