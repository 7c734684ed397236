"""Raw first, processed idempotently: redeliveries and forged Message-IDs lose nothing."""

from __future__ import annotations

from pathlib import Path

from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.inbox.actions import ingest, process_inbound, retry_quarantined
from posventa.inbox.models import InboundRaw, InboundStatus, Message
from tests.inbox.factories import email_bytes


def test_it_stores_the_raw_bytes_and_makes_a_case(madrid: Site) -> None:
    data = email_bytes(message_id="<first@example.net>")
    raw = ingest("email", data, source="imap", site=madrid)
    assert raw.status == InboundStatus.PROCESSED
    assert raw.payload() == data
    assert raw.dedupe_key == "<first@example.net>"
    assert raw.message is not None and raw.message.case.site == madrid


def test_it_does_not_duplicate_a_redelivered_message(madrid: Site) -> None:
    data = email_bytes(message_id="<again@example.net>")
    first = ingest("email", data, source="imap", site=madrid)
    second = ingest("email", data, source="smtp", site=madrid)
    assert second.pk == first.pk
    assert InboundRaw.objects.count() == 1
    assert Message.objects.filter(direction="inbound").count() == 1
    assert Case.objects.count() == 1


def test_it_quarantines_a_message_id_collision_without_losing_it(madrid: Site) -> None:
    genuine = email_bytes(message_id="<same@example.net>", body="Genuine")
    forged = email_bytes(message_id="<same@example.net>", body="Forged, different")
    first = ingest("email", genuine, source="imap", site=madrid)
    second = ingest("email", forged, source="imap", site=madrid)
    assert second.pk != first.pk
    assert second.status == InboundStatus.QUARANTINED
    assert "Message-ID collision" in second.reason
    assert second.payload() == forged
    assert Case.objects.count() == 1
    # The same forged bytes delivered again are still kept once.
    assert ingest("email", forged, source="imap", site=madrid).pk == second.pk
    assert InboundRaw.objects.count() == 2


def test_it_processes_a_quarantined_message_again_on_retry(madrid: Site, manager) -> None:
    ingest("email", email_bytes(message_id="<x@example.net>", body="A"), source="imap", site=madrid)
    collided = ingest(
        "email", email_bytes(message_id="<x@example.net>", body="B"), source="imap", site=madrid
    )
    retried = retry_quarantined(collided, actor=manager)
    assert retried.status == InboundStatus.PROCESSED
    assert retried.message is not None
    assert retried.attempts == 1


def test_process_inbound_is_idempotent(madrid: Site) -> None:
    raw = ingest("email", email_bytes(), source="imap", site=madrid)
    again = process_inbound(raw)
    assert again.status == InboundStatus.PROCESSED
    assert Message.objects.filter(direction="inbound").count() == 1


def test_it_keeps_a_big_payload_in_a_file(madrid: Site, settings: SettingsWrapper) -> None:
    settings.POSVENTA_INBOUND_INLINE_BYTES = 1000
    data = email_bytes(body="x" * 5000)
    raw = ingest("email", data, source="imap", site=madrid)
    raw.refresh_from_db()
    assert raw.raw_path.startswith("inbound/")
    assert bytes(raw.raw) == b""
    assert (Path(settings.MEDIA_ROOT) / raw.raw_path).read_bytes() == data
    assert raw.payload() == data
    assert raw.status == InboundStatus.PROCESSED


def test_it_reads_the_message_id_when_the_adapter_gives_none(madrid: Site) -> None:
    raw = ingest("email", email_bytes(message_id="<read@example.net>"), source="smtp", site=madrid)
    assert raw.dedupe_key == "<read@example.net>"


def test_a_row_left_pending_by_a_crash_is_processed_later(madrid: Site) -> None:
    import datetime as dt

    from django.utils import timezone

    from posventa.inbox.recovery import process_pending

    data = email_bytes(message_id="<crashed@example.net>")
    stranded = InboundRaw.objects.create(
        received_at=timezone.now() - dt.timedelta(minutes=5),
        channel="email",
        source="imap",
        site=madrid,
        raw=data,
        size=len(data),
        sha256="0" * 64,
        dedupe_key="<crashed@example.net>",
    )
    assert process_pending() == 1
    stranded.refresh_from_db()
    assert stranded.status == InboundStatus.PROCESSED
    assert Case.objects.count() == 1
    assert process_pending() == 0


def test_an_unusable_phone_number_is_quarantined_with_the_reason(madrid: Site) -> None:
    from tests.inbox.factories import twilio_body

    raw = ingest("sms", twilio_body(sender="not-a-number"), source="webhook", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    assert raw.reason
    assert not Case.objects.exists()
