"""Poll the configured IMAP mailboxes: `manage.py imap_poll [--once] [--interval 60]`."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from posventa.channels.models import ImapMailbox
from posventa.inbox import parse_ahead
from posventa.inbox.adapters.imap import poll_mailbox

logger = logging.getLogger("posventa.inbox.imap")


class Command(BaseCommand):
    help = "Fetch new e-mail from every active IMAP mailbox and store it (raw first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and exit.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between polls (default 60)."
        )
        parser.add_argument(
            "--mailbox",
            type=int,
            action="append",
            default=[],
            help="Only this mailbox id (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0:
            self.stderr.write("--interval must be a positive number of seconds.")
            raise SystemExit(2)
        stop = threading.Event()
        if not options["once"]:
            parse_ahead.prepare()  # the second core is ready for the first large fetch
            # SIGTERM (systemd, docker stop) ends the loop between polls, never mid-message.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_args: stop.set())
        while True:
            self.poll_all(options["mailbox"])
            if options["once"] or stop.wait(options["interval"]):
                return
            # A long-running poller must not hold a connection the database has dropped
            # (restart, failover) or one older than CONN_MAX_AGE.
            close_old_connections()

    def poll_all(self, only: list[int]) -> int:
        mailboxes = ImapMailbox.objects.filter(active=True).select_related("site")
        if only:
            mailboxes = mailboxes.filter(pk__in=only)
        total = 0
        for mailbox in mailboxes:
            try:
                count = poll_mailbox(mailbox)
            except Exception as error:
                # One broken mailbox must not stop the others; the error is on the mailbox.
                logger.exception("Polling %s failed", mailbox)
                self.stderr.write(f"{mailbox}: {type(error).__name__}: {error}")
                continue
            total += count
            self.stdout.write(f"{mailbox}: {count} message(s) stored")
        return total
