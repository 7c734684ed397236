from django.apps import AppConfig


class AdvisorConfig(AppConfig):
    name = "posventa.advisor"
    label = "advisor"

    def ready(self) -> None:
        from posventa.advisor import composer as advisor_composer
        from posventa.cases import composer

        # The case page: a suggested answer in the composer, the advice beside it.
        composer.register(advisor_composer.EXTENSION)
