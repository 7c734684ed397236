from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClocksConfig(AppConfig):
    name = "posventa.clocks"
    label = "clocks"
    verbose_name = "Standards and obligation clocks"

    def ready(self) -> None:
        # Receivers import models, which an app module may not do before the registry is
        # ready; importing them here also connects the @receiver-decorated ones.
        from posventa.clocks import receivers

        post_migrate.connect(
            receivers.sync_catalogue_after_migrate,
            sender=self,
            dispatch_uid="posventa.clocks.sync_catalogue",
        )
