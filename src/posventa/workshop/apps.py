from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "posventa.workshop"
    label = "workshop"
    verbose_name = "Workshop"
