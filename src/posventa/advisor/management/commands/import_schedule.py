"""`posventa import_schedule ORGANISATION FILE`: make FILE the organisation's maintenance
schedule (validated first: a file with a bad line is refused whole, naming each line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.advisor import actions
from posventa.advisor.management.commands.validate_schedule import read_schedule_file
from posventa.core.models import Organisation


class Command(BaseCommand):
    help = "Import an organisation's maintenance schedule file (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="the organisation's slug")
        parser.add_argument("path", help="the schedule file (see docs/advisor.md)")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"organisation: no organisation called {options['organisation']!r}.")
        path = options["path"]
        text = read_schedule_file(path)
        try:
            imported = actions.import_schedule(organisation, name=Path(path).name, text=text)
        except ValidationError as refused:
            lines = [message for messages in refused.message_dict.values() for message in messages]
            raise CommandError(
                "\n".join(
                    [f"{path}: refused, nothing of it is used:"] + [f"  {line}" for line in lines]
                )
            ) from refused
        if options["verbosity"] > 0:
            self.stdout.write(
                f"{path}: {imported.rules} rules imported for {organisation.name}; "
                "they are now its schedule."
            )
