"""`posventa validate_schedule FILE`: check a maintenance schedule file before importing
it. Prints the number of rules, or fails naming every bad line (nothing is imported)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.advisor import schedule


def read_schedule_file(path: str) -> str:
    """The file's text, or CommandError naming the problem."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error


class Command(BaseCommand):
    help = "Check a maintenance schedule file (CSV); every bad line is named."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the schedule file (see docs/advisor.md)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            rules = schedule.parse_schedule(read_schedule_file(path))
        except schedule.ScheduleError as refused:
            raise CommandError(
                "\n".join(
                    [f"{path}: refused, nothing of it is used:"]
                    + [f"  {e}" for e in refused.errors]
                )
            ) from refused
        if options["verbosity"] > 0:
            self.stdout.write(f"{path}: {len(rules)} rules, all valid.")
