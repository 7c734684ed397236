from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "posventa.reports"
    label = "reports"
    verbose_name = "Compliance reports"
