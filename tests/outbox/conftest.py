"""Real parts for outbox tests: an SMTP server and a Twilio-compatible HTTP API on loopback,
an SMS file in a temporary directory, and a switch to run tasks immediately."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

SMS_FROM = "+34910000001"
WHATSAPP_FROM = "+34910000002"
ACCOUNT_SID = "AC0123456789abcdef"
AUTH_TOKEN = "secret-token-42"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpInbox:
    """What the loopback SMTP server received, plus answers to give to chosen recipients."""

    envelopes: list[Any] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def serve_smtp(settings: Any, *, smtputf8: bool) -> Iterator[SmtpInbox]:
    """A loopback SMTP server the outbox delivers to through the production backend."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=smtputf8)
    controller.start()
    settings.EMAIL_BACKEND = "posventa.outbox.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_inbox(settings: Any) -> Iterator[SmtpInbox]:
    """A server offering SMTPUTF8 (RFC 6531), as today's mail servers do."""
    with serve_smtp(settings, smtputf8=True) as inbox:
        yield inbox


@pytest.fixture
def ascii_only_smtp_inbox(settings: Any) -> Iterator[SmtpInbox]:
    """An older server that does not offer SMTPUTF8."""
    with serve_smtp(settings, smtputf8=False) as inbox:
        yield inbox


@dataclass
class FakeTwilio:
    """A Twilio-compatible Messages API. Answers from `replies` in order, then 201s."""

    url: str = ""
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay_seconds: float = 0.0  # to play a provider that hangs
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            return 201, {"sid": f"SM{len(self.requests):032d}", "status": "queued"}


def twilio_handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            with fake.lock:
                fake.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "content_type": self.headers.get("Content-Type", ""),
                        "form": {key: values[0] for key, values in form.items()},
                    }
                )
            time.sleep(fake.delay_seconds)
            status, payload = fake.next_reply()
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def fake_twilio(settings: Any) -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), twilio_handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.SMS_BACKEND = "twilio"
    settings.SMS_API_URL = fake.url
    settings.SMS_ACCOUNT_SID = ACCOUNT_SID
    settings.SMS_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_FROM_NUMBER = SMS_FROM
    settings.WHATSAPP_FROM_NUMBER = WHATSAPP_FROM
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sms_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "sent-sms.jsonl"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = path
    settings.SMS_FROM_NUMBER = SMS_FROM
    settings.WHATSAPP_FROM_NUMBER = WHATSAPP_FROM
    return path


def read_sms_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Deliver in-process right after commit, as the demo's single process would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def database_tasks(settings: Any) -> None:
    """The production default, spelled out so an environment override cannot change it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
