"""Adapter configuration: mail routes, mailboxes, credentials, tokens, refused requests."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from posventa.channels import actions
from posventa.channels.models import InboundEndpointToken, RefusedReason
from posventa.core.models import Event, Site, User


def test_an_exact_address_wins_over_its_domain(madrid: Site, goteborg: Site) -> None:
    actions.add_mail_route(madrid, "@ejemplo-motor.example")
    actions.add_mail_route(goteborg, "verkstad@ejemplo-motor.example")
    assert actions.route_for_address("Verkstad@Ejemplo-Motor.example").site == goteborg  # type: ignore[union-attr]
    assert actions.route_for_address("<taller@ejemplo-motor.example>").site == madrid  # type: ignore[union-attr]
    assert actions.route_for_address("taller@otro.example") is None
    assert actions.route_for_address("not-an-address") is None


def test_two_sites_cannot_claim_the_same_address(madrid: Site, goteborg: Site) -> None:
    actions.add_mail_route(madrid, "taller@ejemplo-motor.example")
    with pytest.raises(ValidationError) as error:
        actions.add_mail_route(goteborg, "taller@ejemplo-motor.example")
    assert "address" in error.value.message_dict


def test_a_route_that_is_not_an_address_names_the_field(madrid: Site) -> None:
    with pytest.raises(ValidationError) as error:
        actions.add_mail_route(madrid, "no es un dominio")
    assert "address" in error.value.message_dict


def test_adding_a_route_is_on_the_site_timeline(madrid: Site) -> None:
    actions.add_mail_route(madrid, "taller@ejemplo-motor.example")
    assert Event.objects.filter(verb="channels.mail_route_added", site=madrid).exists()


def test_a_mailbox_without_host_user_or_password_names_each_field(madrid: Site) -> None:
    with pytest.raises(ValidationError) as error:
        actions.add_imap_mailbox(madrid, name="Vacío", host="", username="", port=0)
    assert set(error.value.message_dict) == {"host", "username", "password", "port"}


def test_a_mailbox_password_can_live_in_the_environment(
    madrid: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSVENTA_TEST_IMAP_PASSWORD", "desde-el-entorno")
    mailbox = actions.add_imap_mailbox(
        madrid,
        name="Taller",
        host="imap.example.org",
        username="taller",
        password_env="POSVENTA_TEST_IMAP_PASSWORD",
    )
    assert mailbox.password == "" and mailbox.secret() == "desde-el-entorno"


def test_a_webhook_credential_needs_a_token_and_never_logs_it(madrid: Site) -> None:
    with pytest.raises(ValidationError) as error:
        actions.set_webhook_credential(madrid, "  ")
    assert "auth_token" in error.value.message_dict
    actions.set_webhook_credential(madrid, "secreto-de-twilio")
    event = Event.objects.get(verb="channels.webhook_credential_set")
    assert "secreto-de-twilio" not in str(event.data) + event.summary


def test_a_refused_request_keeps_a_bounded_part_of_the_body(madrid: Site) -> None:
    body = b"a" * (actions.REFUSED_BODY_LIMIT + 10)
    refused = actions.record_refused_request(
        "http_email",
        RefusedReason.TOO_LARGE,
        site=madrid,
        body=body,
        headers={"Authorization": "Bearer pv_secret", "User-Agent": "relay/1.0"},
    )
    refused.refresh_from_db()
    assert len(bytes(refused.body)) == actions.REFUSED_BODY_LIMIT
    assert refused.body_truncated and refused.body_size == len(body)
    assert refused.headers == {"Authorization": "[redacted]", "User-Agent": "relay/1.0"}


def test_the_admin_shows_a_new_token_once_and_stores_only_its_hash(
    client: Client, madrid: Site
) -> None:
    admin = User.objects.create_superuser("admin-pruebas", "admin@example.org", "clave-123456")
    client.force_login(admin)
    response = client.post(
        "/admin/channels/inboundendpointtoken/add/",
        {"site": madrid.pk, "label": "Relé de la web"},
        follow=True,
    )
    assert response.status_code == 200
    token = InboundEndpointToken.objects.get()
    shown = next(str(m) for m in response.context["messages"] if "pv_" in str(m))
    clear = shown.rsplit(" ", 1)[-1]
    assert actions.hash_token(clear) == token.token_hash
    assert actions.authenticate_endpoint_token(madrid, clear) == token
