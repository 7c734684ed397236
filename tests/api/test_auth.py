"""Token authentication: no token, a wrong one, a revoked one or a departed user's → 401."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from posventa.api.actions import create_api_token, revoke_api_token
from posventa.api.models import ApiToken
from posventa.core.models import Event, Site, User
from tests.api.conftest import ApiClient

UNAUTHORISED = "Missing, unknown or revoked API token"


def assert_unauthorised(response: object) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response["WWW-Authenticate"].startswith("Bearer")  # type: ignore[index]
    errors = response.json()["errors"]  # type: ignore[attr-defined]
    assert errors[0]["field"] is None
    assert UNAUTHORISED in errors[0]["message"]


def test_it_refuses_a_request_without_a_token(agent: User) -> None:
    assert_unauthorised(ApiClient(None).get("/api/cases"))


def test_it_refuses_an_unknown_token(agent: User) -> None:
    create_api_token(agent, "real one")
    assert_unauthorised(ApiClient("pv_not-a-real-token").get("/api/cases"))


def test_it_refuses_another_authorisation_scheme(agent: User) -> None:
    issued = create_api_token(agent, "tests")
    client = ApiClient(None)
    client.headers = {"Authorization": f"Token {issued.plaintext}"}
    assert_unauthorised(client.get("/api/cases"))


def test_it_refuses_a_revoked_token(agent: User, manager: User) -> None:
    issued = create_api_token(agent, "old integration")
    client = ApiClient(issued.plaintext)
    assert client.get("/api/cases").status_code == 200
    revoke_api_token(issued.token, actor=manager)
    assert_unauthorised(client.get("/api/cases"))
    assert Event.objects.filter(verb="api_token.revoked", actor=manager).count() == 1


def test_it_refuses_the_token_of_a_deactivated_user(agent: User) -> None:
    issued = create_api_token(agent, "tests")
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert_unauthorised(ApiClient(issued.plaintext).get("/api/cases"))


def test_it_stores_only_the_hash_of_the_token(agent: User) -> None:
    issued = create_api_token(agent, "DMS sync")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.token_hash == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    assert issued.plaintext not in repr(list(ApiToken.objects.values()))
    assert stored.prefix == issued.plaintext[:10]
    event = Event.objects.get(verb="api_token.created")
    assert issued.plaintext not in str(event.data)


def test_it_records_when_a_token_was_last_used(agent: User) -> None:
    issued = create_api_token(agent, "tests")
    assert issued.token.last_used_at is None
    before = timezone.now()
    ApiClient(issued.plaintext).get("/api/cases")
    used = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert used is not None and used >= before


def test_it_writes_last_used_at_at_most_once_a_minute(agent: User) -> None:
    issued = create_api_token(agent, "tests")
    recent = timezone.now() - dt.timedelta(seconds=20)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=recent)
    ApiClient(issued.plaintext).get("/api/cases")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == recent


def test_it_refuses_to_scope_a_token_to_a_site_its_user_cannot_see(
    agent: User, goteborg: Site
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_api_token(agent, "too wide", sites=[goteborg])
    assert "goteborg" in caught.value.message_dict["sites"][0]
    assert not ApiToken.objects.exists()


def test_it_requires_a_token_name(agent: User) -> None:
    with pytest.raises(ValidationError) as caught:
        create_api_token(agent, "  ")
    assert list(caught.value.message_dict) == ["name"]


def test_the_command_prints_a_working_token_once(
    agent: User, madrid: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("create_api_token", "alba", "Booking tool", "--sites", "madrid")
    out, err = capsys.readouterr()
    plaintext = out.strip().splitlines()[-1]
    assert plaintext.startswith("pv_")
    assert "not shown again" in err
    token = ApiToken.objects.get(name="Booking tool")
    assert list(token.sites.values_list("slug", flat=True)) == ["madrid"]
    assert ApiClient(plaintext).get("/api/cases").status_code == 200


def test_the_command_names_an_unknown_user_or_site(agent: User, madrid: Site) -> None:
    with pytest.raises(CommandError, match="username"):
        call_command("create_api_token", "nobody", "x")
    with pytest.raises(CommandError, match="sites: unknown site"):
        call_command("create_api_token", "alba", "x", "--sites", "madrid,atlantis")
    assert not ApiToken.objects.exists()
