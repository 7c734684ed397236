from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "posventa.api"
    label = "api"
