"""The quarantine page: what we kept but could not file, a safe preview, and Retry."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from posventa.core.models import Site, User
from posventa.inbox.actions import ingest
from posventa.inbox.models import InboundRaw, InboundStatus
from posventa.inbox.views import PREVIEW_CHARS
from tests.inbox.factories import email_bytes

NO_SENDER = b"Subject: Hola\r\n\r\n<script>alert('x')</script> Quiero cita para el lunes.\r\n"


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def quarantined(site: Site | None, data: bytes = NO_SENDER) -> InboundRaw:
    raw = ingest("email", data, source="imap", site=site)
    assert raw.status == InboundStatus.QUARANTINED, raw.reason
    return raw


def collided(site: Site) -> InboundRaw:
    """A second message under an existing Message-ID: quarantined, but genuine on retry."""
    ingest(
        "email", email_bytes(message_id="<dup@example.net>", body="Uno"), source="imap", site=site
    )
    return quarantined(site, email_bytes(message_id="<dup@example.net>", body="Dos, distinto"))


def test_it_requires_login(client: Client) -> None:
    response = client.get(reverse("inbox:quarantine"))
    assert response.status_code == 302


def test_it_lists_channel_source_time_reason_and_an_escaped_preview(
    client: Client, agent: User, madrid: Site
) -> None:
    raw = quarantined(madrid)

    response = login(client, agent).get(reverse("inbox:quarantine"))
    html = response.content.decode()

    assert response.status_code == 200
    assert [row.raw.pk for row in response.context["rows"]] == [raw.pk]
    assert "E-mail" in html and "IMAP poller" in html and madrid.name in html
    assert raw.reason in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Quiero cita" in html
    assert "<script>alert('x')</script>" not in html


def test_the_preview_of_a_large_payload_is_truncated(
    client: Client, agent: User, madrid: Site
) -> None:
    big = b"Subject: Largo\r\n\r\n" + b"A" * 20_000
    quarantined(madrid, big)

    response = login(client, agent).get(reverse("inbox:quarantine"))
    preview = response.context["rows"][0].preview

    assert preview.endswith(" …")
    assert len(preview) <= PREVIEW_CHARS + 2


def test_the_preview_replaces_control_characters(client: Client, agent: User, madrid: Site) -> None:
    quarantined(madrid, b"\x00\x1b[31m\xff\xfe garbage")

    response = login(client, agent).get(reverse("inbox:quarantine"))
    preview = response.context["rows"][0].preview

    assert "garbage" in preview
    assert "\x00" not in preview and "\x1b" not in preview


def test_the_preview_keeps_line_breaks(client: Client, agent: User, madrid: Site) -> None:
    quarantined(madrid)

    preview = login(client, agent).get(reverse("inbox:quarantine")).context["rows"][0].preview

    assert preview.startswith("Subject: Hola\n\n<script>")
    assert "\ufffd" not in preview


def test_an_outsider_neither_sees_nor_retries_another_sites_quarantine(
    client: Client, outsider: User, madrid: Site
) -> None:
    raw = collided(madrid)
    client = login(client, outsider)

    assert client.get(reverse("inbox:quarantine")).context["rows"] == []
    response = client.post(reverse("inbox:quarantine_retry", args=[raw.pk]))

    assert response.status_code == 404
    raw.refresh_from_db()
    assert raw.status == InboundStatus.QUARANTINED


def test_a_row_without_a_site_is_shown_to_superusers_only(
    client: Client, agent: User, madrid: Site
) -> None:
    raw = quarantined(None)
    admin = User.objects.create_superuser("root-admin", "root@example.com", "pw-123456789")

    assert login(client, agent).get(reverse("inbox:quarantine")).context["rows"] == []
    rows = login(Client(), admin).get(reverse("inbox:quarantine")).context["rows"]
    assert [row.raw.pk for row in rows] == [raw.pk]


def test_retry_files_a_genuine_message_and_says_on_which_case(
    client: Client, manager: User, madrid: Site
) -> None:
    raw = collided(madrid)

    response = login(client, manager).post(
        reverse("inbox:quarantine_retry", args=[raw.pk]), follow=True
    )

    raw.refresh_from_db()
    assert raw.status == InboundStatus.PROCESSED and raw.message is not None
    html = response.content.decode()
    assert f"Processed: filed on case {raw.message.case.reference}." in html
    assert response.context["rows"] == []


def test_retry_with_htmx_swaps_the_row_with_the_outcome(
    client: Client, manager: User, madrid: Site
) -> None:
    raw = collided(madrid)

    response = login(client, manager).post(
        reverse("inbox:quarantine_retry", args=[raw.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()

    raw.refresh_from_db()
    assert html.lstrip().startswith(f'<tr id="raw-{raw.pk}"')
    assert "Processed: filed on case" in html
    assert reverse("cases:detail", args=[raw.message.case.reference]) in html  # type: ignore[union-attr]
    assert "Retry</button>" not in html


def test_retry_of_a_still_broken_message_keeps_it_with_its_reason(
    client: Client, manager: User, madrid: Site
) -> None:
    raw = quarantined(madrid)

    response = login(client, manager).post(
        reverse("inbox:quarantine_retry", args=[raw.pk]), follow=True
    )

    raw.refresh_from_db()
    assert raw.status == InboundStatus.QUARANTINED and raw.attempts == 2
    assert f"Still quarantined: {raw.reason}" in response.content.decode()


def test_retrying_a_row_that_left_the_quarantine_says_so(
    client: Client, manager: User, madrid: Site
) -> None:
    raw = collided(madrid)
    client = login(client, manager)
    client.post(reverse("inbox:quarantine_retry", args=[raw.pk]))

    response = client.post(reverse("inbox:quarantine_retry", args=[raw.pk]), follow=True)

    assert "Only a quarantined message can be retried." in response.content.decode()
