"""Queue the managers' daily deadlines digest now (clocks/digest.py). The sweeper does this
by itself every housekeeping round; this is for cron setups and for trying it out. Safe to
run any number of times: each manager gets one digest per local day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.clocks.digest import send_due_digests


class Command(BaseCommand):
    help = "Send the daily deadlines digest to every manager who has not had today's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", help="Act as if it were this instant (ISO 8601 with its offset)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError as error:
                raise CommandError(f"--at: not an ISO 8601 instant: {options['at']!r}") from error
            if now.tzinfo is None:
                raise CommandError("--at: give the instant with its offset, e.g. +01:00.")
        queued = send_due_digests(now)
        if options["verbosity"] > 0:
            self.stdout.write(f"Queued {queued} digest(s).")
