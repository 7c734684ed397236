"""makemessages with two project rules.

* It also extracts `N_("...")`, the gettext_noop alias the standards catalogue uses for
  titles and rules stored in English and translated on display.
* An app that ships its own `locale/` directory owns its strings: when run from the
  package root (src/posventa, where the project catalogue lives), such apps are skipped,
  so the project catalogue neither duplicates nor overrides their translations (Django
  gives LOCALE_PATHS precedence over app catalogues) and their files are not rewritten.

    cd src/posventa && python -m django makemessages -l es -l sv -l en --no-obsolete
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]

    def handle(self, *args: Any, **options: Any) -> None:
        here = Path.cwd()
        if (here / "locale").is_dir():
            apps_with_catalogues = sorted(
                f"{path.parent.name}/*" for path in here.glob("*/locale") if path.is_dir()
            )
            options["ignore_patterns"] = [
                *options.get("ignore_patterns", []),
                "migrations/*",
                *apps_with_catalogues,
            ]
        super().handle(*args, **options)
