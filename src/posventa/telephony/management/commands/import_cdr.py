"""posventa import_cdr <site> <Master.csv> [--utc | --local-time]

Imports an Asterisk Master.csv (see telephony.actions.cdr_import) with a progress bar:
bytes read, rows, rate and time left, on one rewritten line when the output is a
terminal, a line per tenth of the file otherwise; nothing at --verbosity 0. Ends with the
counts and the first bad lines (every bad line is kept in CdrRowError).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from posventa.core.models import Site
from posventa.telephony.actions import cdr_import
from posventa.telephony.models import CdrRowError

BAR_WIDTH = 30
SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import an Asterisk Master.csv (cdr_csv) file of call records for a site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("site", help="The site's slug.")
        parser.add_argument("path", help="The Master.csv file.")
        zone = parser.add_mutually_exclusive_group()
        zone.add_argument("--utc", action="store_true", help="The times in the file are UTC.")
        zone.add_argument(
            "--local-time", action="store_true", help="The times are the site's local time."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"site: no site called {options['site']!r}.")
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"path: {str(path)!r} is not a file.")
        times_utc = True if options["utc"] else False if options["local_time"] else None
        bar = ProgressBar(self, verbosity=options["verbosity"])
        with path.open("rb") as source:
            record = cdr_import.import_cdr(
                site, source, filename=path.name, times_utc=times_utc, on_progress=bar
            )
        bar.finish()
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            _(
                "%(read)d rows read: %(imported)d calls imported, %(known)d already known, "
                "%(bad)d bad rows."
            )
            % {
                "read": record.rows_read,
                "imported": record.rows_imported,
                "known": record.rows_already_known,
                "bad": record.rows_bad,
            }
        )
        for error in CdrRowError.objects.filter(cdr_import=record)[:SHOWN_ERRORS]:
            self.stdout.write(
                _("line %(line)d: %(reason)s") % {"line": error.line_number, "reason": error.reason}
            )


class ProgressBar:
    """A few lines writing to the command's stdout (no dependency): the fraction of the
    file read, rows, rows per second and time left."""

    def __init__(self, command: BaseCommand, *, verbosity: int) -> None:
        self.out = command.stdout
        self.enabled = verbosity > 0
        self.terminal = self.out.isatty()
        self.started = time.monotonic()
        self.last_tenth = -1
        self.drawn = False

    def __call__(self, done: int, total: int, rows: int) -> None:
        if not self.enabled:
            return
        fraction = done / total if total else 1.0
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = rows / elapsed
        left = elapsed * (1 - fraction) / fraction if fraction else 0.0
        filled = "#" * int(BAR_WIDTH * fraction)
        line = _("[%(bar)s] %(percent)3d%% %(rows)d rows, %(rate)d rows/s, %(left)ds left") % {
            "bar": f"{filled:<{BAR_WIDTH}}",
            "percent": int(fraction * 100),
            "rows": rows,
            "rate": rate,
            "left": left,
        }
        if self.terminal:
            self.out.write("\r" + line, ending="")
            self.out.flush()
            self.drawn = True
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.out.write(line)

    def finish(self) -> None:
        if self.drawn:
            self.out.write("")
