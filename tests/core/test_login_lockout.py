"""The staff login locks a username out from one address after repeated failures (axes).

During the cool-off even the right password is refused: the login page comes back with
the username in it and a translated message saying when to try again, as 429 with
Retry-After. Other addresses and other users are not affected; every failure and every
try during the lockout is kept in axes' failure log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import authenticate
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core.models import User

PASSWORD = "test-password-123"
IP = "203.0.113.30"


@pytest.fixture(autouse=True)
def three_tries(settings: SettingsWrapper) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def log_in(client: Client, username: str, password: str, ip: str = IP, language: str = "en") -> Any:
    return client.post(
        "/login/",
        {"username": username, "password": password, "next": "/cases/"},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def lock_out(client: Client, user: User) -> None:
    for _n in range(3):
        log_in(client, user.username, "wrong-password")


def test_the_right_password_logs_in_after_fewer_failures_than_the_limit(
    client: Client, agent: User
) -> None:
    for _n in range(2):
        assert log_in(client, agent.username, "wrong-password").status_code == 200

    response = log_in(client, agent.username, PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/cases/"


def test_after_the_limit_even_the_right_password_is_refused_with_429(
    client: Client, agent: User
) -> None:
    lock_out(client, agent)

    response = log_in(client, agent.username, PASSWORD, language="es")

    assert response.status_code == 429
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    page = response.content.decode()
    assert "Demasiados intentos fallidos de iniciar sesión con este usuario" in page
    assert "Vuelva a intentarlo dentro de 15 minutos." in page
    assert f'value="{agent.username}"' in page  # what they typed stays
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_swedish_for_a_swedish_browser(client: Client, agent: User) -> None:
    lock_out(client, agent)

    page = log_in(client, agent.username, PASSWORD, language="sv").content.decode()

    assert "För många misslyckade inloggningsförsök" in page and "Försök igen om" in page


def test_the_same_user_from_another_address_can_still_log_in(client: Client, agent: User) -> None:
    lock_out(client, agent)

    response = log_in(client, agent.username, PASSWORD, ip="198.51.100.44")

    assert response.status_code == 302


def test_another_user_from_the_same_address_can_still_log_in(
    client: Client, agent: User, manager: User
) -> None:
    lock_out(client, agent)

    assert log_in(client, manager.username, PASSWORD).status_code == 302


def test_tries_during_the_lockout_do_not_extend_it_and_it_ends_after_the_cool_off(
    client: Client, agent: User
) -> None:
    lock_out(client, agent)
    for _n in range(3):
        assert log_in(client, agent.username, PASSWORD).status_code == 429
    # Sixteen minutes pass.
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))

    assert log_in(client, agent.username, PASSWORD).status_code == 302


def test_every_failure_and_every_locked_out_try_is_logged(client: Client, agent: User) -> None:
    lock_out(client, agent)
    log_in(client, agent.username, PASSWORD)
    log_in(client, agent.username, "wrong-password")

    logged = list(
        AccessFailureLog.objects.order_by("id").values_list("username", "ip_address", "locked_out")
    )
    assert logged == [
        (agent.username, IP, False),
        (agent.username, IP, False),
        (agent.username, IP, True),
        (agent.username, IP, True),
        (agent.username, IP, True),
    ]


def test_authenticating_without_a_request_skips_the_lockout_check(agent: User) -> None:
    # Management commands and scripts have no client address to lock out.
    assert authenticate(username=agent.username, password=PASSWORD) == agent


def test_staff_see_lockouts_and_refused_requests_in_the_admin(client: Client, agent: User) -> None:
    lock_out(client, agent)
    admin = User.objects.create_superuser("raquel", "raquel@example.com", PASSWORD)
    client.force_login(admin)

    failures = client.get("/admin/axes/accessfailurelog/")
    refused = client.get("/admin/channels/refusedrequest/?reason__exact=rate_limited")

    assert failures.status_code == 200 and agent.username in failures.content.decode()
    assert refused.status_code == 200


def test_one_address_trying_many_usernames_is_held_back(
    client: Client, agent: User, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_RATE_LIMITS = {"login_ip": "4/10m"}
    for n in range(4):
        assert log_in(client, f"guess{n}", "wrong-password").status_code == 200

    response = log_in(client, agent.username, PASSWORD, language="es")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "Demasiados intentos de iniciar sesión desde su dirección." in page
    assert f'value="{agent.username}"' in page
    assert AccessFailureLog.objects.filter(username=agent.username, locked_out=True).exists()
    assert log_in(client, agent.username, PASSWORD, ip="198.51.100.45").status_code == 302
