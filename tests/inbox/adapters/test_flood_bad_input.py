"""Bad input on the rate-limited endpoints: a clear 4xx, never a 500, and what was already
stored stays stored."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Site, User
from posventa.inbox.models import InboundRaw
from tests.inbox.adapters.test_web_form import URL, form_data


def test_an_oversize_form_post_is_refused_with_413_naming_the_limit_and_earlier_messages_stay(
    client: Client, madrid: Site, settings: SettingsWrapper
) -> None:
    assert client.post(URL, form_data()).status_code == 302
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = client.post(URL, form_data(message="x" * 20_000))

    assert response.status_code == 413
    assert "9.8\xa0KB" in response.content.decode()
    assert InboundRaw.objects.count() == 1


@pytest.mark.parametrize(
    "started", ["\x00" * 50, "a:b:c", "é" * 300], ids=["nul", "colons", "long"]
)
def test_a_garbled_timestamp_is_refused_as_forged_not_a_500(
    client: Client, madrid: Site, started: str
) -> None:
    response = client.post(URL, form_data(started=started))

    assert response.status_code == 400
    assert RefusedRequest.objects.get().reason == RefusedReason.FORM_TOKEN


def test_a_forged_forwarded_for_header_never_reaches_an_ip_column(
    client: Client, madrid: Site, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_PROXY_COUNT = 1
    settings.POSVENTA_RATE_LIMITS = {"web_form_ip": "1/h"}
    headers = {"HTTP_X_FORWARDED_FOR": "'; DROP TABLE x; --", "REMOTE_ADDR": "192.0.2.9"}
    assert client.post(URL, form_data(), **headers).status_code == 302  # type: ignore[arg-type]

    response = client.post(URL, form_data(email="b@example.org"), **headers)  # type: ignore[arg-type]

    assert response.status_code == 429
    assert RefusedRequest.objects.get().remote_addr == "192.0.2.9"


def test_an_absurd_login_is_a_form_error_not_a_500(client: Client, agent: User) -> None:
    response = client.post(
        "/login/",
        {"username": "u" * 5000, "password": "p" * 5000},
        HTTP_USER_AGENT="A" * 5000,
    )

    assert response.status_code == 200


def test_an_absurd_address_asking_for_a_link_is_a_form_error_not_a_500(
    client: Client, madrid: Site
) -> None:
    response = client.post("/portal/new-link/", {"email": "a" * 5000 + "@example.org"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
