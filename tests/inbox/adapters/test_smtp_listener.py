"""The SMTP listener, spoken to over a real socket with smtplib."""

from __future__ import annotations

import io
import smtplib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels.actions import add_mail_route
from posventa.core.models import Site
from posventa.inbox.adapters.smtp import start_listener
from posventa.inbox.management.commands import smtp_listen
from posventa.inbox.models import InboundRaw, InboundStatus
from tests.inbox.adapters.helpers import SENDER, case_of, free_port, mail

pytestmark = pytest.mark.django_db(transaction=True)

WORKSHOP = "taller@madrid.example"


@pytest.fixture
def limit(settings: SettingsWrapper) -> int:
    settings.POSVENTA_INBOUND_MAX_BYTES = 20_000
    return 20_000


@pytest.fixture
def port(madrid: Site, limit: int) -> Iterator[int]:
    add_mail_route(madrid, WORKSHOP)
    add_mail_route(madrid, "@recambios.madrid.example", department="parts")
    port = free_port()
    controller = start_listener("127.0.0.1", port)
    yield port
    controller.stop()


def send_raw(
    port: int, data: bytes, recipients: list[str], sender: str = SENDER
) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA by hand (no SIZE parameter), returning the answer to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("mx.example.org")
        assert client.mail(sender)[0] == 250
        for recipient in recipients:
            client.rcpt(recipient)
        return client.data(data)


def test_a_message_is_stored_before_the_250_with_its_exact_bytes(port: int, madrid: Site) -> None:
    data = mail(to=WORKSHOP)
    code, answer = send_raw(port, data, [WORKSHOP])
    assert code == 250
    raw = InboundRaw.objects.get()
    assert f"inbound #{raw.pk}".encode() in answer
    assert raw.payload() == data
    assert (raw.channel, raw.source, raw.site) == ("email", "smtp", madrid)
    assert raw.metadata["envelope_from"] == SENDER
    assert raw.metadata["envelope_to"] == [WORKSHOP]
    assert raw.metadata["helo"] == "mx.example.org"
    assert case_of(raw).site == madrid


def test_an_unknown_recipient_is_refused_with_550(port: int) -> None:
    with (
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
        smtplib.SMTP("127.0.0.1", port, timeout=30) as client,
    ):
        client.sendmail(SENDER, ["nadie@otro-dominio.example"], mail())
    assert refused.value.recipients["nadie@otro-dominio.example"][0] == 550
    assert not InboundRaw.objects.exists()


def test_only_the_known_recipients_of_an_envelope_are_accepted(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        refused = client.sendmail(SENDER, [WORKSHOP, "nadie@otro-dominio.example"], mail())
    assert list(refused) == ["nadie@otro-dominio.example"]
    assert InboundRaw.objects.get().metadata["envelope_to"] == [WORKSHOP]


def test_a_domain_route_accepts_any_address_and_carries_its_department(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(
            SENDER,
            ["pedidos@recambios.madrid.example"],
            mail(to="pedidos@recambios.madrid.example"),
        )
    assert case_of(InboundRaw.objects.get()).department == "parts"


def test_a_message_announced_over_the_limit_is_refused_with_552(port: int, limit: int) -> None:
    with (
        pytest.raises(smtplib.SMTPSenderRefused) as refused,
        smtplib.SMTP("127.0.0.1", port, timeout=30) as client,
    ):
        client.sendmail(SENDER, [WORKSHOP], mail(body="x" * (limit + 1_000)))
    assert refused.value.smtp_code == 552
    assert not InboundRaw.objects.exists()


def test_a_message_over_the_limit_without_size_is_refused_with_552(port: int, limit: int) -> None:
    long_body = "\n".join(["una línea de relleno"] * (limit // 10))
    code, _answer = send_raw(port, mail(body=long_body), [WORKSHOP])
    assert code == 552
    assert not InboundRaw.objects.exists()


def test_garbage_is_stored_quarantined_and_accepted(port: int) -> None:
    garbage = b"\x01\x02 not an e-mail at all\r\n\xff\xfe\r\n"
    code, _answer = send_raw(port, garbage, [WORKSHOP])
    assert code == 250
    raw = InboundRaw.objects.get()
    assert raw.status == InboundStatus.QUARANTINED and raw.reason
    assert raw.payload() == garbage


def test_a_message_sent_again_after_a_lost_answer_is_stored_once(port: int) -> None:
    data = mail()
    assert send_raw(port, data, [WORKSHOP])[0] == 250
    assert send_raw(port, data, [WORKSHOP])[0] == 250
    assert InboundRaw.objects.count() == 1


def test_when_storing_fails_the_sender_is_told_to_retry_and_nothing_is_half_stored(
    port: int, settings: SettingsWrapper, tmp_path: Path
) -> None:
    # Payloads over the inline limit go to a file; a media root below a regular file cannot
    # be created, even by root, so storing really fails.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.POSVENTA_INBOUND_INLINE_BYTES = 100
    settings.MEDIA_ROOT = blocker / "media"
    data = mail(body="Adjunto la factura." * 20)
    code, _answer = send_raw(port, data, [WORKSHOP])
    assert code == 451
    assert not InboundRaw.objects.exists()

    settings.MEDIA_ROOT = tmp_path / "media"
    assert send_raw(port, data, [WORKSHOP])[0] == 250
    assert InboundRaw.objects.get().payload() == data


def test_the_smtp_listen_command_receives_until_stopped(madrid: Site) -> None:
    add_mail_route(madrid, WORKSHOP)
    port = free_port()
    command = smtp_listen.Command()
    out = io.StringIO()
    runner = threading.Thread(
        target=call_command,
        args=(command, "--host", "127.0.0.1", "--port", str(port)),
        kwargs={"stdout": out},
    )
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while "Listening" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert send_raw(port, mail(), [WORKSHOP])[0] == 250
    finally:
        command.stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()
    assert "SMTP listener stopped." in out.getvalue()
    assert InboundRaw.objects.get().source == "smtp"
