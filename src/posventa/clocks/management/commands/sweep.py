"""`python -m django sweep`: the long-running clock sweeper (in the style of healthchecks'
`sendalerts`). Run as many as you like, on as many machines: claims never overlap.

    sweep                 # loop until SIGTERM / Ctrl-C
    sweep --once          # one pass (cron, tests, after a restore)
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from posventa.clocks.sweeper import run_forever, sweep, sweeper_beat_period
from posventa.core.heartbeat import SWEEPER, beat


class Command(BaseCommand):
    help = "Escalate obligation clocks whose warning, deadline or escalation time has come."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Sweep until nothing is due, then exit."
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between sweeps (default 2)."
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="Clocks claimed per transaction (default 100)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch < 1:
            self.stderr.write("--batch must be at least 1")
            raise SystemExit(2)
        if options["once"]:
            stats = sweep(batch_size=batch)
            # A sweeper run from cron shows in /healthz too; set
            # POSVENTA_HEALTHZ_MAX_AGE["sweeper"] to the cron period plus some slack.
            beat(SWEEPER, every=sweeper_beat_period(options["interval"]))
            self.stdout.write(f"Escalated {stats.steps} steps on {stats.claimed} clocks.")
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Finish the batch in hand (its transaction is short), then leave.
            self.stdout.write(f"Received signal {signum}, stopping after this sweep.")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"Sweeping every {options['interval']}s, {batch} clocks a batch.")
        run_forever(stop, interval=options["interval"], batch_size=batch)
