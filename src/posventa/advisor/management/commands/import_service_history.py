"""`posventa import_service_history ORGANISATION FILE`: record a dealer management system's
service-history export (history_import.py has the format). The file is stored first; each
line is recorded or reported with its number and reason; importing it again records
nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.advisor import actions
from posventa.advisor.management.arguments import (
    add_organisation_and_file,
    organisation_from,
    read_text_file,
)


class Command(BaseCommand):
    help = "Import service history (CSV: vin,date,km,items[,reference,note])."

    def add_arguments(self, parser: CommandParser) -> None:
        add_organisation_and_file(parser, "the CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_from(options)
        path = options["path"]
        received = actions.import_service_history(
            organisation, name=Path(path).name, text=read_text_file(path)
        )
        summary = (
            f"{path}: {received.recorded} recorded, {received.known} already recorded, "
            f"{received.refused} refused (import {received.pk})."
        )
        refused = [f"  line {e['line']}, {e['field']}: {e['message']}" for e in received.errors]
        if refused:
            raise CommandError("\n".join([summary, *refused]))
        if options["verbosity"] > 0:
            self.stdout.write(summary)
