"""`posventa import_schedule ORGANISATION FILE`: make FILE the organisation's maintenance
schedule (validated first: a file with a bad line is refused whole, naming each line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.advisor import actions
from posventa.advisor.management.arguments import (
    add_organisation_and_file,
    organisation_from,
    read_text_file,
)


class Command(BaseCommand):
    help = "Import an organisation's maintenance schedule file (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_organisation_and_file(parser, "the schedule file")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_from(options)
        path = options["path"]
        text = read_text_file(path)
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
