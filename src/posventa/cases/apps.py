from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "posventa.cases"
    label = "cases"

    def ready(self) -> None:
        # Connect the customer-merge receiver.
        from posventa.cases import receivers  # noqa: F401
