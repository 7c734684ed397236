"""`posventa demo`: load the demo dealer group once (does nothing if it exists)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from posventa.demo.loader import DEMO_LOGINS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the invented demo dealer group (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # A fresh data directory has no tables yet; migrating first makes `posventa demo`
        # work on its own (a no-op when the schema is current).
        call_command("migrate", interactive=False, verbosity=0)
        world = load_demo()
        if world is None:
            self.stdout.write("The demo dealer group is already loaded; nothing to do.")
            return
        sites = ", ".join(site.name for site in world.sites.values())
        self.stdout.write(self.style.SUCCESS(f"Demo dealer group loaded: {sites}."))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username} / {DEMO_PASSWORD}  ({login.description})")
