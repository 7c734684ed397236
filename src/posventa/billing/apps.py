from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "posventa.billing"
    label = "billing"

    def ready(self) -> None:
        # Importing the receivers connects them (resolving a case lifts its holds).
        from posventa.billing import receivers  # noqa: F401
