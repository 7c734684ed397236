"""The public web form against floods: per-IP and per-address limits, a minimum fill time.

A refused post never loses the person's text: the form comes back with it, a translated
message at the top, and (over a limit) 429 with Retry-After. Every refusal is kept.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Site
from posventa.inbox.adapters.webform import started_token
from posventa.inbox.models import InboundRaw
from tests.inbox.adapters.test_web_form import URL, form_data

TEXT = "Mi coche pierde aceite desde el martes; ¿puedo llevarlo mañana?"


@pytest.fixture
def tight_limits(settings: SettingsWrapper) -> None:
    settings.POSVENTA_RATE_LIMITS = {"web_form_ip": "3/10m", "web_form_address": "2/h"}


def post(client: Client, ip: str = "203.0.113.7", language: str = "en", **fields: Any) -> Any:
    return client.post(
        URL,
        form_data(message=TEXT, **fields),
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_form_carries_a_signed_timestamp_of_when_it_was_served(
    client: Client, madrid: Site
) -> None:
    page = client.get(URL).content.decode()
    assert 'name="started"' in page


def test_posts_from_one_ip_beyond_the_limit_get_429_with_retry_after_and_keep_the_text(
    client: Client, madrid: Site, tight_limits: None
) -> None:
    for n in range(3):
        response = post(client, email=f"persona{n}@example.org")
        assert response.status_code == 302

    response = post(client, email="otra@example.org", language="es")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    page = response.content.decode()
    assert "Hemos recibido muchos mensajes desde su conexión en poco tiempo." in page
    assert "Vuelva a intentarlo dentro de" in page
    assert TEXT in page and "otra@example.org" in page  # nothing typed is lost
    assert InboundRaw.objects.count() == 3 and Case.objects.count() == 3
    refused = RefusedRequest.objects.get(reason=RefusedReason.RATE_LIMITED)
    assert (refused.endpoint, refused.site, refused.remote_addr) == (
        "web_form",
        madrid,
        "203.0.113.7",
    )
    assert "web_form_ip: 4 requests" in refused.detail
    assert TEXT in bytes(refused.body).decode()


def test_another_ip_is_not_held_back_by_a_flood(
    client: Client, madrid: Site, tight_limits: None
) -> None:
    for n in range(4):
        post(client, email=f"persona{n}@example.org")

    assert post(client, ip="198.51.100.20", email="vecina@example.org").status_code == 302


def test_submissions_for_one_address_beyond_the_limit_are_refused_from_any_ip(
    client: Client, madrid: Site, tight_limits: None
) -> None:
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert post(client, ip=ip, email="victima@example.org").status_code == 302

    response = post(client, ip="198.51.100.3", email="Victima@example.org", language="sv")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "Vi har redan fått flera meddelanden från den här adressen nyligen." in page
    assert "Försök igen om" in page and TEXT in page
    assert InboundRaw.objects.count() == 2
    refused = RefusedRequest.objects.get(reason=RefusedReason.RATE_LIMITED)
    assert refused.detail.startswith("web_form_address:")


def test_the_phone_number_is_limited_as_an_address_too(
    client: Client, madrid: Site, tight_limits: None
) -> None:
    for n, ip in enumerate(("198.51.100.1", "198.51.100.2")):
        fields = {"email": f"p{n}@example.org", "phone": "612 34 56 78"}
        assert post(client, ip=ip, **fields).status_code == 302

    response = post(client, ip="198.51.100.3", email="", phone="+34612345678",
                    preferred_channel="sms")  # fmt: skip

    assert response.status_code == 429


def test_a_post_sooner_than_the_minimum_fill_time_is_refused_and_shown_again(
    client: Client, madrid: Site
) -> None:
    response = post(client, language="es", started=started_token())

    assert response.status_code == 400
    page = response.content.decode()
    assert "Revise su mensaje y pulse Enviar de nuevo: todavía no se ha enviado." in page
    assert TEXT in page
    assert InboundRaw.objects.count() == 0
    refused = RefusedRequest.objects.get()
    assert refused.reason == RefusedReason.TOO_FAST
    assert TEXT in bytes(refused.body).decode()


def test_sending_the_form_shown_again_works_once_the_person_took_their_time(
    client: Client, madrid: Site, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_WEB_FORM_MIN_SECONDS = 0.5
    data = form_data(message=TEXT, started=started_token())
    page = client.post(URL, data).content.decode()
    fresh = signing.loads(
        page.split('name="started" value="')[1].split('"')[0],
        salt="posventa.inbox.adapters.webform.started",
    )
    assert fresh["at"] >= time.time() - 5  # a new timestamp, not the one sent
    time.sleep(0.6)

    token = page.split('name="started" value="')[1].split('"')[0]
    response = client.post(URL, {**data, "started": token})

    assert response.status_code == 302
    assert InboundRaw.objects.get().payload().decode().count("aceite") == 1


@pytest.mark.parametrize(
    "started",
    ["", "forged", signing.dumps({"at": 0}, salt="another-salt")],
    ids=["missing", "forged", "signed-for-something-else"],
)
def test_a_post_without_a_genuine_timestamp_is_refused_and_shown_again(
    client: Client, madrid: Site, started: str
) -> None:
    response = post(client, started=started)

    assert response.status_code == 400
    assert TEXT in response.content.decode()
    assert InboundRaw.objects.count() == 0
    assert RefusedRequest.objects.get().reason == RefusedReason.FORM_TOKEN


def test_the_honeypot_still_keeps_bots_out_before_any_limit_counts(
    client: Client, madrid: Site, tight_limits: None
) -> None:
    for _n in range(5):
        response = post(client, website="http://spam.example")
        assert response.status_code == 302

    assert InboundRaw.objects.count() == 0
    assert RefusedRequest.objects.filter(reason=RefusedReason.HONEYPOT).count() == 5
    assert post(client, email="real@example.org").status_code == 302
