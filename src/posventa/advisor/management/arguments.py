"""What the advisor's commands share: reading a UTF-8 file and the organisation argument
(by slug), each failing with a CommandError that names the argument."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from posventa.core.models import Organisation


def read_text_file(path: str) -> str:
    """The file's text, or CommandError naming the problem."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error


def add_organisation_and_file(parser: CommandParser, what: str) -> None:
    parser.add_argument("organisation", help="the organisation's slug")
    parser.add_argument("path", help=f"{what} (see docs/advisor.md)")


def organisation_from(options: dict[str, Any]) -> Organisation:
    organisation = Organisation.objects.filter(slug=options["organisation"]).first()
    if organisation is None:
        raise CommandError(f"organisation: no organisation called {options['organisation']!r}.")
    return organisation
