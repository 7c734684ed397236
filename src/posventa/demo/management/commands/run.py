"""`posventa run`: everything in one process, for a laptop, a demo or a small workshop.

Migrates, loads the demo group into an empty database, then serves the web UI with
waitress and, in daemon threads of the same process, runs the task worker (django-tasks'
database backend) and the clock sweeper. Ctrl-C or SIGTERM stops all three cleanly.
At scale, run the same three pieces as separate processes instead (`posventa worker`,
`posventa sweep`, any WSGI server on posventa.wsgi).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from waitress.server import create_server

from posventa.clocks.sweeper import run_forever
from posventa.core.models import Organisation
from posventa.core.worker import HeartbeatWorker
from posventa.demo.loader import DEMO_LOGINS, DEMO_PASSWORD, demo_exists, load_demo
from posventa.demo.ports import port_problem

logger = logging.getLogger("posventa.run")

RESTART_DELAY = 5.0
# Listening on every interface: links name the machine instead.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


class BackgroundServices:
    """The task worker and the sweeper, each in a daemon thread that survives errors."""

    def __init__(self, *, worker_interval: float = 1.0, sweep_interval: float = 2.0) -> None:
        self.stop_event = threading.Event()
        self.worker = HeartbeatWorker(
            # Embedded mode serves every queue: there is no other worker to share them with.
            queue_names=["*"],
            interval=worker_interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"posventa-run-{os.getpid()}",
            excluded_queue_names=[],
        )
        self.sweep_interval = sweep_interval
        self.threads = [
            threading.Thread(
                target=self._supervise, args=(self.worker.run,), name="posventa-worker", daemon=True
            ),
            threading.Thread(target=self._sweep, name="posventa-sweeper", daemon=True),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.worker.running = False
        for thread in self.threads:
            thread.join(timeout)

    def _sweep(self) -> None:
        try:
            run_forever(self.stop_event, interval=self.sweep_interval)
        finally:
            connection.close()

    def _supervise(self, target: Callable[[], None]) -> None:
        """Restart the worker loop after an unexpected error (e.g. the database restarting),
        rather than leaving the web server up with nobody delivering notifications."""
        try:
            while not self.stop_event.is_set():
                try:
                    target()
                except Exception:
                    logger.exception("Task worker failed; restarting in %ss", RESTART_DELAY)
                    close_old_connections()
                    self.stop_event.wait(RESTART_DELAY)
                else:
                    return
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Migrate, load the demo into an empty database, and serve web + worker + sweeper."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="Web server threads.")
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="Do not load the demo dealer group into an empty database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        problem = port_problem(host, port)
        if problem is not None:
            raise CommandError(problem)  # before migrating: nothing is done in vain
        follow_the_served_address(host, port)
        self.stdout.write("Migrating the database...")
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"] and not Organisation.objects.exists():
            self.stdout.write("Empty database: loading the demo dealer group...")
            load_demo()
        try:
            server = create_server(
                get_wsgi_application(), host=host, port=port, threads=options["threads"]
            )
        except OSError as error:
            # Taken while we migrated: say so as plainly as the check above would have.
            raise CommandError(port_problem(host, port) or str(error)) from error
        background = BackgroundServices()
        background.start()
        self.announce(f"http://{options['host']}:{server.effective_port}/")  # type: ignore[union-attr]
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            # Returns after Ctrl-C or SIGTERM: waitress catches the KeyboardInterrupt and
            # shuts its own task threads down.
            server.run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stdout.write("Stopping the task worker and the sweeper...")
            background.stop()
            server.close()
            self.stdout.write("Stopped.")

    def announce(self, url: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"Posventa is running at {url}"))
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        if demo_exists():
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for login in DEMO_LOGINS:
                self.stdout.write(f"  {login.username:<15} {login.description}")
        self.stdout.write("Task worker and clock sweeper running. Press Ctrl-C to stop.")
        self.stdout.flush()


def follow_the_served_address(host: str, port: int) -> None:
    """Links in mails (portal links) and the accepted host names follow where we serve,
    unless the environment sets them (`POSVENTA_SITE_URL`, `POSVENTA_ALLOWED_HOSTS`)."""
    wildcard = host in WILDCARD_HOSTS
    if "POSVENTA_SITE_URL" not in os.environ:
        name = socket.getfqdn() if wildcard else host
        name = f"[{name}]" if ":" in name else name
        settings.SITE_URL = f"http://{name}:{port}"
    if "POSVENTA_ALLOWED_HOSTS" not in os.environ:
        names = [socket.getfqdn(), socket.gethostname()] if wildcard else [host]
        extra = [name for name in names if name not in settings.ALLOWED_HOSTS]
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, *dict.fromkeys(extra)]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (systemd, docker stop, the test) shuts down exactly like Ctrl-C.
    raise KeyboardInterrupt
