"""The `posventa` console script.

    posventa run [--host 127.0.0.1] [--port 8000]   web UI + task worker + sweeper, one process
    posventa sweep [--once]                         the clock sweeper alone
    posventa worker [db_worker options]             the task worker alone
    posventa demo                                   load the demo dealer group (idempotent)
    posventa validate_schedule FILE                 check a maintenance schedule file
    posventa import_schedule ORGANISATION FILE      make it the organisation's schedule
    posventa import_service_history ORGANISATION FILE   record past visits from a DMS export
    posventa manage <command> [args]                any Django management command

Every subcommand is a Django management command; this script only picks the settings and
translates the friendly names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# Friendly name -> management command.
COMMANDS = {
    "run": "run",
    "sweep": "sweep",
    # db_worker with a heartbeat for /healthz (posventa.core.management.commands.worker).
    "worker": "worker",
    "demo": "demo",
    # The maintenance advisor's schedule files (docs/advisor.md).
    "validate_schedule": "validate_schedule",
    "import_schedule": "import_schedule",
    "import_service_history": "import_service_history",
}

USAGE = (__doc__ or "").strip()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posventa.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    name, rest = args[0], args[1:]
    if name == "manage":
        command = rest
    elif name in COMMANDS:
        command = [COMMANDS[name], *rest]
    else:
        print(f"posventa: unknown command {name!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["posventa", *command])
    return 0


if __name__ == "__main__":
    sys.exit(main())
