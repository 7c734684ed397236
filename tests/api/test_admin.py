"""Revoking tokens from the admin goes through the action (and its timeline event)."""

from __future__ import annotations

from django.test import Client

from posventa.api.actions import create_api_token
from posventa.api.models import ApiToken
from posventa.core.models import Event, User
from tests.api.conftest import ApiClient


def test_an_admin_revokes_tokens_and_they_stop_working(agent: User) -> None:
    superuser = User.objects.create_superuser("root", "root@example.com", "pw-123456789")
    issued = create_api_token(agent, "Old script")
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [issued.token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 token revoked." in response.content.decode()
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert Event.objects.filter(verb="api_token.revoked", actor=superuser).count() == 1
    assert ApiClient(issued.plaintext).get("/api/cases").status_code == 401


def test_the_admin_lists_tokens_without_their_secret(agent: User) -> None:
    superuser = User.objects.create_superuser("root", "root@example.com", "pw-123456789")
    issued = create_api_token(agent, "Booking tool")
    client = Client()
    client.force_login(superuser)
    page = client.get("/admin/api/apitoken/").content.decode()
    assert "Booking tool" in page
    assert issued.token.prefix in page
    assert issued.plaintext not in page
    assert issued.token.token_hash not in page
