from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "posventa.complaints"
    label = "complaints"
