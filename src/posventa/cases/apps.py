from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "posventa.cases"
    label = "cases"

    def ready(self) -> None:
        # Connect the customer-merge receiver.
        from posventa.cases import receivers  # noqa: F401
        from posventa.cases.models import Case
        from posventa.cases.subjects import present_cases
        from posventa.clocks import subjects

        # The waiting list shows a case with its customer and subject, linked to its page.
        subjects.register(Case, present_cases)
