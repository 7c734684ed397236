from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "posventa.clocks"
    label = "clocks"
    verbose_name = "Standards and obligation clocks"
