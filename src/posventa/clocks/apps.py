from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_catalogue_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    """Keep the Standard table equal to the catalogue in code after every migrate (and after
    test flushes, which emit post_migrate too)."""
    from posventa.clocks.catalogue import sync_catalogue

    sync_catalogue()


class ClocksConfig(AppConfig):
    name = "posventa.clocks"
    label = "clocks"
    verbose_name = "Standards and obligation clocks"

    def ready(self) -> None:
        post_migrate.connect(
            sync_catalogue_after_migrate, sender=self, dispatch_uid="posventa.clocks.sync_catalogue"
        )
