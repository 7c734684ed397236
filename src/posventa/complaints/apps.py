from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "posventa.complaints"
    label = "complaints"
    verbose_name = "Complaints"

    def ready(self) -> None:
        # Importing the receivers connects them (cases/signals.py: transfers, closing).
        from posventa.complaints import receivers  # noqa: F401
