from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "posventa.cases"
    label = "cases"
