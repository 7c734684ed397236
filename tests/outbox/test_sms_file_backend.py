"""The default SMS backend appends JSON lines to a file: the demo's "phone"."""

from __future__ import annotations

from pathlib import Path

from posventa.core.models import Site
from posventa.outbox.actions import send_to_customer
from posventa.outbox.delivery import deliver_pending
from posventa.outbox.models import Channel, Notification, NotificationStatus
from tests.outbox.conftest import SMS_FROM, WHATSAPP_FROM, read_sms_lines


def test_it_appends_one_json_line_per_message(madrid: Site, sms_file: Path) -> None:
    send_to_customer(
        channel=Channel.SMS,
        to_address="612 345 678",
        subject="",
        body="Su coche está listo. ¡Gracias!",
        site=madrid,
    )
    send_to_customer(
        channel=Channel.WHATSAPP,
        to_address="+46701234567",
        subject="",
        body="Din bil är klar.",
        site=madrid,
    )

    assert deliver_pending() == 2

    first, second = read_sms_lines(sms_file)
    assert first["channel"] == "sms"
    assert first["to"] == "+34612345678"
    assert first["from"] == SMS_FROM
    assert first["body"] == "Su coche está listo. ¡Gracias!"
    assert second["channel"] == "whatsapp"
    assert second["from"] == WHATSAPP_FROM
    sent = Notification.objects.order_by("pk")
    assert [n.status for n in sent] == [NotificationStatus.SENT, NotificationStatus.SENT]
    assert [n.provider_message_id for n in sent] == [first["id"], second["id"]]


def test_an_unwritable_file_is_a_temporary_failure(madrid: Site, sms_file: Path) -> None:
    sms_file.mkdir()  # a directory where the file should be: writing fails
    notification = send_to_customer(
        channel=Channel.SMS, to_address="+34612345678", subject="", body="Hello", site=madrid
    )

    deliver_pending()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.RETRYING
    assert "Cannot write" in notification.last_error
