from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "posventa.core"
    label = "core"
    verbose_name = "Organisation, sites and staff"
