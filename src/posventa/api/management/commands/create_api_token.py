"""`posventa create_api_token alba "DMS sync" --sites madrid,goteborg`

Prints the token once. Only its SHA-256 is kept, so a lost token is revoked and replaced,
never recovered.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from posventa.api.actions import create_api_token
from posventa.core.models import Site, User


class Command(BaseCommand):
    help = "Create an API token for a user and print it (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What will use the token, e.g. 'DMS sync'.")
        parser.add_argument(
            "--sites",
            default="",
            help="Comma-separated site slugs to limit the token to (default: all the "
            "user's sites).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"username: no user called {options['username']!r}.")
        slugs = [slug.strip() for slug in options["sites"].split(",") if slug.strip()]
        sites = list(Site.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {site.slug for site in sites})
        if unknown:
            raise CommandError(f"sites: unknown site(s) {', '.join(unknown)}.")
        try:
            issued = create_api_token(user, options["name"], sites=sites)
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise CommandError(problems) from error
        scope = ", ".join(sorted(slugs)) or "all of the user's sites"
        self.stdout.write(f"Token {issued.token.name!r} for {user.get_username()} ({scope}):")
        self.stdout.write(issued.plaintext)
        self.stderr.write("Store it now: it is not shown again.")
