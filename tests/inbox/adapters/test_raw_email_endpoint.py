"""POST /in/email/<site>/: raw RFC 5322 bytes behind a bearer token."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Event, Site
from posventa.inbox.models import InboundRaw, InboundStatus
from tests.inbox.adapters.helpers import SENDER, case_of, mail

URL = "/in/email/madrid/"


@pytest.fixture
def token(madrid: Site) -> str:
    _row, clear = channel_actions.issue_endpoint_token(madrid, "Relay of the dealer website")
    return clear


def post_mail(
    client: Client,
    data: bytes,
    token: str = "",
    url: str = URL,
    content_type: str = "message/rfc822",
) -> object:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(url, data=data, content_type=content_type, **headers)  # type: ignore[arg-type]


def test_it_stores_the_exact_bytes_and_answers_202_with_the_raw_id(
    client: Client, madrid: Site, token: str
) -> None:
    data = mail()
    response = post_mail(client, data, token)
    assert response.status_code == 202  # type: ignore[attr-defined]
    raw = InboundRaw.objects.get()
    assert response.json() == {"id": raw.pk, "status": "processed"}  # type: ignore[attr-defined]
    assert raw.payload() == data
    assert (raw.channel, raw.source, raw.site) == ("email", "http", madrid)
    case = case_of(raw)
    assert case.site == madrid
    assert case.customer.contact_points.filter(value=SENDER).exists()


def test_it_refuses_a_request_without_a_token_with_401_and_keeps_it(
    client: Client, madrid: Site, token: str
) -> None:
    response = post_mail(client, mail())
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response["WWW-Authenticate"].startswith("Bearer")  # type: ignore[index]
    assert not InboundRaw.objects.exists()
    refused = RefusedRequest.objects.get()
    assert (refused.reason, refused.site, refused.endpoint) == (
        RefusedReason.MISSING_TOKEN,
        madrid,
        "http_email",
    )
    assert b"Subject:" in bytes(refused.body)


def test_it_refuses_a_wrong_token_and_never_records_the_secret(
    client: Client, madrid: Site, token: str
) -> None:
    response = post_mail(client, mail(), token + "x")
    assert response.status_code == 401  # type: ignore[attr-defined]
    refused = RefusedRequest.objects.get()
    assert refused.reason == RefusedReason.BAD_TOKEN
    assert refused.headers["Authorization"] == "[redacted]"
    assert Event.objects.filter(verb="inbound.refused", site=madrid).exists()


def test_a_token_only_opens_its_own_site(
    client: Client, madrid: Site, goteborg: Site, token: str
) -> None:
    response = post_mail(client, mail(), token, url="/in/email/goteborg/")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert not InboundRaw.objects.exists()


def test_a_revoked_token_is_refused(client: Client, madrid: Site) -> None:
    row, clear = channel_actions.issue_endpoint_token(madrid, "Old relay")
    channel_actions.revoke_endpoint_token(row)
    assert post_mail(client, mail(), clear).status_code == 401  # type: ignore[attr-defined]


def test_only_the_hash_of_a_token_is_stored(madrid: Site) -> None:
    row, clear = channel_actions.issue_endpoint_token(madrid, "Relay")
    row.refresh_from_db()
    assert clear not in (row.token_hash, row.prefix)
    assert row.token_hash == channel_actions.hash_token(clear)


def test_an_oversized_message_is_refused_with_413_before_it_is_read(
    client: Client, madrid: Site, token: str, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_INBOUND_MAX_BYTES = 2_000
    response = post_mail(client, mail(body="x" * 5_000), token)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "limit is 2000 bytes" in response.json()["error"]  # type: ignore[attr-defined]
    assert not InboundRaw.objects.exists()
    refused = RefusedRequest.objects.get()
    assert refused.reason == RefusedReason.TOO_LARGE and refused.body_size > 2_000
    assert bytes(refused.body) == b""


def test_another_content_type_is_refused_with_415(client: Client, madrid: Site, token: str) -> None:
    response = post_mail(client, mail(), token, content_type="application/json")
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert "message/rfc822" in response.json()["error"]  # type: ignore[attr-defined]
    assert RefusedRequest.objects.get().reason == RefusedReason.UNSUPPORTED_TYPE


def test_an_empty_body_is_refused_with_400(client: Client, madrid: Site, token: str) -> None:
    response = post_mail(client, b"   \r\n", token)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert RefusedRequest.objects.get().reason == RefusedReason.EMPTY


def test_garbage_is_stored_quarantined_and_still_accepted(
    client: Client, madrid: Site, token: str
) -> None:
    garbage = b"\x00\xff\xfe this is not an e-mail \x00"
    response = post_mail(client, garbage, token)
    assert response.status_code == 202  # type: ignore[attr-defined]
    raw = InboundRaw.objects.get(pk=response.json()["id"])  # type: ignore[attr-defined]
    assert raw.status == InboundStatus.QUARANTINED and raw.reason
    assert raw.payload() == garbage


def test_a_message_posted_twice_is_stored_once(client: Client, madrid: Site, token: str) -> None:
    data = mail()
    first = post_mail(client, data, token).json()  # type: ignore[attr-defined]
    second = post_mail(client, data, token).json()  # type: ignore[attr-defined]
    assert first["id"] == second["id"]
    assert InboundRaw.objects.count() == 1


def test_a_message_without_message_id_posted_twice_is_stored_once(
    client: Client, madrid: Site, token: str
) -> None:
    data = mail(with_message_id=False)
    post_mail(client, data, token)
    post_mail(client, data, token)
    assert InboundRaw.objects.count() == 1


def test_an_unknown_site_is_404(client: Client, madrid: Site, token: str) -> None:
    assert post_mail(client, mail(), token, url="/in/email/nowhere/").status_code == 404  # type: ignore[attr-defined]


def test_only_post_is_allowed(client: Client, madrid: Site) -> None:
    assert client.get(URL).status_code == 405
