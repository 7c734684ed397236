from django.apps import AppConfig


class PromisesConfig(AppConfig):
    name = "posventa.promises"
    label = "promises"

    def ready(self) -> None:
        # Connects the @receiver-decorated functions (cases' staff_contacted_customer).
        from posventa.cases import composer
        from posventa.clocks import subjects
        from posventa.promises import composer as promise_composer
        from posventa.promises import receivers  # noqa: F401
        from posventa.promises.models import Promise
        from posventa.promises.subjects import present_promises

        # The waiting list shows a promise with its customer and case, linked to the case.
        subjects.register(Promise, present_promises)
        # The case page: proposals in the composer, and the promises panel beside it.
        composer.register(promise_composer.EXTENSION)
