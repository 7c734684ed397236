"""What the clocks app does when something below it changes."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.dispatch import receiver

from posventa.clocks.actions import replan_site_clocks
from posventa.clocks.catalogue import sync_catalogue
from posventa.core.models import Site
from posventa.core.signals import site_calendar_changed


@receiver(site_calendar_changed, dispatch_uid="posventa.clocks.replan_on_calendar_change")
def replan_on_calendar_change(sender: Any, site: Site, **kwargs: Any) -> None:
    # Sent inside the calendar change's transaction: the new deadlines commit with it.
    replan_site_clocks(site)


def sync_catalogue_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    """Keep the Standard table equal to the catalogue in code after every migrate (and after
    test flushes, which emit post_migrate too)."""
    sync_catalogue()
