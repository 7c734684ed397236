from django.apps import AppConfig


class PromisesConfig(AppConfig):
    name = "posventa.promises"
    label = "promises"
