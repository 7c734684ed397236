from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "posventa.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        # Importing the receivers connects them (cases/signals.py: unowned cases, owners).
        from posventa.routing import receivers  # noqa: F401
