"""Receive e-mail over SMTP for the sites' addresses: `manage.py smtp_listen --port 2525`."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.inbox.adapters.smtp import start_listener


def tls_context_configured() -> bool:
    return bool(getattr(settings, "POSVENTA_SMTP_TLS_CERT", ""))


class Command(BaseCommand):
    help = "Run the inbound SMTP listener until interrupted (SIGINT or SIGTERM)."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by SIGINT/SIGTERM, or by whoever runs the command in a thread (tests).
        self.stop = threading.Event()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=2525, help="Port (2525).")

    def handle(self, *args: Any, **options: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_args: self.stop.set())
        try:
            controller = start_listener(options["host"], options["port"])
        except ImproperlyConfigured as error:
            raise CommandError(f"The SMTP listener cannot start: {error}") from error
        tls = " (STARTTLS offered)" if tls_context_configured() else ""
        self.stdout.write(f"Listening for SMTP on {options['host']}:{options['port']}{tls}")
        self.stdout.flush()
        try:
            self.stop.wait()
        finally:
            # Stops accepting, and lets a DATA being stored finish before the loop ends.
            controller.stop()
            self.stdout.write("SMTP listener stopped.")
