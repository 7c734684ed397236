"""STARTTLS on the SMTP listener: offered with a certificate and key from the settings,
required before MAIL when asked, and a listener that cannot use its certificate refuses to
start. A real self-signed certificate (made with openssl in the test), a real listener on
loopback, smtplib as the sending server."""

from __future__ import annotations

import io
import shutil
import smtplib
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels.actions import add_mail_route
from posventa.core.models import Site
from posventa.inbox.adapters.smtp import start_listener
from posventa.inbox.models import InboundRaw, InboundStatus
from tests.inbox.adapters.helpers import SENDER, free_port, mail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]

WORKSHOP = "taller@madrid.example"


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=mx.madrid.example", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def certificate(tmp_path: Path, settings: SettingsWrapper) -> Path:
    cert, key = _self_signed(tmp_path, "mx")
    settings.POSVENTA_SMTP_TLS_CERT = str(cert)
    settings.POSVENTA_SMTP_TLS_KEY = str(key)
    return cert


@pytest.fixture
def port(madrid: Site, certificate: Path) -> Iterator[int]:
    add_mail_route(madrid, WORKSHOP)
    port = free_port()
    controller = start_listener("127.0.0.1", port)
    yield port
    controller.stop()


def _trusting(certificate: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate))


def test_starttls_is_offered_and_a_message_sent_over_it_is_ingested(
    port: int, certificate: Path, madrid: Site
) -> None:
    data = mail(to=WORKSHOP)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("mx.example.org")
        assert client.has_extn("starttls")
        assert client.starttls(context=_trusting(certificate))[0] == 220
        client.ehlo("mx.example.org")
        assert not client.has_extn("starttls")  # once is enough
        assert client.sendmail(SENDER, [WORKSHOP], data) == {}

    raw = InboundRaw.objects.get()
    assert raw.payload() == data and raw.status == InboundStatus.PROCESSED
    assert raw.site == madrid and raw.metadata["tls"] is True


def test_without_tls_required_a_plain_message_is_still_accepted(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        assert client.sendmail(SENDER, [WORKSHOP], mail(to=WORKSHOP)) == {}

    assert "tls" not in InboundRaw.objects.get().metadata


def test_with_tls_required_mail_before_starttls_is_refused(
    madrid: Site, certificate: Path, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_SMTP_REQUIRE_TLS = True
    add_mail_route(madrid, WORKSHOP)
    port = free_port()
    controller = start_listener("127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo("mx.example.org")
            code, answer = client.mail(SENDER)
            assert code == 530 and b"STARTTLS" in answer
            client.starttls(context=_trusting(certificate))
            client.ehlo("mx.example.org")
            assert client.sendmail(SENDER, [WORKSHOP], mail(to=WORKSHOP)) == {}
    finally:
        controller.stop()
    assert InboundRaw.objects.get().metadata["tls"] is True


@pytest.mark.parametrize(
    ("cert", "key", "says"),
    [
        ("missing.crt", "mx.key", "POSVENTA_SMTP_TLS_CERT: cannot read"),
        ("mx.crt", "missing.key", "POSVENTA_SMTP_TLS_KEY: cannot read"),
        ("mx.crt", "other.key", "Cannot use the STARTTLS certificate"),  # not its key
        ("mx.key", "mx.crt", "Cannot use the STARTTLS certificate"),  # swapped
        ("mx.crt", "", "POSVENTA_SMTP_TLS_KEY is not set"),
    ],
)
def test_a_listener_that_cannot_use_its_certificate_refuses_to_start(
    db: None, tmp_path: Path, settings: SettingsWrapper, cert: str, key: str, says: str
) -> None:
    _self_signed(tmp_path, "mx")
    _self_signed(tmp_path, "other")
    settings.POSVENTA_SMTP_TLS_CERT = str(tmp_path / cert)
    settings.POSVENTA_SMTP_TLS_KEY = str(tmp_path / key) if key else ""

    with pytest.raises(ImproperlyConfigured, match=says):
        start_listener("127.0.0.1", free_port())
    with pytest.raises(CommandError, match="^The SMTP listener cannot start: .*" + says):
        call_command("smtp_listen", "--port", str(free_port()), stdout=io.StringIO())


def test_requiring_tls_without_a_certificate_refuses_to_start(
    db: None, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_SMTP_REQUIRE_TLS = True

    with pytest.raises(ImproperlyConfigured, match="POSVENTA_SMTP_TLS_CERT"):
        start_listener("127.0.0.1", free_port())
