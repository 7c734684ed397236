"""`posventa validate_schedule FILE`: check a maintenance schedule file before importing
it. Prints the number of rules, or fails naming every bad line (nothing is imported)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.advisor import schedule
from posventa.advisor.management.arguments import read_text_file


class Command(BaseCommand):
    help = "Check a maintenance schedule file (CSV); every bad line is named."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the schedule file (see docs/advisor.md)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            rules = schedule.parse_schedule(read_text_file(path))
        except schedule.ScheduleError as refused:
            raise CommandError(
                "\n".join(
                    [f"{path}: refused, nothing of it is used:"]
                    + [f"  {e}" for e in refused.errors]
                )
            ) from refused
        if options["verbosity"] > 0:
            self.stdout.write(f"{path}: {len(rules)} rules, all valid.")
